"""Pages that help on a phone (issue 16): the overdue board by case and by department, page numbers that never
pass the page count, filter dates reported when wrong, unique form ids on the ticket page, and the departments
already on a case preselected when convening a meeting."""
from collections import Counter
from html.parser import HTMLParser

from app.enums import Role, TicketState as S


class _Ids(HTMLParser):
    """Every id and every label's `for` on a page."""

    def __init__(self):
        super().__init__()
        self.ids, self.label_for = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.append(attrs["id"])
        if tag == "label" and attrs.get("for"):
            self.label_for.append(attrs["for"])


def _ids(html):
    parser = _Ids()
    parser.feed(html)
    return parser


def test_every_id_on_the_ticket_page_is_unique_and_every_label_points_at_its_field(app, factory, login, clock):
    supervisor, secretary = factory.user(Role.SUPERVISOR), factory.user(Role.SECRETARY)
    ref = factory.ticket(S.PROCESSING, secretary=secretary)
    clock.advance(days=10)  # late: the deadline panel offers urging, supervising and an extension request
    for person in (supervisor, secretary):
        client = login(app.test_client(), person)
        page = client.get(f"/tickets/{ref.id}").get_data(as_text=True)
        panel = client.get(f"/tickets/{ref.id}/deadlines").get_data(as_text=True)  # loaded into the page by htmx
        found = _ids(page + panel)
        repeated = {i: n for i, n in Counter(found.ids).items() if n > 1}
        assert not repeated, (person.role, repeated)
        assert found.label_for and set(found.label_for) <= set(found.ids), set(found.label_for) - set(found.ids)
