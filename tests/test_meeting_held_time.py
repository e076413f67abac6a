"""A meeting is held only at or after its time (issue 12, item 8).

The clock starts on Monday 16 November 2026, 09:00 Beijing time. The meeting is convened for Wednesday
18 November 2026, 14:30 Beijing time (06:30 UTC). Minutes saved before that moment are refused and change
nothing; at 14:30 exactly they are accepted. The enterprise reads, at convening, that a meeting is arranged on
2026-11-18 (neither its subject nor its place), never that it was held; and the conclusion once."""
from datetime import datetime, timezone

from sqlalchemy import func, select

from app.enums import Role, TicketState as S
from app.extensions import db
from app.models import Meeting
from app.timesource import utcnow

STARTS_LOCAL = "2026-11-18T14:30"
STARTS_UTC = datetime(2026, 11, 18, 6, 30, tzinfo=timezone.utc)  # 14:30 in Beijing is 06:30 UTC
CONCLUSION = "会议决定：供电公司两周内完成增容方案批复。"


def snapshot(app):
    """Row counts of every table: "nothing changed" means this stays the same."""
    with app.app_context():
        return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def tracking_page(app, ref):
    public = app.test_client()
    public.post("/track", data={"number": ref.number, "code": ref.code})
    return public.get(f"/track/{ref.number}").get_data(as_text=True)


def convened(app, factory, login):
    secretary, officer = factory.user(Role.SECRETARY), factory.user(Role.OFFICER)
    ref = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=officer)
    sec = login(app.test_client(), secretary)
    response = sec.post(f"/tickets/{ref.id}/convene", data={
        "subject": "锐芯电子用电增容会办", "starts_at": STARTS_LOCAL, "place": "服务中心三楼会议室",
        "lead_department_id": str(officer.department_id)})
    assert response.status_code == 303
    return ref, sec, response.location


def minutes(sec, url):
    return sec.post(f"{url}/minutes", data={"minutes_internal": "供电公司内部容量紧张（内部）",
                                            "minutes_public": CONCLUSION})


def test_minutes_before_the_meeting_time_are_refused_and_change_nothing(app, factory, login, clock):
    ref, sec, url = convened(app, factory, login)
    clock.set(datetime(2026, 11, 18, 6, 29, tzinfo=timezone.utc))  # one minute before 14:30
    before = snapshot(app)
    response = minutes(sec, url)
    assert response.status_code == 409
    refused = response.get_data(as_text=True)
    assert "会议定于 2026-11-18 14:30 召开，开始后才能填写纪要。" in refused
    assert CONCLUSION in refused  # what was typed stays on the page
    assert snapshot(app) == before
    with app.app_context():
        meeting = db.session.scalar(select(Meeting))
        assert (meeting.status, meeting.held_at, meeting.minutes_internal) == ("planned", None, "")
    page = tracking_page(app, ref)
    assert CONCLUSION not in page and "已召开" not in page
    # Before its time the meeting page offers no minutes form; it says when it can be written.
    staff = sec.get(url).get_data(as_text=True)
    assert 'name="minutes_internal"' not in staff and "会议开始后（2026-11-18 14:30）可填写纪要。" in staff
    # The service refuses it too, whoever calls it.
    with app.test_request_context():
        from app.errors import TransitionRefused
        from app.meetings import services
        from app.models import User
        meeting = db.session.scalar(select(Meeting))
        actor = db.session.get(User, meeting.convened_by_id)
        try:
            services.record_minutes(actor, meeting, "纪要", CONCLUSION)
        except TransitionRefused:
            db.session.rollback()
        else:
            raise AssertionError("minutes before the meeting's time were accepted")
    assert snapshot(app) == before


def test_minutes_at_the_meeting_time_are_accepted(app, factory, login, clock):
    ref, sec, url = convened(app, factory, login)
    clock.set(STARTS_UTC)  # 14:30 exactly: the meeting has begun
    assert minutes(sec, url).status_code == 303
    with app.app_context():
        meeting = db.session.scalar(select(Meeting))
        assert meeting.status == "held" and meeting.held_at == STARTS_UTC == utcnow()


def test_the_enterprise_reads_arranged_with_the_date_then_the_conclusion_once(app, factory, login, clock):
    ref, sec, url = convened(app, factory, login)
    # At convening (Monday 09:00): arranged for 2026-11-18; nothing says it was held, no subject, no place.
    page = tracking_page(app, ref)
    assert "已安排会办（2026-11-18）" in page
    for wrong in ("已召开", "召开会办", "锐芯电子用电增容会办", "三楼会议室"):
        assert wrong not in page, wrong
    # Tuesday: still only arranged.
    clock.set(datetime(2026, 11, 17, 2, tzinfo=timezone.utc))
    assert "已召开" not in tracking_page(app, ref)
    # Wednesday 15:00: the minutes, then the plan. The enterprise reads its conclusion exactly once.
    clock.set(datetime(2026, 11, 18, 7, tzinfo=timezone.utc))
    assert minutes(sec, url).status_code == 303
    assert tracking_page(app, ref).count(CONCLUSION) == 1
    assert sec.post(f"{url}/plan").status_code == 303
    page = tracking_page(app, ref)
    assert page.count(CONCLUSION) == 1
    assert "已安排会办（2026-11-18）" in page and "形成办理方案" in page and "内部" not in page
