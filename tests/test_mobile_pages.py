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


def _sweep(app, clock):
    from app.supervision.sweep import sweep
    with app.test_request_context():
        sweep(clock.now())


def _case_rows(html):
    import re
    return re.findall(r'<tr class="board-case">\s*<td><a class="mono small" href="/tickets/\d+">(JJ-[\d-]+)</a>', html)


def _tab_counts(html):
    import re
    tabs = re.findall(r'<a class="nav-link[^"]*"[^>]*href="([^"]*)">([^<]+?)\s*<span class="badge text-bg-light tab-count">(\d+)</span>',
                      html)
    return {label.strip(): int(n) for _href, label, n in tabs}


def test_the_overdue_board_shows_one_row_per_case_and_counts_cases_per_tab(app, factory, login, clock, monkeypatch):
    supervisor, secretary, officer = factory.user(Role.SUPERVISOR), factory.user(Role.SECRETARY), factory.user(Role.OFFICER)
    # Mon 11-16 09:00. A: accepted, so first reply (1 working day, due Tue 24:00) and resolution (5 working days, due
    # Mon 11-23 24:00). B: accepted and dispatched to the officer's department: the same two clocks and the
    # department's sign-off (1 working day, due Tue 24:00).
    a = factory.ticket(S.TRIAGE, secretary=secretary)
    b = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=officer)
    clock.advance(days=10)  # Thu 11-26 09:00
    _sweep(app, clock)
    # Lateness on Thu 09:00: first reply and sign-off 6 working days and 9 hours late (Wed 18 … Wed 25, plus the
    # morning) → past 5 working days: 升级至主任; resolution 2 working days and 9 hours late (Tue 24, Wed 25) → past
    # 2: 督办. So A has two late clocks (升级, 督办), B three (升级 ×2, 督办).
    client = login(app.test_client(), supervisor)
    html = client.get("/board/overdue").get_data(as_text=True)
    assert sorted(_case_rows(html)) == sorted([a.number, b.number])  # one row per case, not five
    row_a = html.split(f">{a.number}</a>", 1)[1].split("</tr>", 1)[0]
    assert row_a.count('class="late-clock"') == 2
    row_b = html.split(f">{b.number}</a>", 1)[1].split("</tr>", 1)[0]
    assert row_b.count('class="late-clock"') == 3
    # Cases per tab, a case once per tab: all late 2; 升级至主任 2 (A; B once for its two clocks); 督办 2; 已超期 0
    # (no clock is late by less than 2 working days); 即将到期 0; by department: one department (B's).
    assert _tab_counts(html) == {"全部超期": 2, "即将到期": 0, "已超期": 0, "督办": 2, "升级至主任": 2, "按部门": 1}
    # The department answers for B's sign-off and, as its lead, B's resolution: 1 case, 2 clocks.
    by_dept = client.get("/board/overdue?view=department").get_data(as_text=True)
    dept_row = by_dept.split("board-departments", 1)[1].split("</tbody>", 1)[0]
    assert "1 件" in dept_row and "2 项" in dept_row
    only_dept = client.get(f"/board/overdue?department={officer.department_id}").get_data(as_text=True)
    assert _case_rows(only_dept) == [b.number]
    assert only_dept.split(f">{b.number}</a>", 1)[1].split("</tr>", 1)[0].count('class="late-clock"') == 2
    # One case a page: two pages; page 7 shows page 2 of 2 and says so.
    from app.supervision import views
    monkeypatch.setattr(views, "BOARD_PAGE_SIZE", 1)
    last = client.get("/board/overdue?page=7").get_data(as_text=True)
    assert len(_case_rows(last)) == 1 and "第 2 / 2 页" in last and "没有第 7 页：共 2 页" in last


def test_the_ticket_list_page_never_passes_the_page_count(app, factory, login):
    app.config["PAGE_SIZE"] = 2
    supervisor, secretary = factory.user(Role.SUPERVISOR), factory.user(Role.SECRETARY)
    for _ in range(3):
        factory.ticket(S.INTAKE, secretary=secretary)
    client = login(app.test_client(), supervisor)
    # 3 cases, 2 a page: 2 pages; page 9 shows page 2 (its one case) and says there is no page 9.
    html = client.get("/tickets?page=9").get_data(as_text=True)
    assert "没有第 9 页：共 2 页，这里显示最后一页。" in html and "第 2 / 2 页" in html
    assert html.count('class="title-link"') == 1


def test_an_invalid_filter_date_is_reported_in_chinese_and_left_out(app, factory, login):
    supervisor = factory.user(Role.SUPERVISOR)
    factory.ticket(S.INTAKE)
    client = login(app.test_client(), supervisor)
    html = client.get("/tickets?from=2026-13-45&to=2026-11-30").get_data(as_text=True)
    assert "“提交日期从”的日期“2026-13-45”无效" in html
    assert "共 1 件" in html  # the valid "to" still filters; the bad "from" does not hide anything
    fragment = client.get("/tickets?to=31/12/2026", headers={"HX-Request": "true", "HX-Target": "ticket-list"})
    assert "“至”的日期“31/12/2026”无效" in fragment.get_data(as_text=True)


def test_convening_preselects_the_departments_already_on_the_case(app, factory, login):
    secretary, officer = factory.user(Role.SECRETARY), factory.user(Role.OFFICER)
    support, other = factory.department(), factory.department()
    ref = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=officer, support_department_ids=[support])
    html = login(app.test_client(), secretary).get(f"/tickets/{ref.id}/convene").get_data(as_text=True)
    import re
    checked = set(re.findall(r'name="support_department_ids" value="(\d+)"[^>]*checked', html))
    # The lead department is the meeting's lead (its own field); the supporting department is ticked; others not.
    assert checked == {str(support)}
    assert f'name="support_department_ids" value="{other}"' in html
    assert re.search(rf'<option selected value="{officer.department_id}">|<option value="{officer.department_id}" selected', html)
    # The picker is plain checkboxes under a filter box (no Ctrl-click multi-select).
    assert 'type="search"' in html and "<select multiple" not in html and 'multiple id="support' not in html
