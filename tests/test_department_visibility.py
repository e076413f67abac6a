"""An officer's lists hold exactly the department's cases: dispatched to it, on a meeting it is invited to, or with
an action item it owns. On SQLite a large department's cases are matched while walking the list's order and a small
one's are looked up by id (access.WALK_FROM); both ways must give the same rows, counts and order."""
from datetime import datetime

import pytest
from sqlalchemy import select

from app.enums import Role, TicketState as S
from app.extensions import db
from app.models import Meeting
from app.tickets import access, queries
from sla.calendar import SHANGHAI
from tests.test_meetings import add_item, convene


@pytest.fixture
def department_cases(app, factory, login, clock):
    """Cases of three kinds for one department ("ours"), and one it has nothing to do with."""
    clock.set(datetime(2026, 11, 16, 9, tzinfo=SHANGHAI))
    secretary = factory.user(Role.SECRETARY)
    ours = factory.user(Role.OFFICER)
    elsewhere, third = factory.user(Role.OFFICER), factory.user(Role.OFFICER)
    dispatched = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=ours, title="派给本部门的诉求")
    invited = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=elsewhere, title="本部门参会的诉求")
    owned = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=third, title="本部门有会办事项的诉求")
    factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=elsewhere, title="与本部门无关的诉求")
    sec = login(app.test_client(), secretary)
    assert convene(sec, invited.id, elsewhere.department_id, support=[ours.department_id],
                   subject="请本部门参会").status_code == 303
    # ours is invited to this one too: the case is the department's twice over and must still count once
    assert convene(sec, owned.id, third.department_id, support=[ours.department_id],
                   subject="交办事项").status_code == 303
    with app.app_context():
        meeting_id = db.session.scalar(select(Meeting.id).where(Meeting.subject == "交办事项"))
    assert add_item(sec, meeting_id, owned.id, "现场核查", ours.department_id, 3).status_code == 303
    return login(app.test_client(), ours)


@pytest.mark.parametrize("walk_from", [0, 1_000_000], ids=["walked", "looked-up"])
def test_an_officer_lists_exactly_the_departments_cases(department_cases, monkeypatch, walk_from):
    monkeypatch.setattr(access, "WALK_FROM", walk_from)
    officer = department_cases
    mine = ("派给本部门的诉求", "本部门参会的诉求", "本部门有会办事项的诉求")
    for url in ("/tickets", "/tickets?sort=new", "/tickets?state=convened", "/tickets?state=open"):
        page = officer.get(url).get_data(as_text=True)
        # dispatched (processing) and the two convened cases; the unrelated case never
        expected = mine if "convened" not in url else mine[1:]
        assert all(title in page for title in expected), url
        assert "与本部门无关的诉求" not in page, url
    # three cases in all, two of them convened: the counts say so whichever way they were found
    assert "共 3 件" in officer.get("/tickets").get_data(as_text=True)
    assert "共 2 件" in officer.get("/tickets?state=convened").get_data(as_text=True)
    newest = officer.get("/tickets?sort=new").get_data(as_text=True)
    # submitted in this order, so the newest-first list shows them the other way round
    assert newest.index(mine[2]) < newest.index(mine[1]) < newest.index(mine[0])


def test_a_state_tab_pages_dated_cases_by_deadline_then_undated_ones_by_number(app, factory, login, clock):
    """One state's list is read as two (dated, then undated) to follow its index; the pages must still join up.
    Five processing cases with due times +3 days, none, +1 day, none, +2 days (in the order made): by deadline
    they go +1, +2, +3, then the two undated in the order made; two a page gives [3rd, 5th], [1st, 2nd], [4th]."""
    from datetime import timedelta

    from app.models import Ticket
    clock.set(datetime(2026, 11, 16, 9, tzinfo=SHANGHAI))
    secretary = factory.user(Role.SECRETARY)
    cases = [factory.ticket(S.PROCESSING, secretary=secretary, title=f"第{n}件") for n in range(1, 6)]
    with app.app_context():
        for case, days in zip(cases, (3, None, 1, None, 2)):
            db.session.get(Ticket, case.id).due_at = None if days is None else clock.now() + timedelta(days=days)
        db.session.commit()
    app.config["PAGE_SIZE"] = 2
    boss = login(app.test_client(), factory.user(Role.SUPERVISOR))
    pages = [boss.get(f"/tickets?state=processing&page={n}").get_data(as_text=True) for n in (1, 2, 3)]
    shown = [[f"第{n}件" for n in range(1, 6) if f"第{n}件" in page] for page in pages]
    assert shown == [["第3件", "第5件"], ["第1件", "第2件"], ["第4件"]]
    assert pages[0].index("第3件") < pages[0].index("第5件") and pages[1].index("第1件") < pages[1].index("第2件")


@pytest.mark.parametrize("read_once", [2_000, 0], ids=["ids-read-once", "intersection-in-each-statement"])
def test_a_secretary_filtering_by_department_sees_her_cases_there_and_no_colleagues(app, factory, login, clock,
                                                                                    monkeypatch, read_once):
    """Her cases and the department's are intersected as two sets of ids (read once when there are few, else in the
    count's and the page's statements); the result must be what she may see (her own, her companies', intake and
    the pool) that the department has a part in, nothing else."""
    monkeypatch.setattr(queries, "SHARED_READ_ONCE", read_once)
    clock.set(datetime(2026, 11, 16, 9, tzinfo=SHANGHAI))
    her, colleague = factory.user(Role.SECRETARY), factory.user(Role.SECRETARY)
    there, elsewhere = factory.user(Role.OFFICER), factory.user(Role.OFFICER)
    factory.ticket(S.PROCESSING, secretary=her, lead_officer=there, title="她的诉求派到该部门")
    factory.ticket(S.PROCESSING, secretary=her, lead_officer=elsewhere, title="她的诉求派到别的部门")
    factory.ticket(S.PROCESSING, secretary=colleague, lead_officer=there, title="同事的诉求派到该部门")
    page = login(app.test_client(), her).get(f"/tickets?department={there.department_id}").get_data(as_text=True)
    assert "她的诉求派到该部门" in page and "共 1 件" in page
    assert "她的诉求派到别的部门" not in page and "同事的诉求派到该部门" not in page


@pytest.mark.parametrize("read_once", [2_000, 0], ids=["ids-read-once", "intersection-in-each-statement"])
def test_a_secretary_filtering_by_department_and_state_counts_only_what_both_keep(app, factory, login, clock,
                                                                                  monkeypatch, read_once):
    """Filtered by the department alone, the count is the intersected set itself (two of her cases there); with a
    state too it must count only those in the state (one processing). One a page: two pages, the second holds the
    other case."""
    monkeypatch.setattr(queries, "SHARED_READ_ONCE", read_once)
    clock.set(datetime(2026, 11, 16, 9, tzinfo=SHANGHAI))
    her, there = factory.user(Role.SECRETARY), factory.user(Role.OFFICER)
    factory.ticket(S.PROCESSING, secretary=her, lead_officer=there, title="办理中的那件")
    factory.ticket(S.ON_HOLD, secretary=her, lead_officer=there, title="挂起的那件")
    app.config["PAGE_SIZE"] = 1
    browser = login(app.test_client(), her)
    first, second = (browser.get(f"/tickets?department={there.department_id}&page={n}").get_data(as_text=True)
                     for n in (1, 2))
    assert "共 2 件" in first and "共 2 件" in second
    assert {"办理中的那件" in first, "办理中的那件" in second} == {True, False}
    assert ("挂起的那件" in first) != ("挂起的那件" in second)
    narrowed = browser.get(f"/tickets?department={there.department_id}&state=processing").get_data(as_text=True)
    assert "共 1 件" in narrowed and "办理中的那件" in narrowed and "挂起的那件" not in narrowed


def test_the_department_queue_holds_its_planner_setting_for_one_statement_only(app, factory, clock):
    """On PostgreSQL the department queue's statement runs without parallel workers (app/planner.py); the setting
    must be back to what it was for the rest of the request's transaction, and the queue must hold the case."""
    from app.models import User
    from app.tickets.queries import needs_me
    clock.set(datetime(2026, 11, 16, 9, tzinfo=SHANGHAI))
    officer = factory.user(Role.OFFICER)
    case = factory.ticket(S.PROCESSING, secretary=factory.user(Role.SECRETARY), lead_officer=officer)
    with app.test_request_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("a PostgreSQL planner setting; CI runs this file on PostgreSQL too")
        setting = db.text("SELECT current_setting('max_parallel_workers_per_gather')")
        before = db.session.scalar(setting)
        tickets, _more = needs_me(db.session.get(User, officer.id), clock.now())
        assert [t.id for t in tickets] == [case.id]
        assert db.session.scalar(setting) == before



def test_an_officers_count_past_the_cap_through_meetings(department_cases, app, monkeypatch):
    """The department's three cases: one dispatched to it, two through meetings. Its dispatched cases alone (one)
    stay under a cap of 2, so all three sets are counted, and they pass it."""
    officer = department_cases
    app.config["PAGE_SIZE"] = 1  # the cap is the larger of COUNT_CAP and the cases up to this page
    monkeypatch.setattr(queries, "COUNT_CAP", 3)
    assert "共 3 件" in officer.get("/tickets").get_data(as_text=True)
    monkeypatch.setattr(queries, "COUNT_CAP", 2)
    page = officer.get("/tickets").get_data(as_text=True)
    assert "超过 2 件" in page and "共 3 件" not in page


def test_an_officers_count_past_the_cap_through_dispatches_alone(app, factory, login, clock, monkeypatch):
    """Two cases dispatched to the department, one of them twice (returned, then sent again): two cases, and
    past a cap of 1 by its dispatches alone."""
    clock.set(datetime(2026, 11, 16, 9, tzinfo=SHANGHAI))
    ours, secretary = factory.user(Role.OFFICER), factory.user(Role.SECRETARY)
    first = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=ours)
    factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=ours)
    with app.app_context():
        from app.models import Assignment
        part = db.session.scalar(select(Assignment).where(Assignment.ticket_id == first.id))
        db.session.add(Assignment(ticket_id=first.id, department_id=part.department_id, role="support",
                                  status="returned"))
        db.session.commit()
    officer = login(app.test_client(), ours)
    app.config["PAGE_SIZE"] = 1
    monkeypatch.setattr(queries, "COUNT_CAP", 2)
    assert "共 2 件" in officer.get("/tickets").get_data(as_text=True)  # three parts, two cases
    monkeypatch.setattr(queries, "COUNT_CAP", 1)
    page = officer.get("/tickets").get_data(as_text=True)
    assert "超过 1 件" in page and "共 2 件" not in page
