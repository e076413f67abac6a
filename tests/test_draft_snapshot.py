"""The draft month's figures are a snapshot shared by the web workers, at most DRAFT_CACHE_SECONDS old; an
assessment decision or a supervisor's "按最新数据重算" computes them afresh (issue 13, app/assessment/drafts.py).

The figure watched is October's received-based 办结率 for the month (tests/test_assessment.py builds October):
cases received in October, not refused or excluded, counted resolved if they stood resolved at the month's end
(1 November 00:00). Three cases are accepted on Monday 12 October and two resolved on the 13th, so on the 20th
the draft reads 已办结 2 ÷ 收到 3. Everything below is derived from that by hand."""
import json
import re

from app.enums import Role
from app.extensions import db
from app.models import DraftSnapshot
from tests.test_assessment import Month10, bj

PAGE = "/assessment/2026-10?view=draft"


def _received_month(html: str) -> str:
    row = re.search(r'<tr id="completion-received">.*?</tr>', html, re.S).group(0)
    return re.findall(r'<td class="text-end">(.*?)</td>', row, re.S)[0]


def _october(clock):
    b = Month10(clock)
    secretary = b.user("周敏", "secretary")
    tickets = [b.ticket(secretary, bj(10, 12)) for _ in range(3)]
    for t in tickets[:2]:
        b.resolve(t, secretary, bj(10, 13))
    return b, secretary, tickets


def test_the_draft_is_a_snapshot_for_the_cache_time_and_says_when_it_was_computed(app, ctx, clock, factory, login):
    app.config["DRAFT_CACHE_SECONDS"] = 120
    b, secretary, tickets = _october(clock)
    client = login(app.test_client(), factory.user(Role.SUPERVISOR))

    clock.set(bj(10, 20, 10, 0))
    page = client.get(PAGE).get_data(as_text=True)
    assert "已办结 2 ÷ 收到 3" in _received_month(page)
    assert "草稿：按 2026-10-20 10:00:00 的数据计算" in page
    assert db.session.get(DraftSnapshot, "2026-10") is not None

    # The third case is resolved 30 s later: within the 120 s the page still shows the snapshot, and says so.
    b.resolve(tickets[2], secretary, bj(10, 20, 10, 0).replace(second=30))
    clock.set(bj(10, 20, 10, 1))
    page = client.get(PAGE).get_data(as_text=True)
    assert "已办结 2 ÷ 收到 3" in _received_month(page)
    assert "草稿：按 2026-10-20 10:00:00 的数据计算" in page

    # 121 s after the snapshot it is computed afresh: all three stood resolved by 1 November.
    clock.set(bj(10, 20, 10, 2).replace(second=1))
    page = client.get(PAGE).get_data(as_text=True)
    assert "已办结 3 ÷ 收到 3" in _received_month(page)
    assert "草稿：按 2026-10-20 10:02:01 的数据计算" in page


def test_an_exclusion_and_the_recompute_button_show_at_once(app, ctx, clock, factory, login):
    app.config["DRAFT_CACHE_SECONDS"] = 120
    b, secretary, tickets = _october(clock)
    supervisor = factory.user(Role.SUPERVISOR)
    client = login(app.test_client(), supervisor)
    clock.set(bj(10, 20, 10, 0))
    assert "已办结 2 ÷ 收到 3" in _received_month(client.get(PAGE).get_data(as_text=True))

    # Excluding the unresolved case (a decision) drops the snapshot: 2 resolved of the 2 that count, at once.
    clock.set(bj(10, 20, 10, 0).replace(second=10))
    r = client.post(f"/assessment/tickets/{tickets[2].id}/exclude", data={"reason": "企业撤回，不纳入考核"})
    assert r.status_code in (302, 303)
    assert "已办结 2 ÷ 收到 2" in _received_month(client.get(PAGE).get_data(as_text=True))

    # A new case received at 10:00:20 is case work: the snapshot (10:00:10) keeps 2 ÷ 2 ...
    b.ticket(secretary, bj(10, 20, 10, 0).replace(second=20))
    clock.set(bj(10, 20, 10, 0).replace(second=30))
    assert "已办结 2 ÷ 收到 2" in _received_month(client.get(PAGE).get_data(as_text=True))
    # ... until the supervisor asks to recompute: 2 resolved of 3 counted (the excluded case stays out).
    r = client.post("/assessment/2026-10/recompute", data={"page": "month"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/assessment/2026-10?view=draft")
    assert "已办结 2 ÷ 收到 3" in _received_month(client.get(PAGE).get_data(as_text=True))


def test_only_supervisors_may_recompute(app, clock, factory, login):
    # No shared app context here: each client's request has its own signed-in user.
    app.config["DRAFT_CACHE_SECONDS"] = 120
    clock.set(bj(10, 20, 10, 0))
    supervisor = login(app.test_client(), factory.user(Role.SUPERVISOR))
    assert supervisor.get(PAGE).status_code == 200
    with app.app_context():
        before = db.session.get(DraftSnapshot, "2026-10").computed_at
    for role in (Role.SECRETARY, Role.OFFICER):
        other = login(app.test_client(), factory.user(role))
        assert other.post("/assessment/2026-10/recompute", data={"page": "month"}).status_code == 403
    assert app.test_client().post("/assessment/2026-10/recompute").status_code in (302, 401)
    with app.app_context():
        assert db.session.get(DraftSnapshot, "2026-10").computed_at == before


def test_the_sla_worker_keeps_the_months_under_review_tallied(app, ctx, clock, factory, login):
    # On 20 October the months under review are October (this month) and September (not published): the job
    # stores both; the page then reads October's snapshot, stamped with the job's moment. The hall board's
    # 办结率 is the same snapshot's (2 ÷ 3), not a tally of its own.
    from app.supervision.scheduler import run_draft_refresh
    app.config.update(DRAFT_CACHE_SECONDS=600, HALL_CACHE_SECONDS=60)
    _october(clock)
    clock.set(bj(10, 20, 9, 30))
    # September first: October's comparison column is September's fresh draft, not a second tally of September.
    assert run_draft_refresh(app) == ["2026-09", "2026-10"]
    september = json.loads(db.session.get(DraftSnapshot, "2026-09").payload)
    october = json.loads(db.session.get(DraftSnapshot, "2026-10").payload)
    assert october["previous"] == dict(september["center"], completion=september["completion"])
    # A case recorded against September after its snapshot (no decision drops the drafts): October's next refresh
    # still compares with September's stored draft, not with a September tallied again.
    from app.assessment import drafts, report
    from app.assessment.period import Month
    clock.set(bj(9, 15, 10, 0))
    factory.ticket(title="九月补录的诉求")
    clock.set(bj(10, 20, 9, 30))
    db.session.rollback()
    received_live = report.received(Month(2026, 9))
    assert received_live == september["center"]["received"] + 1
    again = drafts.refresh(Month(2026, 10))
    assert again["previous"]["received"] == september["center"]["received"]
    clock.set(bj(10, 20, 9, 35))
    client = login(app.test_client(), factory.user(Role.SUPERVISOR))
    page = client.get(PAGE).get_data(as_text=True)
    assert "草稿：按 2026-10-20 09:30:00 的数据计算" in page and "已办结 2 ÷ 收到 3" in _received_month(page)
    hall = client.get("/hall").get_data(as_text=True)
    # The month's received-based rate: 66.7% (2 ÷ 3). A case resolved after 09:30 would show only at the next
    # refresh (the snapshot is what the board reads).
    assert "收件口径 66.7%（已办结 2 ÷ 收到 3）" in hall


def test_the_hall_board_never_waits_for_a_tally(app, ctx, clock, factory, login):
    # With snapshots on and none stored, the hall answers at once with "—" for the month's rates (it does not
    # tally 2026-10 on its request); once the worker stored one, the board shows it and says when it was computed.
    from app.supervision.scheduler import run_draft_refresh
    app.config.update(DRAFT_CACHE_SECONDS=600, HALL_CACHE_SECONDS=0)
    _october(clock)
    clock.set(bj(10, 20, 9, 30))
    client = login(app.test_client(), factory.user(Role.SUPERVISOR))
    hall = client.get("/hall").get_data(as_text=True)
    assert "本月数据正在计算，稍后显示。" in hall and "收件口径 66.7%" not in hall
    assert db.session.get(DraftSnapshot, "2026-10") is None
    db.session.rollback()  # end this session's transaction: the worker writes next
    run_draft_refresh(app)
    hall = client.get("/hall").get_data(as_text=True)
    assert "收件口径 66.7%（已办结 2 ÷ 收到 3）" in hall and "按 2026-10-20 09:30:00 的数据计算" in hall


def test_a_tally_that_began_before_a_decision_is_not_stored(app, ctx, clock):
    # A decision drops the drafts at 10:00 while a tally that began at 09:59 is still running: its figures
    # predate the decision, so it is not stored (the next view tallies afresh); one that began at 10:01 is.
    from app.assessment import drafts
    from app.assessment.period import Month
    app.config["DRAFT_CACHE_SECONDS"] = 600
    clock.set(bj(10, 20, 10, 0))
    drafts.drop_drafts()
    db.session.commit()
    drafts.refresh(Month(2026, 10), now=bj(10, 20, 9, 59))
    assert drafts._row("2026-10") is None
    drafts.refresh(Month(2026, 10), now=bj(10, 20, 10, 1))
    assert drafts._row("2026-10").computed_at == bj(10, 20, 10, 1)


def test_a_slow_month_is_recomputed_by_the_worker_while_the_page_says_so(app, ctx, clock, factory, login):
    # DRAFT_WAIT_MS -1: every tally counts as slow (a month at 1,000,000 cases takes some 15 s), so after a decision
    # the page keeps the stored figures, says they are being recomputed, and the SLA worker tallies the month.
    from app.supervision.scheduler import run_draft_refresh
    app.config.update(DRAFT_CACHE_SECONDS=600, DRAFT_WAIT_MS=-1)
    b, secretary, tickets = _october(clock)
    client = login(app.test_client(), factory.user(Role.SUPERVISOR))
    clock.set(bj(10, 20, 10, 0))
    db.session.commit()  # the test's own transaction ends before the worker writes
    assert run_draft_refresh(app) == ["2026-09", "2026-10"]  # nothing stored yet: both months under review
    page = client.get(PAGE).get_data(as_text=True)
    assert "已办结 2 ÷ 收到 3" in _received_month(page) and "draft-recomputing" not in page

    # 10:00:10 the unresolved case is excluded. The page at 10:00:20 still shows the 10:00 figures (2 ÷ 3) and
    # says they are being recomputed; nothing was tallied on the request (the snapshot is still the 10:00 one).
    clock.set(bj(10, 20, 10, 0).replace(second=10))
    assert client.post(f"/assessment/tickets/{tickets[2].id}/exclude",
                       data={"reason": "企业撤回，不纳入考核"}).status_code in (302, 303)
    clock.set(bj(10, 20, 10, 0).replace(second=20))
    page = client.get(PAGE).get_data(as_text=True)
    assert "已办结 2 ÷ 收到 3" in _received_month(page) and 'id="draft-recomputing"' in page
    assert "草稿：按 2026-10-20 10:00:00 的数据计算" in page
    db.session.rollback()
    assert db.session.get(DraftSnapshot, "2026-10").computed_at == bj(10, 20, 10, 0)
    # The spreadsheet of the same draft says so too, in its status line.
    from io import BytesIO
    from openpyxl import load_workbook
    book = load_workbook(BytesIO(client.get("/assessment/2026-10/report.xlsx?view=draft").data))
    cells = [str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value]
    assert any("2026-10-20 10:00:00 计算；之后的决定尚未计入，正在重算" in c for c in cells)

    # The worker's next run (10:00:30) tallies both months the decision put out of date: 2 resolved of the 2 that
    # count; a run a minute later finds nothing to do (the snapshots are 60 s old, under half of 600 s).
    clock.set(bj(10, 20, 10, 0).replace(second=30))
    db.session.commit()  # the test's own transaction ends before the worker writes
    assert run_draft_refresh(app) == ["2026-09", "2026-10"]
    page = client.get(PAGE).get_data(as_text=True)
    assert "已办结 2 ÷ 收到 2" in _received_month(page) and "draft-recomputing" not in page
    assert "草稿：按 2026-10-20 10:00:30 的数据计算" in page
    clock.set(bj(10, 20, 10, 1).replace(second=30))
    db.session.commit()  # the test's own transaction ends before the worker writes
    assert run_draft_refresh(app) == []

    # A stopped worker (its last beat 10:01:30, more than HEARTBEAT_MAX_AGE_SECONDS = 300 s before 10:10): the
    # recompute button's request tallies the month itself. A case received at 10:05 now counts: 2 ÷ 3.
    b.ticket(secretary, bj(10, 20, 10, 5))
    clock.set(bj(10, 20, 10, 10))
    assert client.post("/assessment/2026-10/recompute", data={"page": "month"}).status_code == 303
    page = client.get(PAGE).get_data(as_text=True)
    assert "已办结 2 ÷ 收到 3" in _received_month(page) and "draft-recomputing" not in page
    assert "草稿：按 2026-10-20 10:10:00 的数据计算" in page


def test_a_quick_month_is_tallied_on_the_request_and_the_hall_never_shows_figures_a_decision_changed(
        app, ctx, clock, factory, login):
    # DRAFT_WAIT_MS 60 s: these tallies take milliseconds, so even with the worker alive a decision's effect is
    # tallied on the next request, as before the background recompute existed.
    from app.supervision.scheduler import run_draft_refresh
    app.config.update(DRAFT_CACHE_SECONDS=600, DRAFT_WAIT_MS=60_000, HALL_CACHE_SECONDS=0)
    b, secretary, tickets = _october(clock)
    client = login(app.test_client(), factory.user(Role.SUPERVISOR))
    clock.set(bj(10, 20, 10, 0))
    db.session.commit()
    assert run_draft_refresh(app) == ["2026-09", "2026-10"]
    assert "收件口径 66.7%（已办结 2 ÷ 收到 3）" in client.get("/hall").get_data(as_text=True)

    # The unresolved case is excluded at 10:00:10: the hall's stored 2 ÷ 3 is out of date, so it shows no rate
    # (it never tallies itself) until someone's view or the worker stores the new one.
    clock.set(bj(10, 20, 10, 0).replace(second=10))
    assert client.post(f"/assessment/tickets/{tickets[2].id}/exclude",
                       data={"reason": "企业撤回，不纳入考核"}).status_code in (302, 303)
    hall = client.get("/hall").get_data(as_text=True)
    assert "本月数据正在计算" in hall and "已办结 2 ÷ 收到 3" not in hall
    # The page at 10:00:20 tallies on the request (quick month): 2 resolved of the 2 that count, no notice.
    clock.set(bj(10, 20, 10, 0).replace(second=20))
    page = client.get(PAGE).get_data(as_text=True)
    assert "已办结 2 ÷ 收到 2" in _received_month(page) and "draft-recomputing" not in page
    assert "草稿：按 2026-10-20 10:00:20 的数据计算" in page
    # ... and the hall shows that tally: 100.0% (2 ÷ 2).
    assert "收件口径 100.0%（已办结 2 ÷ 收到 2）" in client.get("/hall").get_data(as_text=True)

    # Without a decision the worker leaves a snapshot alone until it is half DRAFT_CACHE_SECONDS (300 s) old:
    # October's, tallied at 10:00:20 after the decision, is 299 s old at 10:05:19 and stays. September's (10:00) has
    # been out of date since the exclusion at 10:00:10 (October's comparison tallied September without storing it),
    # so the worker tallies September.
    clock.set(bj(10, 20, 10, 5).replace(second=19))
    db.session.commit()
    assert run_draft_refresh(app) == ["2026-09"]
    clock.set(bj(10, 20, 10, 5).replace(second=21))  # October's is now 301 s old
    db.session.commit()
    assert run_draft_refresh(app) == ["2026-10"]
