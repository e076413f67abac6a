"""Calendar corrections reach every deadline they change, and an uncovered year is never silently wrong
(issue 12, items 2 and 4). Every expected figure below is worked out by hand from the stated rules:

- "N working days" ends at the end of the N-th working day after the day the clock started (day 0 not counted);
  a resolution clock has 5 working days, a first reply 1.
- A correction recomputes open clocks and the settled clocks of months that are not published. A settled clock
  belongs to the month its outcome was settled (stopped on time: the month it stopped; late: the month its due
  time passed) and to the month it fell due. When one of those months is published the clock keeps its due time,
  the published month says how many of its lines the correction would change, and republishing applies it.
- A year is covered only by the statutory calendar package (2004–2026 here) or by an imported State Council
  notice. Until then it counts Monday–Friday minus the statutory holidays the `holidays` package lists, every
  deadline falling in it reads "（暂定）", and admins and supervisors see a banner.
"""
import re
from datetime import date, datetime

from sqlalchemy import func, select

from app.enums import ClockKind, Role, TicketState as S
from app.extensions import db
from app.models import CalendarNotice, CalendarOverride, Ticket, TicketClock, User
from sla.calendar import SHANGHAI, WorkCalendar


def bj(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def resolution(app, ticket_id):
    with app.app_context():
        c = db.session.scalar(select(TicketClock).where(TicketClock.ticket_id == ticket_id,
                                                        TicketClock.kind == ClockKind.RESOLUTION.value))
        return c.due_at, c.breached, c.calendar_due_at


def resolve(app, ref):
    with app.test_request_context():
        from app.tickets import services
        t = db.session.get(Ticket, ref.id)
        services.resolve_ticket(t, db.session.get(User, ref.secretary.id), t.version, "已办理完毕")


def row_of(html, needle):
    """The text of the table row (or the deadline panel's clock block) that mentions `needle` (tags stripped)."""
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.S)
    # The deadline panel writes each clock as a block: its name, state and dates, up to its folded explanation.
    rows += [chunk.split('<details class="explain">', 1)[0] for chunk in html.split('class="clock-row')[1:]]
    for row in rows:
        if needle in row:
            return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))
    raise AssertionError(f"no row with {needle!r}")


def test_a_settled_clock_of_an_unpublished_month_follows_a_correction(app, factory, clock, login):
    # Accepted Mon 2026-11-16 09:00. 5 working days: Tue 17, Wed 18, Thu 19, Fri 20, Mon 23 -> due at the end of
    # Mon 23 ("2026-11-23 24:00"). Resolved Tue 24 10:00: ten hours late.
    secretary, supervisor, admin = (factory.user(r) for r in (Role.SECRETARY, Role.SUPERVISOR, Role.ADMIN))
    ref = factory.ticket(S.TRIAGE, secretary=secretary)
    clock.set(bj(2026, 11, 24, 10))
    resolve(app, ref)
    assert resolution(app, ref.id)[:2] == (bj(2026, 11, 24), True)
    staff = login(app.test_client(), supervisor)
    drill_url = f"/assessment/2026-11/secretary/{secretary.id}/on_time"
    panel = row_of(staff.get(f"/tickets/{ref.id}/deadlines").get_data(as_text=True), "办结时限")
    drill = row_of(staff.get(drill_url).get_data(as_text=True), ref.number)
    assert "2026-11-23 24:00" in panel and "超时完成" in panel
    assert "2026-11-23 24:00" in drill and "超时完成" in drill

    # An admin marks Wed 18 November a day off (the building was closed). November is not published, so the
    # settled clock is recomputed: Tue 17, Thu 19, Fri 20, Mon 23, Tue 24 -> due at the end of Tue 24
    # ("2026-11-24 24:00"), and 10:00 on the 24th is on time.
    response = login(app.test_client(), admin).post(
        "/admin/calendar", data={"day": "2026-11-18", "kind": "holiday", "note": "停电停工"})
    assert response.status_code == 303
    assert resolution(app, ref.id) == (bj(2026, 11, 25), False, None)
    panel = row_of(staff.get(f"/tickets/{ref.id}/deadlines").get_data(as_text=True), "办结时限")
    drill = row_of(staff.get(drill_url).get_data(as_text=True), ref.number)
    assert "2026-11-24 24:00" in panel and "按时完成" in panel and "超时" not in panel
    assert "2026-11-24 24:00" in drill and "按时" in drill and "超时" not in drill


def test_a_published_month_stays_frozen_until_republished(app, factory, clock, login):
    # Accepted Mon 2026-10-12 09:00 (after National Day). 5 working days: Tue 13, Wed 14, Thu 15, Fri 16, Mon 19
    # -> due "2026-10-19 24:00". Resolved Tue 20 10:00: late.
    secretary, supervisor, admin = (factory.user(r) for r in (Role.SECRETARY, Role.SUPERVISOR, Role.ADMIN))
    clock.set(bj(2026, 10, 12, 9))
    ref = factory.ticket(S.TRIAGE, secretary=secretary)
    clock.set(bj(2026, 10, 20, 10))
    resolve(app, ref)
    clock.set(bj(2026, 11, 2, 9))
    staff = login(app.test_client(), supervisor)
    assert staff.post("/assessment/2026-10/publish", data={"note": ""}).status_code == 303

    # Weeks later an admin records that Wed 14 October was a day off. Recomputed, the clock would be due at the
    # end of Tue 20 ("2026-10-20 24:00") and on time. October is published, so the clock keeps its due time
    # and the ticket page agrees with the published month.
    clock.set(bj(2026, 11, 16, 9))
    login(app.test_client(), admin).post("/admin/calendar", data={"day": "2026-10-14", "kind": "holiday",
                                                                  "note": "补录：停电停工"})
    assert resolution(app, ref.id) == (bj(2026, 10, 20), True, bj(2026, 10, 21))
    panel = staff.get(f"/tickets/{ref.id}/deadlines").get_data(as_text=True)
    assert "超时完成" in row_of(panel, "办结时限") and "2026-10-19 24:00" in row_of(panel, "办结时限")
    assert "2026-10-20 24:00" in panel  # the corrected due time, waiting for the month to be republished
    drill_url = f"/assessment/2026-10/secretary/{secretary.id}/on_time"
    assert "超时完成" in row_of(staff.get(drill_url).get_data(as_text=True), ref.number)
    # Lines of October that the correction changes: the secretary's 按时办结率 line (late -> on time, new due) and
    # the 办结率 line (same value, but its deadline reads 10-20 24:00 instead of 10-19 24:00). The response lines
    # do not move (acknowledgement counts hours; the first reply was due at the end of Tue 13 either way), and
    # the case never had a department. So 2 lines.
    month = staff.get("/assessment/2026-10").get_data(as_text=True)
    assert "有 2 条明细会因此改变" in month

    # Republishing with a reason picks the correction up; version 1 stays as it was.
    assert staff.post("/assessment/2026-10/publish",
                      data={"republish": "y", "note": "工作日历更正后重新发布"}).status_code == 303
    assert resolution(app, ref.id) == (bj(2026, 10, 21), False, None)
    assert "按时" in row_of(staff.get(drill_url).get_data(as_text=True), ref.number)
    assert "超时完成" in row_of(staff.get(drill_url + "?version=1").get_data(as_text=True), ref.number)
    assert "按时完成" in row_of(staff.get(f"/tickets/{ref.id}/deadlines").get_data(as_text=True), "办结时限")
    assert "条明细会因此改变" not in staff.get("/assessment/2026-10").get_data(as_text=True)


def test_one_override_does_not_cover_a_year_and_its_deadlines_are_provisional(app, factory, clock, login):
    # The statutory package stops at 2026. On Thu 31 December 2026 an admin enters one day of 2027.
    clock.set(bj(2026, 12, 31, 9))
    secretary, supervisor, admin = (factory.user(r) for r in (Role.SECRETARY, Role.SUPERVISOR, Role.ADMIN))
    admin_client = login(app.test_client(), admin)
    admin_client.post("/admin/calendar", data={"day": "2027-02-10", "kind": "holiday", "note": "春节"})
    banner = "2027 年的全年放假安排尚未收录"
    assert banner in login(app.test_client(), supervisor).get("/workspace").get_data(as_text=True)
    assert banner in admin_client.get("/admin/calendar").get_data(as_text=True)

    # The fallback knows the holidays the `holidays` package lists for 2027: New Year's Day is one.
    fallback = WorkCalendar()
    assert not fallback.is_workday(date(2027, 1, 1)) and fallback.holiday_name(date(2027, 1, 1)) == "元旦"
    assert fallback.is_workday(date(2027, 1, 4)) and not fallback.is_covered(date(2027, 1, 4))

    # Accepted Thu 31 Dec 09:00. Fri 1 Jan is 元旦, Sat 2 and Sun 3 a weekend; 5 working days are Mon 4 .. Fri 8
    # -> due "2027-01-08 24:00" (bare Monday–Friday would have said 01-07). It falls in 2027: provisional.
    # The first reply (1 working day) skips 元旦 and the weekend too: due at the end of Mon 4 January, the ticket's
    # nearest deadline.
    ref = factory.ticket(S.TRIAGE, secretary=secretary)
    assert resolution(app, ref.id)[0] == bj(2027, 1, 9)
    staff = login(app.test_client(), secretary)
    assert "2027-01-04 24:00（暂定）" in staff.get(f"/tickets/{ref.id}").get_data(as_text=True)
    panel = staff.get(f"/tickets/{ref.id}/deadlines").get_data(as_text=True)
    assert "2027-01-08 24:00（暂定）" in row_of(panel, "办结时限")
    assert "2027-01-04 24:00（暂定）" in row_of(panel, "首次答复时限")
    assert "（暂定）" in row_of(staff.get("/tickets").get_data(as_text=True), ref.number)


NOTICE_HOLIDAYS = "2027-01-01 元旦\n2027-02-05~2027-02-13 春节\n2027-10-01~2027-10-07 国庆节"
NOTICE_WORKDAYS = "2027-02-14 春节调休上班\n2027-10-09 国庆节调休上班"


def test_importing_the_notice_previews_then_covers_the_year(app, factory, clock, login):
    # Wed 3 February 2027, before any notice: the fallback lists Fri 5 (除夕) and Mon 8 .. Wed 10 (春节 and its
    # extra days) as holidays. Accepted Wed 3 09:00, 5 working days: Thu 4, Thu 11, Fri 12, Mon 15, Tue 16
    # -> due "2027-02-16 24:00", provisional.
    clock.set(bj(2027, 2, 3, 9))
    secretary, supervisor, admin = (factory.user(r) for r in (Role.SECRETARY, Role.SUPERVISOR, Role.ADMIN))
    ref = factory.ticket(S.TRIAGE, secretary=secretary)
    assert resolution(app, ref.id)[0] == bj(2027, 2, 17)
    client = login(app.test_client(), admin)
    assert client.get("/admin/calendar/notice").status_code == 200

    # The notice: 春节 Fri 5 .. Sat 13 off, Sun 14 worked. Thu 4 (1), Sun 14 (2), Mon 15 (3), Tue 16 (4),
    # Wed 17 (5) -> due "2027-02-17 24:00": one day later. The first reply (end of Thu 4) does not move.
    form = {"year": "2027", "holidays": NOTICE_HOLIDAYS, "workdays": NOTICE_WORKDAYS}
    preview = client.post("/admin/calendar/notice", data=form)
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    moved = row_of(html, ref.number)
    assert "办结时限" in moved and "2027-02-16 24:00" in moved and "2027-02-17 24:00" in moved and "推后 1 天" in moved
    assert html.count(ref.number) == 1
    with app.app_context():  # a preview changes nothing
        assert db.session.scalar(select(func.count(CalendarOverride.id))) == 0
        assert db.session.scalar(select(func.count(CalendarNotice.id))) == 0
    assert resolution(app, ref.id)[0] == bj(2027, 2, 17)

    confirmed = client.post("/admin/calendar/notice", data=dict(form, confirm="1"))
    assert confirmed.status_code == 303
    assert resolution(app, ref.id)[0] == bj(2027, 2, 18)
    with app.app_context():
        # 1 (元旦) + 9 (Feb 5..13) + 7 (Oct 1..7) days off and 2 make-up days.
        assert db.session.scalar(select(func.count(CalendarOverride.id))) == 19
        notice = db.session.scalar(select(CalendarNotice))
        assert (notice.year, notice.imported_by_id) == (2027, admin.id)
    workspace = login(app.test_client(), supervisor).get("/workspace").get_data(as_text=True)
    assert "2027 年的全年放假安排尚未收录" not in workspace
    panel = login(app.test_client(), secretary).get(f"/tickets/{ref.id}/deadlines").get_data(as_text=True)
    assert "2027-02-17 24:00" in panel and "暂定" not in panel
    page = client.get("/admin/calendar").get_data(as_text=True)
    assert "2027 年放假安排已导入" in page


def test_a_bad_notice_is_refused_and_changes_nothing(app, factory, clock, login):
    clock.set(bj(2027, 2, 3, 9))
    client = login(app.test_client(), factory.user(Role.ADMIN))
    cases = [
        ({"holidays": "2027-02-30~2027-03-01 春节"}, "第 1 行"),  # no 30 February
        ({"holidays": "2027-02-13~2027-02-05 春节"}, "第 1 行"),  # ends before it starts
        ({"holidays": "2028-01-01 元旦"}, "不在 2027 年"),
        ({"workdays": "2027-02-15 调休"}, "不是周末"),  # Monday: a make-up working day is a Saturday or Sunday
        ({"workdays": "2027-02-06"}, "同时"),  # inside the 春节 range
        ({"year": "2026"}, "已收录"),  # the statutory package covers it
        ({"holidays": ""}, "请填写"),
    ]
    for change, message in cases:
        form = dict({"year": "2027", "holidays": NOTICE_HOLIDAYS, "workdays": NOTICE_WORKDAYS}, confirm="1")
        form.update(change)
        response = client.post("/admin/calendar/notice", data=form)
        assert response.status_code == 400, change
        assert message in response.get_data(as_text=True), change
    with app.app_context():
        assert db.session.scalar(select(func.count(CalendarOverride.id))) == 0
        assert db.session.scalar(select(func.count(CalendarNotice.id))) == 0


def test_a_notice_replaces_the_years_earlier_overrides_and_may_start_in_the_december_before(app, factory, clock,
                                                                                         login):
    # Rule (README): importing replaces that year's per-date overrides with the notice's days; a New Year holiday
    # may start in the last days of the year before (the 2023 notice began on 2022-12-31).
    clock.set(bj(2026, 12, 1, 9))
    admin = factory.user(Role.ADMIN)
    client = login(app.test_client(), admin)
    client.post("/admin/calendar", data={"day": "2027-03-01", "kind": "holiday", "note": "猜测"})
    response = client.post("/admin/calendar/notice", data={
        "year": "2027", "holidays": "2026-12-31~2027-01-02 元旦\n2027-02-05~2027-02-13 春节", "workdays": "",
        "confirm": "1"})
    assert response.status_code == 303
    with app.app_context():
        days = {o.day: (o.is_workday, o.note) for o in db.session.scalars(select(CalendarOverride))}
    # 3 New Year days (one of them in 2026) + 9 Spring Festival days; the guess for 1 March is gone.
    assert len(days) == 12 and date(2027, 3, 1) not in days
    assert days[date(2026, 12, 31)] == (False, "元旦") and days[date(2027, 2, 13)] == (False, "春节")
    with app.test_request_context():
        from app.deadlines.calendar import current_calendar
        cal = current_calendar()
        # Covered now: 1 March is an ordinary Monday, and the notice's days carry their festival's name.
        assert cal.is_covered(date(2027, 3, 1)) and cal.is_workday(date(2027, 3, 1))
        assert cal.holiday_name(date(2027, 2, 8)) == "春节"
