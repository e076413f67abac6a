"""A secretary's state tabs are counted (and, on PostgreSQL, their undated cases listed) part by part: her own
cases, her companies' cases, the open cases of nobody, every intake case (queries._secretary_tab_parts). Whichever
way they are read, a tab holds exactly what she may see in that state, each case once, in deadline order. On
SQLite her dated cases are listed part by part too (queries._dated_by_parts)."""
import re
from datetime import datetime

import pytest
from sqlalchemy import select, update

from app.enums import Role, TicketState as S
from app.extensions import db
from app.models import Ticket
from sla.calendar import SHANGHAI


def _numbers(html):
    return re.findall(r'<td class="mono small"[^>]*><a href="/tickets/\d+">([^<]+)</a>', html)


@pytest.fixture
def her_cases(app, factory, login, clock):
    """In each of two states (processing: dated; on hold: undated) her own case, a case of her company that a
    colleague took, a case nobody is responsible for, and a colleague's case of the colleague's company."""
    clock.set(datetime(2026, 11, 16, 9, tzinfo=SHANGHAI))
    me, colleague = factory.user(Role.SECRETARY), factory.user(Role.SECRETARY)
    my_company, their_company = factory.enterprise(me), factory.enterprise(colleague)
    made = {}
    for state in (S.PROCESSING, S.ON_HOLD):
        made[state] = {
            "own": factory.ticket(state, secretary=me, enterprise_id=my_company, title="我的诉求"),
            "company": factory.ticket(state, secretary=colleague, enterprise_id=my_company, title="我联系企业的诉求"),
            "nobody": factory.ticket(state, secretary=colleague, enterprise_id=their_company, title="无人负责的诉求"),
            "hidden": factory.ticket(state, secretary=colleague, enterprise_id=their_company, title="同事的诉求"),
        }
    with app.app_context():
        nobody = [made[s]["nobody"].id for s in made]
        db.session.execute(update(Ticket).where(Ticket.id.in_(nobody)).values(secretary_id=None))
        db.session.commit()
        rows = {t.id: t for t in db.session.scalars(select(Ticket))}
        # the premises: who holds each case, and that a case on hold has no deadline running (the undated list)
        assert rows[made[S.PROCESSING]["company"].id].secretary_id == colleague.id
        assert all(rows[t.id].due_at is None for t in made[S.ON_HOLD].values())
        assert all(rows[t.id].due_at is not None for t in made[S.PROCESSING].values())
    return login(app.test_client(), me), made


@pytest.mark.parametrize("state", [S.PROCESSING, S.ON_HOLD], ids=["dated", "undated"])
def test_a_secretarys_tab_holds_exactly_her_cases_in_that_state(her_cases, state):
    client, made = her_cases
    html = client.get(f"/tickets?state={state.value}").get_data(as_text=True)
    # she sees her own, her company's and nobody's case of the state: three, not the colleague's own
    assert "共 3 件" in html
    shown = _numbers(html)
    assert sorted(shown) == sorted(made[state][k].number for k in ("own", "company", "nobody"))
    assert made[state]["hidden"].number not in html


def test_her_undated_tab_pages_in_case_order(her_cases, app):
    client, made = her_cases
    app.config["PAGE_SIZE"] = 2
    seen = []
    for page in (1, 2):
        html = client.get(f"/tickets?state=on_hold&page={page}").get_data(as_text=True)
        assert "共 3 件" in html and "第 %d / 2 页" % page in html
        seen += _numbers(html)
    # undated cases follow the case order (made own, company, nobody: ids rising), each once across the two pages
    assert seen == [made[S.ON_HOLD][k].number for k in ("own", "company", "nobody")]


def test_a_page_passes_from_her_dated_cases_to_her_undated(her_cases, app):
    client, made = her_cases
    cases = made[S.PROCESSING]
    with app.app_context():
        # her own case, the oldest, loses its deadline: it now comes after the two dated ones, not first by id
        db.session.execute(update(Ticket).where(Ticket.id == cases["own"].id).values(due_at=None))
        db.session.commit()
    app.config["PAGE_SIZE"] = 2
    first = _numbers(client.get("/tickets?state=processing&page=1").get_data(as_text=True))
    second = _numbers(client.get("/tickets?state=processing&page=2").get_data(as_text=True))
    # the dated two by deadline (made a moment apart on a stopped clock: equal deadlines, so by id), then the undated
    assert first + second == [cases["company"].number, cases["nobody"].number, cases["own"].number]


def test_her_dated_tab_pages_in_deadline_order_across_her_parts(app, factory, login, clock):
    """On SQLite her dated tab is read as the first cases of each of her parts, merged (queries._dated_by_parts): a
    case in two parts comes once, and the second page reads past the first page's cases in every part."""
    clock.set(datetime(2026, 11, 16, 9, tzinfo=SHANGHAI))
    me, colleague = factory.user(Role.SECRETARY), factory.user(Role.SECRETARY)
    my_company, their_company = factory.enterprise(me), factory.enterprise(colleague)
    cases = {
        "own, her company": factory.ticket(S.PROCESSING, secretary=me, enterprise_id=my_company),
        "own, their company": factory.ticket(S.PROCESSING, secretary=me, enterprise_id=their_company),
        "colleague's, her company": factory.ticket(S.PROCESSING, secretary=colleague, enterprise_id=my_company),
        "nobody's": factory.ticket(S.PROCESSING, secretary=colleague, enterprise_id=their_company),
        "colleague's own": factory.ticket(S.PROCESSING, secretary=colleague, enterprise_id=their_company),
    }
    # Deadlines set by hand, a day apart and not in the order the cases were made (nor by part).
    day = {"colleague's own": 1, "own, their company": 2, "nobody's": 3, "own, her company": 4,
           "colleague's, her company": 5}
    with app.app_context():
        for key, d in day.items():
            db.session.execute(update(Ticket).where(Ticket.id == cases[key].id)
                               .values(due_at=datetime(2026, 11, 20 + d, 17, tzinfo=SHANGHAI)))
        db.session.execute(update(Ticket).where(Ticket.id == cases["nobody's"].id).values(secretary_id=None))
        db.session.commit()
    app.config["PAGE_SIZE"] = 1  # a page of one: each later page reads past a case of some part
    client = login(app.test_client(), me)
    pages = [_numbers(client.get(f"/tickets?state=processing&page={page}").get_data(as_text=True))
             for page in (1, 2, 3, 4)]
    # Hers by deadline: her own at a colleague's company (day 2), nobody's (3), her own at her company (4: her own
    # and her company's, listed once), her company's case a colleague took (5). The colleague's own (1) is not hers.
    mine = [cases[k].number for k in ("own, their company", "nobody's", "own, her company", "colleague's, her company")]
    assert pages == [[number] for number in mine]


def test_the_open_tab_lists_her_cases_of_both_states(her_cases):
    client, made = her_cases
    html = client.get("/tickets?state=open").get_data(as_text=True)
    # three of hers in each of the two open states
    assert "共 6 件" in html
    assert sorted(_numbers(html)) == sorted(made[s][k].number for s in made for k in ("own", "company", "nobody"))


def test_a_closed_out_case_of_nobody_is_not_hers(app, factory, login, clock):
    """Nobody's cases are hers to see only while open: a rejected case nobody holds stays out of her 已退回 tab."""
    clock.set(datetime(2026, 11, 16, 9, tzinfo=SHANGHAI))
    me, colleague = factory.user(Role.SECRETARY), factory.user(Role.SECRETARY)
    mine = factory.ticket(S.REJECTED, secretary=me, title="我退回的诉求")
    nobodys = factory.ticket(S.REJECTED, secretary=colleague, title="无人负责的退回诉求")
    with app.app_context():
        db.session.execute(update(Ticket).where(Ticket.id == nobodys.id).values(secretary_id=None))
        db.session.commit()
    html = login(app.test_client(), me).get("/tickets?state=rejected").get_data(as_text=True)
    assert "共 1 件" in html and _numbers(html) == [mine.number]
