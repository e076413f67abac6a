"""好差评, closed (issue 14): the default rating of a case not rated in time, and the remediation (整改) a 差评 opens,
worked out by hand from README "Deadlines (SLA)" and "How a figure is counted".

Rules under test:
- A case resolved and not rated within N natural days (default 7) is rated 基本满意 / 解决 by default by the sweep,
  from 24:00 of the N-th natural day after the day it was resolved (that day itself not counted, as budgets are
  counted), exactly once, marked as a default rating wherever it is shown; the case closes as that rating would
  close it, and the default stands (the enterprise can no longer rate it).
- A 不满意 or 非常不满意 rating opens a remediation with a clock of 15 working days (policy), swept, warned, late,
  supervised (2 working days late) and escalated (5 working days late) like every clock, until the secretary records
  the return visit (回访).

The 2026 statutory calendar (chinesecalendar) around National Day:
  Sun 9-20 make-up working day (调休上班) · Fri 9-25 Mid-Autumn holiday (9-25..27 off) · Thu 10-1 .. Wed 10-7 National
  Day · Sat 10-10 make-up working day · Sun 10-11, 10-17/18, 10-24/25 weekends.
"""
import io
import re
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.assessment import publishing, report
from app.assessment.period import Month
from app.enums import ClockKind, EventKind, Role, SlaLevel, TicketState as S
from app.extensions import db
from app.models import (ClockLevelChange, Notification, Rating, RatingPolicy, Remediation, ReturnVisit, Ticket,
                        TicketClock, TicketEvent, User)
from app.supervision.scheduler import run_sweep
from app.tickets import services as ts
from sla.calendar import SHANGHAI


def bj(m, d, hh=0, mm=0):
    return datetime(2026, m, d, hh, mm, tzinfo=SHANGHAI)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def sweep_at(app, clock, when):
    clock.set(when)
    return run_sweep(app)


def ratings_of(app, ticket_id):
    with app.app_context():
        return [(r.satisfaction, r.solved, r.is_default, r.created_at) for r in db.session.scalars(
            select(Rating).where(Rating.ticket_id == ticket_id).order_by(Rating.id))]


def events_of(app, ticket_id, kind):
    with app.app_context():
        return db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id,
                                                            TicketEvent.kind == kind.value)).all()


def tracking_client(app, ref):
    client = app.test_client()
    assert client.post("/track", data={"number": ref.number, "code": ref.code}).status_code == 303
    return client


def remediation_clock(app, ticket_id):
    with app.app_context():
        c = db.session.scalar(select(TicketClock).where(TicketClock.ticket_id == ticket_id,
                                                        TicketClock.kind == ClockKind.REMEDIATION.value))
        return None if c is None else {"id": c.id, "amount": c.amount, "unit": c.unit, "due": c.due_at,
                                       "stopped": c.stopped_at, "level": c.level, "breached": c.breached}


# ---- the default rating -------------------------------------------------------------------------------------

def test_default_rating_after_seven_natural_days_not_before_exactly_once_and_marked(app, clock, factory, login):
    """Resolved Mon 9-21 10:00. The 7 natural days after the resolution day: 9-22, 23, 24, 25, 26, 27, 28 -> the
    window ends at "2026-09-28 24:00" (9-29 00:00 Beijing). A case resolved just after midnight, Tue 9-22 00:30,
    has one more day: its window ends "2026-09-29 24:00". National holidays do not matter: natural days."""
    secretary = factory.user(Role.SECRETARY)
    clock.set(bj(9, 21, 10))
    ref = factory.ticket(S.RESOLVED, secretary=secretary)
    clock.set(bj(9, 22, 0, 30))
    later = factory.ticket(S.RESOLVED, secretary=secretary)

    # The enterprise is told by when it should rate and what happens otherwise.
    page = _text(tracking_client(app, ref).get(f"/track/{ref.number}").get_data(as_text=True))
    assert "请在 2026-09-28 24:00 前评价；逾期未评价的，系统将默认评价为“基本满意”。" in page

    # Not before: one minute before the end of the window nothing happens.
    assert sweep_at(app, clock, bj(9, 28, 23, 59))["default_ratings"] == 0
    assert ratings_of(app, ref.id) == [] and factory.get_ticket(ref.id)["state"] == S.RESOLVED.value

    # At 24:00 of 9-28 the sweep rates it 基本满意 / 解决, marked default, and closes it.
    assert sweep_at(app, clock, bj(9, 29, 0, 0))["default_ratings"] == 1
    assert ratings_of(app, ref.id) == [("3", "solved", True, bj(9, 29))]
    snapshot = factory.get_ticket(ref.id)
    assert snapshot["state"] == S.CLOSED.value and snapshot["events"][-2:] == ["rated", "closed"]
    assert ratings_of(app, later.id) == []  # its window ends a day later
    with app.app_context():
        follow_up = db.session.scalar(select(TicketClock).where(TicketClock.ticket_id == ref.id,
                                                                TicketClock.kind == ClockKind.FOLLOW_UP.value))
        assert follow_up.stopped_at == bj(9, 29)  # the case is closed: its follow-up clock ends with it
        assert db.session.get(Ticket, ref.id).closed_at == bj(9, 29)

    # Exactly once: later sweeps (the next minute, a week later) give no second rating, no second event.
    assert sweep_at(app, clock, bj(9, 29, 0, 1))["default_ratings"] == 0
    assert sweep_at(app, clock, bj(9, 30, 0, 0))["default_ratings"] == 1  # the other case, at its own 24:00
    assert sweep_at(app, clock, bj(10, 8, 9))["default_ratings"] == 0
    assert len(ratings_of(app, ref.id)) == 1 and len(events_of(app, ref.id, EventKind.RATED)) == 1
    assert ratings_of(app, later.id) == [("3", "solved", True, bj(9, 30))]

    # Marked wherever shown: the staff ticket page, its history, the public tracking page.
    staff = _text(login(app.test_client(), secretary).get(f"/tickets/{ref.id}").get_data(as_text=True))
    assert "基本满意 解决 默认评价 企业未在期限内评价，2026-09-29 00:00 由系统默认评价。" in staff
    assert "办结后 7 日内未评价，系统默认评价为“基本满意”。" in staff
    assert "评价方式：系统默认评价（企业未在期限内评价）" in staff
    public = tracking_client(app, ref)
    page = _text(public.get(f"/track/{ref.number}").get_data(as_text=True))
    assert "基本满意 · 解决 默认评价" in page and "已关闭" in page and "提交评价" not in page
    # The default stands: the enterprise can no longer rate the case, and nothing changes.
    refused = public.post(f"/track/{ref.number}/rate", data={"satisfaction": "1", "solved": "unsolved"})
    assert refused.status_code == 409
    assert len(ratings_of(app, ref.id)) == 1 and factory.get_ticket(ref.id)["state"] == S.CLOSED.value


def test_a_rating_given_in_time_stands_and_the_window_is_an_admin_setting(app, clock, factory, login):
    """The window is 3 days after an admin sets it. Resolved Mon 9-21 10:00: 9-22, 23, 24 -> "2026-09-24 24:00"."""
    admin, supervisor = factory.user(Role.ADMIN), factory.user(Role.SUPERVISOR)
    secretary = factory.user(Role.SECRETARY)
    clock.set(bj(9, 21, 10))
    rated = factory.ticket(S.RESOLVED, secretary=secretary)
    waiting = factory.ticket(S.RESOLVED, secretary=secretary)
    client = login(app.test_client(), admin)
    page = client.get("/admin/policies").get_data(as_text=True)
    assert 'name="default_after_days"' in page and 'value="7"' in page  # the default before anyone saved one

    # Bad input is refused with a clear message and changes nothing; only admins may change it.
    for bad, message in (("0", "应在 1–30 之间。"), ("31", "应在 1–30 之间。"), ("七", "不是有效的整数。"), ("", "请填写数字。")):
        response = client.post("/admin/policies/rating", data={"default_after_days": bad})
        assert response.status_code == 400 and message in response.get_data(as_text=True), bad
    assert login(app.test_client(), supervisor).post("/admin/policies/rating",
                                                     data={"default_after_days": "3"}).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(RatingPolicy)) is None
    assert client.post("/admin/policies/rating", data={"default_after_days": "3"}).status_code == 303
    with app.app_context():
        row = db.session.scalar(select(RatingPolicy))
        assert (row.default_after_days, row.updated_by_id) == (3, admin.id)

    # Rated by the enterprise on day 2: its own rating stands, whatever the sweeps do.
    clock.set(bj(9, 23, 15))
    public = tracking_client(app, rated)
    assert public.post(f"/track/{rated.number}/rate",
                       data={"satisfaction": "4", "solved": "solved"}).status_code == 303
    assert sweep_at(app, clock, bj(9, 24, 23, 59))["default_ratings"] == 0
    assert sweep_at(app, clock, bj(9, 25, 0, 0))["default_ratings"] == 1
    assert ratings_of(app, rated.id) == [("4", "solved", False, bj(9, 23, 15))]
    assert ratings_of(app, waiting.id) == [("3", "solved", True, bj(9, 25))]


# ---- the remediation ------------------------------------------------------------------------------------------

def _bad_rating(app, clock, factory, secretary, when, satisfaction="2", lead_officer=None):
    """A case resolved an hour before `when` and rated `satisfaction` / 未解决 on its tracking page at `when`."""
    clock.set(when.replace(hour=when.hour - 1))
    ref = factory.ticket(S.RESOLVED, secretary=secretary, lead_officer=lead_officer)
    clock.set(when)
    public = tracking_client(app, ref)
    assert public.post(f"/track/{ref.number}/rate", data={"satisfaction": satisfaction, "solved": "unsolved",
                                                           "comment": "问题仍未解决"}).status_code == 303
    return ref, public


def test_a_bad_rating_opens_a_remediation_due_in_15_working_days_across_national_day(app, clock, factory, login):
    """Rated 不满意 on Fri 9-18 10:00. 15 working days after 9-18: Sun 9-20 (make-up day, 1), 21 (2), 22 (3),
    23 (4), 24 (5), [25-27 Mid-Autumn and weekend], 28 (6), 29 (7), 30 (8), [10-1..10-7 National Day], 10-8 (9),
    10-9 (10), Sat 10-10 (make-up day, 11), [10-11], 12 (12), 13 (13), 14 (14), 15 (15) -> "2026-10-15 24:00".
    (Monday to Friday without the holidays would say 10-9; the holidays without the make-up days, 10-19.)"""
    secretary = factory.user(Role.SECRETARY)
    ref, public = _bad_rating(app, clock, factory, secretary, bj(9, 18, 10))
    c = remediation_clock(app, ref.id)
    assert (c["unit"], c["amount"], c["due"], c["stopped"]) == ("working_days", 15, bj(10, 16), None)
    snapshot = factory.get_ticket(ref.id)
    assert snapshot["state"] == S.PROCESSING.value  # 不满意 reopens the case, as before
    assert snapshot["events"][-3:] == ["rated", "reopened", "remediation"]
    with app.app_context():
        remediation = db.session.scalar(select(Remediation))
        assert (remediation.ticket_id, remediation.rating.satisfaction, remediation.completed_at) == (ref.id, "2", None)

    # The enterprise reads what happens and by when; the staff see the clock on the deadline panel.
    page = _text(public.get(f"/track/{ref.number}").get_data(as_text=True))
    assert "您的评价为“不满意”。我们将对此进行整改，并在 2026-10-15 24:00 前回访您。" in page
    staff = login(app.test_client(), secretary)
    panel = _text(staff.get(f"/tickets/{ref.id}/deadlines").get_data(as_text=True))
    assert "差评整改时限 正常 标准 15 个工作日 · 开始 2026-09-18 10:00 · 到期 2026-10-15 24:00" in panel
    assert "国庆节" in panel and "调休上班" in panel
    detail = _text(staff.get(f"/tickets/{ref.id}").get_data(as_text=True))
    assert "差评整改 不满意 企业于 2026-09-18 10:00 评价：问题仍未解决 整改时限 2026-10-15 24:00" in detail
    assert "登记回访" in detail

    # 非常不满意 opens one too; 基本满意 / 未解决 reopens the case without a remediation.
    very, _public = _bad_rating(app, clock, factory, secretary, bj(9, 18, 11), satisfaction="1")
    assert remediation_clock(app, very.id)["due"] == bj(10, 16)
    unsolved, _public = _bad_rating(app, clock, factory, secretary, bj(9, 18, 12), satisfaction="3")
    assert remediation_clock(app, unsolved.id) is None
    assert factory.get_ticket(unsolved.id)["state"] == S.PROCESSING.value


def test_the_return_visit_stops_the_clock_and_bad_input_changes_nothing(app, clock, factory, login):
    """Rated 不满意 Fri 9-18 10:00 (due "2026-10-15 24:00", above); the secretary records a phone visit on Fri 10-9
    at 10:00: the remediation is complete, its clock stopped on time."""
    secretary, officer = factory.user(Role.SECRETARY), factory.user(Role.OFFICER)
    ref, public = _bad_rating(app, clock, factory, secretary, bj(9, 18, 10), lead_officer=officer)
    clock.set(bj(10, 9, 10))
    staff = login(app.test_client(), secretary)
    url = f"/tickets/{ref.id}/return-visit"
    good = {"visited_on": "2026-10-09", "way": "phone", "result": "已协调窗口补办，企业认可。", "satisfied": "yes"}
    for changes, message in (
            ({"visited_on": "2026-10-10"}, "回访日期不能晚于今天（2026-10-09）。"),
            ({"visited_on": "2026-09-17"}, "回访日期不能早于企业差评的日期（2026-09-18）。"),
            ({"visited_on": "10/09/2026"}, "请按“年-月-日”填写回访日期，例如 2026-10-20。"),
            ({"result": "  "}, "请填写回访结果。"),
            ({"way": "fax"}, ""),
            ({"satisfied": ""}, "请选择企业现在是否满意。")):
        response = staff.post(url, data={**good, **changes})
        assert response.status_code == 400 and message in response.get_data(as_text=True), changes
    assert login(app.test_client(), officer).post(url, data=good).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(ReturnVisit)) is None
    assert remediation_clock(app, ref.id)["stopped"] is None

    response = staff.post(url, data=good)
    assert response.status_code == 303
    c = remediation_clock(app, ref.id)
    assert (c["stopped"], c["due"], c["breached"]) == (bj(10, 9, 10), bj(10, 16), False)
    with app.app_context():
        remediation = db.session.scalar(select(Remediation))
        visit = remediation.return_visit
        assert remediation.completed_at == bj(10, 9, 10)
        assert (visit.visited_on.isoformat(), visit.way, visit.satisfied, visit.recorded_by_id) == (
            "2026-10-09", "phone", True, secretary.id)
    detail = _text(staff.get(f"/tickets/{ref.id}").get_data(as_text=True))
    assert "2026-10-09 电话回访（测试项目秘书 登记）：已协调窗口补办，企业认可。 企业现在满意 按时完成" in detail
    assert "登记回访" not in detail
    page = _text(public.get(f"/track/{ref.number}").get_data(as_text=True))
    assert "企业服务中心已于 2026-10-09 电话回访，差评整改已完成。" in page and "已协调窗口补办" not in page
    # A second visit has nothing to complete.
    again = staff.post(url, data=good)
    assert again.status_code == 409 and "此诉求没有待回访的差评整改" in again.get_data(as_text=True)


def test_an_overdue_remediation_warns_and_escalates_like_other_clocks(app, clock, factory, login):
    """Rated 不满意 Fri 9-18 10:00; the case is solved again and closed at once (rated 满意 at 11:00), so only the
    remediation clock runs, on a closed case. Due "2026-10-15 24:00" (10-16 00:00).
    Warning at 75 %: the budget runs from 9-18 10:00 to 10-16 00:00: 14 h of 9-18 + 15 working days = 374 h,
    75 % = 280.5 h: 14 h (9-18) + 11 days (264 h: 9-20 … 10-10) = 278 h, then 2.5 h of Mon 10-12 -> 10-12 02:30.
    Overdue from 10-16 00:00. 督办 after 2 working days late: 10-16 (1), 10-19 (2) -> 10-20 00:00. Escalated after
    5: 10-16, 19, 20, 21, 22 -> 10-23 00:00."""
    secretary, supervisor = factory.user(Role.SECRETARY), factory.user(Role.SUPERVISOR)
    ref, public = _bad_rating(app, clock, factory, secretary, bj(9, 18, 10))
    clock.set(bj(9, 18, 10, 30))
    with app.test_request_context():
        ts.resolve_ticket(db.session.get(Ticket, ref.id), db.session.get(User, secretary.id),
                          factory.get_ticket(ref.id)["version"], "已重新办理")
    clock.set(bj(9, 18, 11))
    assert public.post(f"/track/{ref.number}/rate", data={"satisfaction": "4", "solved": "solved"}).status_code == 303
    assert factory.get_ticket(ref.id)["state"] == S.CLOSED.value
    assert factory.get_ticket(ref.id)["due_at"] == bj(10, 16)  # the closed case still owes its return visit

    def levels():
        with app.app_context():
            return [(r.level, r.at) for r in db.session.scalars(
                select(ClockLevelChange).where(ClockLevelChange.clock_id == remediation_clock(app, ref.id)["id"])
                .order_by(ClockLevelChange.id))]

    sweep_at(app, clock, bj(10, 12, 2, 29))
    assert levels() == []
    sweep_at(app, clock, bj(10, 12, 2, 30))
    assert levels() == [("warning", bj(10, 12, 2, 30))]
    sweep_at(app, clock, bj(10, 16, 0, 0))
    assert levels()[-1] == ("overdue", bj(10, 16))
    sweep_at(app, clock, bj(10, 19, 23, 59))
    assert len(levels()) == 2
    sweep_at(app, clock, bj(10, 20, 0, 0))
    assert levels()[-1] == ("supervised", bj(10, 20))
    sweep_at(app, clock, bj(10, 23, 0, 0))
    assert levels()[-1] == ("escalated", bj(10, 23))
    sweep_at(app, clock, bj(10, 23, 0, 5))
    assert [lvl for lvl, _at in levels()] == ["warning", "overdue", "supervised", "escalated"]  # each once
    with app.app_context():
        notes = db.session.scalars(select(Notification).where(Notification.ticket_id == ref.id,
                                                              Notification.channel == "in_app")).all()
        assert sorted((n.kind, n.user_id) for n in notes) == sorted([
            ("warning", secretary.id), ("overdue", secretary.id), ("overdue", ref.lead_officer.id),
            ("supervised", supervisor.id), ("escalated", supervisor.id)])
        assert all("差评整改时限" in n.body for n in notes)
    assert c_level(app, ref.id) == SlaLevel.ESCALATED.value

    # The secretary's queue holds the closed case while its return visit is owed.
    queue = login(app.test_client(), secretary).get("/workspace").get_data(as_text=True)
    assert ref.number in queue
    # The supervisor sees it on the overdue board, on the remediation list (with the menu's count), and may urge.
    boss = login(app.test_client(), supervisor)
    board = _text(boss.get("/board/overdue").get_data(as_text=True))
    assert ref.number in board and "差评整改时限" in board
    listing = _text(boss.get("/supervision/remediations").get_data(as_text=True))
    assert "差评整改 1" in listing  # the menu link and its badge
    assert f"{ref.number} " in listing and "2026-10-15 24:00 5.0 个工作日 升级至主任" in listing
    assert boss.post(f"/tickets/{ref.id}/urge", data={"note": "请尽快回访"}).status_code == 303
    assert events_of(app, ref.id, EventKind.URGED)[0].body == "请尽快回访"

    # The late return visit stops the clock: late, and the case no longer has a deadline.
    clock.set(bj(10, 23, 10))
    staff = login(app.test_client(), secretary)
    assert staff.post(f"/tickets/{ref.id}/return-visit", data={
        "visited_on": "2026-10-23", "way": "on_site", "result": "上门说明整改情况，企业仍有意见。",
        "satisfied": "no"}).status_code == 303
    c = remediation_clock(app, ref.id)
    assert (c["stopped"], c["breached"]) == (bj(10, 23, 10), True)
    assert factory.get_ticket(ref.id)["due_at"] is None
    listing = _text(boss.get("/supervision/remediations").get_data(as_text=True))
    assert "没有待回访的差评整改" in listing and "上门 · 测试项目秘书 上门说明整改情况，企业仍有意见。 仍不满意 超时完成" in listing


def c_level(app, ticket_id):
    return remediation_clock(app, ticket_id)["level"]


def test_one_default_rating_per_case_is_a_database_rule(app, clock, factory):
    """Whatever the sweeps do, the partial unique index refuses a second default rating for a case (a rating the
    enterprise gives is not limited by it)."""
    clock.set(bj(9, 21, 10))
    ref = factory.ticket(S.RESOLVED)
    sweep_at(app, clock, bj(9, 29))
    with app.app_context():
        db.session.add(Rating(ticket_id=ref.id, satisfaction="3", solved="solved", created_at=clock.now(),
                              is_default=True))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.add(Rating(ticket_id=ref.id, satisfaction="5", solved="solved", created_at=clock.now()))
        db.session.commit()
        assert db.session.query(Rating).filter_by(ticket_id=ref.id).count() == 2


def test_the_remediation_budget_is_a_policy_and_recomputing_reaches_closed_cases(app, clock, factory, login):
    """The default policy's 差评整改 set to 10 working days: rated 不满意 Fri 9-18 10:00 before the change keeps
    15 (due "2026-10-15 24:00") until an admin recomputes; then 10 working days after 9-18: 9-20 (1), 21-24 (5),
    28-30 (8), 10-8 (9), 10-9 (10) -> "2026-10-09 24:00", although the case itself is closed."""
    admin, secretary = factory.user(Role.ADMIN), factory.user(Role.SECRETARY)
    ref, public = _bad_rating(app, clock, factory, secretary, bj(9, 18, 10))
    clock.set(bj(9, 18, 10, 30))
    with app.test_request_context():
        ts.resolve_ticket(db.session.get(Ticket, ref.id), db.session.get(User, secretary.id),
                          factory.get_ticket(ref.id)["version"], "已重新办理")
    clock.set(bj(9, 18, 11))
    assert public.post(f"/track/{ref.number}/rate", data={"satisfaction": "5", "solved": "solved"}).status_code == 303
    client = login(app.test_client(), admin)
    with app.app_context():
        from app.models import SlaPolicy
        policy = db.session.scalar(select(SlaPolicy))
        form = {f: str(getattr(policy, f)) for f in ("acknowledge_hours", "first_reply_wd", "sign_off_wd",
                                                    "resolution_wd", "convened_wd", "follow_up_wd", "warning_percent",
                                                    "supervise_after_wd", "escalate_after_wd")}
        policy_id, name = policy.id, policy.name
    assert "<th>差评整改</th>" in client.get("/admin/policies").get_data(as_text=True)
    assert client.post(f"/admin/policies/{policy_id}", data={**form, "name": name, "category_id": "", "urgency": "",
                                                           "remediation_wd": "10"}).status_code == 303
    assert remediation_clock(app, ref.id)["due"] == bj(10, 16)  # a started clock keeps its snapshot
    assert client.post("/admin/policies/recompute").status_code == 303
    assert (remediation_clock(app, ref.id)["amount"], remediation_clock(app, ref.id)["due"]) == (10, bj(10, 10))
    assert factory.get_ticket(ref.id)["state"] == S.CLOSED.value


# ---- the month's figures ----------------------------------------------------------------------------------------

def test_october_figures_by_hand(app, clock, factory, login):
    """October 2026, secretary S, every case led by department A; each case resolved Thu 10-8 09:00 (B3 Mon 10-12
    09:00) and rated on its tracking page:
      R1  not rated: window 10-9 … 10-15 -> default 基本满意 / 解决 at the sweep of Fri 10-16 00:00.
      R2  Fri 10-9 10:00 基本满意 / 部分解决 (the enterprise's own 基本满意) -> closed.
      R3  Fri 10-9 10:00 满意 / 解决 -> closed.
      B1  Fri 10-9 10:00 不满意 / 未解决 -> reopened; remediation due 15 WD after 10-9: Sat 10-10 (make-up, 1),
          12-16 (6), 19-23 (11), 26-29 (15) -> "2026-10-29 24:00". Return visit Tue 10-20, 电话, satisfied now.
      B2  Fri 10-9 10:00 非常不满意 / 解决 -> reopened; same due. Return visit Wed 10-21, 上门, still not satisfied.
      B3  Mon 10-12 10:00 不满意 / 部分解决 -> reopened; due 13-16 (4), 19-23 (9), 26-30 (14), 11-2 (15) ->
          "2026-11-02 24:00". No return visit by the month's end.
    Figures read on Sat 10-31 12:00:
      Ratings, each case once with its last rating of October: R1 default, R2 3, R3 4, B1 2, B2 1, B3 2 = 6.
      满意率 = (R1 default counts as satisfied + R3) = 2 ÷ 6 = 33.3%  (R2's own 基本满意 does not count; without the
               default rule it would be 1 ÷ 6 = 16.7%).
      解决率 = (R1 1 + R2 0.5 + R3 1 + B1 0 + B2 1 + B3 0.5) ÷ 6 = 4 ÷ 6 = 66.7%. Default ratings: 1.
      差评 of October: B1, B2, B3 = 3. 回访率 = visited B1, B2 = 2 ÷ 3 = 66.7%.
      差评整改率 = visited and satisfied now, B1 = 1 ÷ 3 = 33.3%.
      差评整改时限 on time (report table): B1 stopped 10-20 and B2 10-21, both by 10-29 24:00 -> 2 ÷ 2 = 100.0%;
      B3 is running and falls due in November: no line in October.
      Secretary S and department A (A led every case when it was rated): 满意率 2 ÷ 6 = 33.3%, S's 解决率 66.7%."""
    secretary, supervisor = factory.user(Role.SECRETARY), factory.user(Role.SUPERVISOR)
    officer = factory.user(Role.OFFICER)
    category = factory.category("政策咨询")
    cases, clients = {}, {}
    for name in ("R1", "R2", "R3", "B1", "B2"):
        clock.set(bj(10, 8, 9))
        cases[name] = factory.ticket(S.RESOLVED, secretary=secretary, lead_officer=officer, category_id=category)
    clock.set(bj(10, 12, 9))
    cases["B3"] = factory.ticket(S.RESOLVED, secretary=secretary, lead_officer=officer, category_id=category)
    for name, when, sat, solved in (("R2", bj(10, 9, 10), "3", "partly"), ("R3", bj(10, 9, 10), "4", "solved"),
                                    ("B1", bj(10, 9, 10), "2", "unsolved"), ("B2", bj(10, 9, 10), "1", "solved"),
                                    ("B3", bj(10, 12, 10), "2", "partly")):
        clock.set(when)
        clients[name] = tracking_client(app, cases[name])
        assert clients[name].post(f"/track/{cases[name].number}/rate",
                                  data={"satisfaction": sat, "solved": solved}).status_code == 303
    assert sweep_at(app, clock, bj(10, 16))["default_ratings"] == 1
    assert ratings_of(app, cases["R1"].id) == [("3", "solved", True, bj(10, 16))]
    assert remediation_clock(app, cases["B1"].id)["due"] == bj(10, 30)
    assert remediation_clock(app, cases["B3"].id)["due"] == bj(11, 3)
    staff = login(app.test_client(), secretary)
    for name, day, way, happy in (("B1", 20, "phone", "yes"), ("B2", 21, "on_site", "no")):
        clock.set(bj(10, day, 10))
        assert staff.post(f"/tickets/{cases[name].id}/return-visit", data={
            "visited_on": f"2026-10-{day}", "way": way, "result": "回访记录", "satisfied": happy}).status_code == 303

    clock.set(bj(10, 31, 12))
    october = Month(2026, 10)
    with app.test_request_context():
        figures = report.month_figures(october, clock.now())
        assert figures["ratings"] == {"counted": 6, "satisfaction": 33.3, "solved": 66.7, "default": 1}
        rm = figures["remediation"]
        assert (rm["counted"], rm["visited"], rm["remediated"], rm["visit_rate"], rm["remediation_rate"]) == (
            3, 2, 1, 66.7, 33.3)
        assert [(r["number"], r["satisfaction"], r["due"], r["visited_on"], r["satisfied"], r["in_time"])
                for r in rm["rows"]] == [
            (cases["B1"].number, "不满意", "2026-10-29 24:00", "2026-10-20", True, True),
            (cases["B2"].number, "非常不满意", "2026-10-29 24:00", "2026-10-21", False, True),
            (cases["B3"].number, "不满意", "2026-11-02 24:00", "", None, None)]
        assert figures["on_time"]["remediation"] == {"counted": 2, "on_time": 2, "rate": 100.0}
        sec = {u.name: u for u in publishing.live_scores("secretary", october, now=clock.now())}["测试项目秘书"]
        assert (sec.figures["satisfaction"].counted, sec.figures["satisfaction"].earned) == (6, 2)
        assert round(sec.figures["satisfaction"].rate, 1) == 33.3
        assert (sec.figures["solved"].counted, sec.figures["solved"].earned) == (6, 4.0)
        dept = {u.unit_id: u for u in publishing.live_scores("department", october, now=clock.now())}
        assert (dept[officer.department_id].figures["satisfaction"].counted,
                dept[officer.department_id].figures["satisfaction"].earned) == (6, 2)

    boss = login(app.test_client(), supervisor)
    # The drill-down names the default rating as such.
    drill = _text(boss.get(f"/assessment/2026-10/secretary/{secretary.id}/satisfaction?view=draft")
                  .get_data(as_text=True))
    assert "33.3%" in drill and "默认评价（企业逾期未评价），视为满意" in drill and "基本满意或不满意" in drill
    assert f"{cases['R1'].number}" in drill
    # The report page and report.xlsx.
    page = _text(boss.get("/assessment/2026-10/report?view=draft").get_data(as_text=True))
    assert "评价 6 条，其中默认评价 1 条" in page
    assert "差评整改率 33.3%（整改后满意 1 ÷ 差评 3）" in page and "回访率 66.7%（已回访 2 ÷ 差评 3）" in page
    assert "差评整改时限 2 2 100.0%" in page
    workbook = load_workbook(io.BytesIO(boss.get("/assessment/2026-10/report.xlsx?view=draft").data))
    overview = {row[0]: row[1:] for row in workbook["概览"].iter_rows(min_row=2, values_only=True)}
    assert overview["满意率 %"][0] == 33.3 and overview["解决率 %"][0] == 66.7 and overview["评价数"][0] == 6
    assert overview["其中默认评价"][0] == 1
    assert overview["差评整改率 %"][:2] == (33.3, "整改后满意 1 ÷ 差评 3")
    assert overview["回访率 %"][:2] == (66.7, "已回访 2 ÷ 差评 3")
    assert overview["差评整改时限按时率 %"][0] == 100.0
    rows = list(workbook["差评整改"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[2], r[4], r[5], r[6], r[7], r[8]) for r in rows] == [
        (cases["B1"].number, "不满意", "2026-10-29 24:00", "2026-10-20", "电话", "满意", "是"),
        (cases["B2"].number, "非常不满意", "2026-10-29 24:00", "2026-10-21", "上门", "仍不满意", "是"),
        (cases["B3"].number, "不满意", "2026-11-02 24:00", None, None, None, None)]
