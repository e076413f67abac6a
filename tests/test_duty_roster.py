"""The 24-hour acknowledgement clock ("24 小时不打烊") is shown, sorted and explained in calendar hours, and its
warnings and breaches reach the person on duty (值班表) at once, whatever the hour; other clocks keep the quiet
hours. Every figure below is worked out by hand from the stated rule.

The week: Friday 2026-11-27 is a working day, Saturday 28 and Sunday 29 are the weekend, Monday 30 works.
"""
import re
from datetime import date, datetime

import pytest
from sqlalchemy import select

from app.enums import Role, TicketState as S
from app.extensions import db
from app.models import Notification, Ticket, TicketClock, User
from sla.calendar import SHANGHAI


def bj(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def run_sweep(app, now):
    from app.supervision.sweep import sweep
    with app.app_context():
        return sweep(now)


def deliver(app, now):
    from app.supervision.notify import deliver_pending
    with app.app_context():
        return deliver_pending(now)


def set_email(app, person, email):
    with app.app_context():
        db.session.get(User, person.id).email = email
        db.session.commit()


def badge_text(app, ticket_id, now):
    from app.display import sla_badge
    with app.test_request_context():
        return sla_badge(db.session.get(Ticket, ticket_id), now)[1]


def friday_evening_case(factory, clock, secretary=None):
    """A web submission on Friday 2026-11-27 at 19:00 Beijing; it stays in intake over the weekend."""
    clock.set(bj(2026, 11, 27, 19))
    return factory.ticket(S.INTAKE, secretary=secretary)


# ---- shown, sorted and explained in calendar hours --------------------------------------------------------

def test_acknowledgement_badge_counts_calendar_hours_over_the_weekend(app, factory, clock):
    ref = friday_evening_case(factory, clock)
    with app.app_context():
        ack = db.session.scalar(select(TicketClock).where(TicketClock.ticket_id == ref.id))
        # 24 calendar hours from Friday 19:00 → Saturday 2026-11-28 19:00 (the weekend counts: 不打烊).
        assert ack.unit == "hours" and ack.due_at == bj(2026, 11, 28, 19)
    # Saturday 09:00 → Saturday 19:00 is 10 wall-clock hours. (In working time it would be 0: Saturday rests.)
    assert badge_text(app, ref.id, bj(2026, 11, 28, 9)) == "剩 10 小时"
    # Sunday 10:00 is 24 − 19 = 5 h of Saturday plus 10 h of Sunday = 15 h past Saturday 19:00.
    # (Working time would be 0 h, which the old badge showed as its minimum "超期 1 小时".)
    assert badge_text(app, ref.id, bj(2026, 11, 29, 10)) == "超期 15 小时"
    # 33 h late (Monday 04:00) reads 33 hours, not a fraction of a working day.
    assert badge_text(app, ref.id, bj(2026, 11, 30, 4)) == "超期 33 小时"


def test_working_day_clock_badge_still_counts_working_time(app, factory, clock):
    # Accepted Friday 2026-11-27 10:00: the first reply is due in 1 working day. The rest of Friday is a gift
    # (14 h), then one whole working day: Saturday and Sunday do not count, so it ends Monday 30 at 24:00.
    clock.set(bj(2026, 11, 27, 10))
    ref = factory.ticket(S.TRIAGE)
    with app.app_context():
        assert db.session.get(Ticket, ref.id).due_at == bj(2026, 12, 1, 0)
    # Sunday 10:00 → Monday 24:00: Sunday's 14 h do not count, Monday's 24 h do = 1.0 working day.
    assert badge_text(app, ref.id, bj(2026, 11, 29, 10)) == "剩 1.0 个工作日"


def test_the_deadline_panel_and_the_board_explain_in_calendar_hours(app, factory, clock, login):
    secretary = factory.user(Role.SECRETARY)
    ref = friday_evening_case(factory, clock, secretary)
    clock.set(bj(2026, 11, 29, 10))  # Sunday 10:00: 15 h past Saturday 19:00 (5 h Saturday + 10 h Sunday)
    run_sweep(app, clock.now())
    client = login(app.test_client(), secretary)
    assert "超期 15 小时" in client.get(f"/tickets/{ref.id}").get_data(as_text=True)
    panel = client.get(f"/tickets/{ref.id}/deadlines").get_data(as_text=True)  # the page loads it by htmx
    assert "到期后已过 15 小时。" in panel
    board = login(app.test_client(), factory.user(Role.SUPERVISOR)).get("/board/overdue").get_data(as_text=True)
    row = board.split(ref.number, 1)[1].split("</tr>", 1)[0]
    assert "15 小时" in row and "个工作日" not in row


def test_lists_sort_by_the_real_instant_whatever_the_unit(app, factory, clock, login):
    secretary = factory.user(Role.SECRETARY)
    # B: accepted Thursday 2026-11-26 09:00; first reply 1 working day = rest of Thursday + Friday → due Friday
    #    24:00 (= Saturday 00:00). At Sunday 10:00 it is 0 working time late (the weekend does not count).
    clock.set(bj(2026, 11, 26, 9))
    b = factory.ticket(S.TRIAGE, secretary=secretary)
    # A: submitted Friday 19:00, acknowledgement due Saturday 19:00; at Sunday 10:00 it is 15 calendar hours late.
    a = friday_evening_case(factory, clock, secretary)
    # D: accepted Friday 10:00, first reply due Monday 24:00 (see above); at Sunday 10:00, 1.0 working day left.
    clock.set(bj(2026, 11, 27, 10))
    d = factory.ticket(S.TRIAGE, secretary=secretary)
    # C: submitted Saturday 20:00, acknowledgement due Sunday 20:00; at Sunday 10:00, 10 calendar hours left.
    clock.set(bj(2026, 11, 28, 20))
    c = factory.ticket(S.INTAKE, secretary=secretary)
    clock.set(bj(2026, 11, 29, 10))
    # Real instants: B Sat 00:00 < A Sat 19:00 < C Sun 20:00 < D Tue 00:00. Sorting by the badges' figures would
    # put A (15 h late) before B (shown 0–1 h late): the list must not.
    page = login(app.test_client(), secretary).get("/tickets").get_data(as_text=True)
    numbers = [n for n in re.findall(r"JJ-\d{4}-\d{6}", page) if n in {a.number, b.number, c.number, d.number}]
    order = list(dict.fromkeys(numbers))
    assert order == [b.number, a.number, c.number, d.number]
    assert badge_text(app, a.id, clock.now()) == "超期 15 小时"
    assert badge_text(app, c.id, clock.now()) == "剩 10 小时"


# ---- the duty roster ---------------------------------------------------------------------------------------

def subjects_to(mails, address):
    from email.header import decode_header, make_header
    return [str(make_header(decode_header(m["Subject"]))) for m in mails if m["To"] == address]


def put_on_duty(app, admin, person, day):
    from app.supervision.services import add_duty
    with app.test_request_context():
        add_duty(db.session.get(User, admin.id), day, person.id)


def test_the_person_on_duty_gets_the_acknowledgement_breach_at_once(app, factory, clock, smtp_server):
    port, mails = smtp_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="jianjian@zone.gov.cn",
                      WEBHOOK_URL="http://127.0.0.1:9/group-robot")  # nothing listens: a webhook sent would fail
    admin = factory.user(Role.ADMIN)
    duty = factory.user(Role.SUPERVISOR)
    set_email(app, duty, "duty@zone.gov.cn")
    owner = factory.user(Role.SECRETARY)
    set_email(app, owner, "owner@zone.gov.cn")
    other = factory.user(Role.SECRETARY)
    set_email(app, other, "other@zone.gov.cn")
    put_on_duty(app, admin, duty, date(2026, 11, 28))

    # W: a working-day case accepted Monday 2026-11-23 09:00 and answered at once, so only its resolution clock
    # runs: 5 working days = the rest of Monday (15 h) + 5 × 24 h = 135 h of working time. Warning at 75 % =
    # 101 h 15 min: Monday 15 h, Tuesday 39 h, Wednesday 63 h, Thursday 87 h, then 14 h 15 min of Friday →
    # Friday 2026-11-27 14:15. Due: Friday ends at 111 h, the weekend is skipped, Monday 30 brings 135 h → 24:00.
    clock.set(bj(2026, 11, 23, 9))
    w = factory.ticket(S.TRIAGE, secretary=other)
    with app.test_request_context():
        from app.tickets.services import reply_to_enterprise
        reply_to_enterprise(db.session.get(Ticket, w.id), db.session.get(User, other.id), "已收到，正在办理。")
    # A: submitted Friday 19:00; acknowledgement due Saturday 19:00 (warning at 75 % of 24 h = 18 h → Sat 13:00).
    a = friday_evening_case(factory, clock, owner)

    # The worker was down from Friday noon (a power cut) and its first sweep runs Saturday 19:05; a late sweep
    # misses nothing, so this one sweep records W's warning and A's warning and breach.
    saturday = bj(2026, 11, 28, 19, 5)
    run_sweep(app, saturday)
    with app.app_context():
        kinds = {(n.ticket_id, n.kind, n.user_id) for n in db.session.scalars(
            select(Notification).where(Notification.channel == "in_app"))}
    assert (a.id, "overdue", duty.id) in kinds and (w.id, "warning", other.id) in kinds

    # Saturday 19:05 is outside 08:30–18:00 and not a working day: only the duty mail leaves, at once.
    result = deliver(app, saturday)
    assert result["failed"] == 0, result
    to_duty = subjects_to(mails, "duty@zone.gov.cn")
    assert any("超期" in s and a.number in s for s in to_duty), to_duty
    assert subjects_to(mails, "owner@zone.gov.cn") == [] and subjects_to(mails, "other@zone.gov.cn") == []

    # Sunday evening still waits; Monday 08:29 too (the quiet hours end at 08:30).
    assert deliver(app, bj(2026, 11, 29, 20))["sent"] == 0
    assert deliver(app, bj(2026, 11, 30, 8, 29))["sent"] == 0
    sent_before = len(mails)
    # Monday 08:30: W's warning goes to its secretary, and A's owner hears of the breach (the group webhook
    # is tried now too, and fails: nothing listens on port 9).
    monday = deliver(app, bj(2026, 11, 30, 8, 30))
    assert any(w.number in s and "即将到期" in s for s in subjects_to(mails, "other@zone.gov.cn"))
    assert any(a.number in s for s in subjects_to(mails, "owner@zone.gov.cn"))
    assert len(mails) > sent_before and monday["failed"] >= 1
    assert not any(s for s in subjects_to(mails, "duty@zone.gov.cn") if w.number in s)  # W is no duty business


def test_without_anyone_on_duty_the_breach_waits_as_before(app, factory, clock, smtp_server):
    port, mails = smtp_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="jianjian@zone.gov.cn")
    owner = factory.user(Role.SECRETARY)
    set_email(app, owner, "owner@zone.gov.cn")
    a = friday_evening_case(factory, clock, owner)
    run_sweep(app, bj(2026, 11, 28, 19, 5))
    assert deliver(app, bj(2026, 11, 28, 19, 5))["sent"] == 0 and mails == []
    deliver(app, bj(2026, 11, 30, 8, 30))
    assert any("超期" in s and a.number in s for s in subjects_to(mails, "owner@zone.gov.cn"))


def test_duty_covers_its_beijing_date_and_other_clocks_keep_quiet_hours(app, factory, clock):
    admin = factory.user(Role.ADMIN)
    duty = factory.user(Role.SECRETARY)
    put_on_duty(app, admin, duty, date(2026, 11, 29))  # Sunday only
    a = friday_evening_case(factory, clock)
    # Saturday 19:05 Beijing is 11:05 UTC on Saturday: the Beijing date is the 28th, and nobody has it.
    run_sweep(app, bj(2026, 11, 28, 19, 5))
    with app.app_context():
        to_duty = db.session.scalars(select(Notification).where(Notification.user_id == duty.id)).all()
        assert to_duty == []
        owner_rows = db.session.scalars(select(Notification).where(Notification.ticket_id == a.id)).all()
        assert owner_rows and not any(n.immediate for n in owner_rows)


# ---- the admin page ----------------------------------------------------------------------------------------

def test_admins_keep_the_roster_on_a_chinese_page(app, factory, clock, login):
    clock.set(bj(2026, 11, 26, 10))  # Thursday
    admin = factory.user(Role.ADMIN)
    duty = factory.user(Role.SUPERVISOR)
    set_email(app, duty, "duty@zone.gov.cn")
    client = login(app.test_client(), admin)
    page = client.get("/admin/duty").get_data(as_text=True)
    assert "值班表" in page and "2026-11-28" in page
    assert "无人值班" in page  # nobody yet: the page says what happens then
    response = client.post("/admin/duty", data={"day": "2026-11-28", "user_id": str(duty.id)})
    assert response.status_code == 303
    page = client.get("/admin/duty").get_data(as_text=True)
    row = page.split("2026-11-28", 1)[1].split("</tr>", 1)[0]
    assert "测试督办" in row or duty.username in row
    # The same person twice for one date is refused, clearly, and changes nothing.
    again = client.post("/admin/duty", data={"day": "2026-11-28", "user_id": str(duty.id)})
    assert again.status_code == 400 and "已在" in again.get_data(as_text=True)
    # A date that has passed, or no date at all, is refused too.
    past = client.post("/admin/duty", data={"day": "2026-11-20", "user_id": str(duty.id)})
    assert past.status_code == 400 and "已过去" in past.get_data(as_text=True)
    empty = client.post("/admin/duty", data={"day": "", "user_id": str(duty.id)})
    assert empty.status_code == 400 and "请填写日期" in empty.get_data(as_text=True)
    from app.models import DutyShift
    with app.app_context():
        shifts = db.session.scalars(select(DutyShift)).all()
        assert [(s.day, s.user_id) for s in shifts] == [(date(2026, 11, 28), duty.id)]
        shift_id = shifts[0].id
    assert client.post(f"/admin/duty/{shift_id}/delete").status_code == 303
    with app.app_context():
        assert db.session.scalars(select(DutyShift)).all() == []


def test_an_officer_cannot_be_put_on_duty_and_nobody_else_may_edit(app, factory, clock, login):
    admin = factory.user(Role.ADMIN)
    officer = factory.user(Role.OFFICER)
    secretary = factory.user(Role.SECRETARY)
    client = login(app.test_client(), admin)
    refused = client.post("/admin/duty", data={"day": "2026-11-28", "user_id": str(officer.id)})
    assert refused.status_code == 400
    assert login(app.test_client(), secretary).post(
        "/admin/duty", data={"day": "2026-11-28", "user_id": str(secretary.id)}).status_code == 403
    from app.models import DutyShift
    with app.app_context():
        assert db.session.scalars(select(DutyShift)).all() == []


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_adding_without_the_csrf_token_changes_nothing(app, factory, login):
    admin = factory.user(Role.ADMIN)
    duty = factory.user(Role.SUPERVISOR)
    from tests.conftest import PASSWORD, csrf_token_from
    client = app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"username": admin.username, "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    assert "csrf_token" in client.get("/admin/duty").get_data(as_text=True)  # the page's form carries it
    response = client.post("/admin/duty", data={"day": "2026-11-28", "user_id": str(duty.id)})
    assert response.status_code == 400 and "页面已过期" in response.get_data(as_text=True)
    from app.models import DutyShift
    with app.app_context():
        assert db.session.scalars(select(DutyShift)).all() == []
