"""Every GET page, given arbitrary query strings, answers without a server error and keeps its links on this
site. Query arguments are the one input every page takes; Werkzeug's own url_for keywords (`_external`,
`_scheme`, `_anchor`, `_method`, `endpoint`) are in the mix, since passing request.args through to url_for
once let `?endpoint=x` answer 500 and `?_external=1&_scheme=javascript` rewrite a page's links."""
import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.test_permissions import MATRIX, client_for, url_args, world  # noqa: F401  (world is a fixture)

pytestmark = pytest.mark.security

KEYS = ["q", "state", "page", "version", "view", "year", "park", "industry", "secretary", "only_year", "status",
        "department", "kind", "from", "to", "sort", "token", "next", "month", "key", "endpoint", "_method",
        "_external", "_scheme", "_anchor", "values", "method", "id", "type_id", "stage_id", "enterprise_id",
        "enterprise"]
VALUES = st.one_of(st.text(max_size=40), st.sampled_from(
    ["", "1", "0", "-1", "9" * 30, "2026-13-45", "9999-12-31", "0001-01-01", "javascript", "evil.example", "x",
     "POST", "true", "%", "'", "<script>", "draft", "secretary", "2026-10"]))
# Pages that only serve files or redirect: the fuzz still checks they answer below 500.
GET_ROUTES = sorted({endpoint for endpoint, method in MATRIX if method == "GET"} - {"static", "vendor.asset"})


@pytest.mark.parametrize("role", ["supervisor", "secretary", "anonymous", "enterprise_sms"])
def test_every_get_page_survives_any_query_string(app, world, login, factory, sms_gateway, role):
    from flask import url_for
    client = client_for(role, app, world, login, factory, sms_gateway)
    with app.test_request_context():
        urls = {endpoint: url_for(endpoint, **url_args(endpoint, world)) for endpoint in GET_ROUTES}
    failures = []

    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=6))
    def fuzz(args):
        try:
            response = client.get(urls[endpoint], query_string=args)
        except Exception as exc:  # noqa: BLE001  (the test app propagates what would be a 500)
            failures.append((endpoint, args, repr(exc)[:200]))
            return
        if response.status_code >= 500:
            failures.append((endpoint, args, response.status_code))
            return
        body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        # No link on the page may leave the site or change its scheme because of what the query said.
        for href in re.findall(r'(?:href|action|hx-get|hx-post)="([^"]*)"', body):
            if href.startswith(("javascript:", "//")) or re.match(r"[a-z]+://(?!localhost)", href):
                failures.append((endpoint, args, href))

    for endpoint in sorted(urls):
        fuzz()
    print(f"\n{role}: {len(urls)} GET pages × 20 query strings, {len(failures)} failures")
    assert failures == []


def test_every_get_page_is_fuzzed():
    """A new GET route joins the fuzz through the permission matrix, which fails on any route it lacks."""
    assert len(GET_ROUTES) >= 40 and "projects.sheet" in GET_ROUTES and "assessment.evaluate" in GET_ROUTES
