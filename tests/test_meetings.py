"""会办: convening, minutes, action items with working-day deadlines, and what the enterprise may read."""
from datetime import datetime

from sqlalchemy import select

from app.enums import Role, TicketState as S
from app.extensions import db
from app.models import ActionItem, ClockLevelChange, Meeting, Notification, TicketClock
from sla.calendar import SHANGHAI


def bj(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def convene(client, ticket_id, lead, support=(), related=(), **extra):
    data = {"subject": "用电增容会办", "starts_at": "2026-11-18T14:30", "place": "服务中心三楼会议室",
            "agenda": "研究增容方案", "lead_department_id": str(lead),
            "support_department_ids": [str(s) for s in support], "ticket_ids": [str(r) for r in related],
            "guests": "市政设计院 张工 13900000000\n供电公司 李科长"}
    data.update(extra)
    return client.post(f"/tickets/{ticket_id}/convene", data=data)


def add_item(client, meeting_id, ticket_id, title, department_id, working_days):
    """Add an action item to a meeting through its form."""
    return client.post(f"/meetings/{meeting_id}/items", data={
        "ticket_id": str(ticket_id), "title": title, "owner_department_id": str(department_id),
        "working_days": str(working_days)})


def test_a_meeting_from_convening_to_the_plan(app, factory, login, clock):
    secretary, supervisor = factory.user(Role.SECRETARY), factory.user(Role.SUPERVISOR)
    lead_officer, other_dept = factory.user(Role.OFFICER), factory.department("规划局")
    support_officer = factory.user(Role.OFFICER, department_id=other_dept)
    ref = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=lead_officer)
    related = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=lead_officer, title="同企业另一诉求")
    sec = login(app.test_client(), secretary)
    response = convene(sec, ref.id, lead_officer.department_id, support=[other_dept], related=[related.id])
    assert response.status_code == 303
    meeting_url = response.location
    assert factory.get_ticket(ref.id)["state"] == factory.get_ticket(related.id)["state"] == S.CONVENED.value
    with app.app_context():
        meeting = db.session.scalar(select(Meeting))
        assert [g.unit for g in meeting.guests] == ["市政设计院", "供电公司"]
        assert {i.department_id: i.role for i in meeting.invites} == {lead_officer.department_id: "lead",
                                                                       other_dept: "support"}
        invited = {n.user_id for n in db.session.scalars(select(Notification).where(Notification.kind == "meeting"))}
        assert {lead_officer.id, support_officer.id} <= invited
    # The invited support department sees the meeting and the ticket, and confirms.
    officer = login(app.test_client(), support_officer)
    assert "用电增容会办" in officer.get("/meetings").get_data(as_text=True)
    assert officer.get(f"/tickets/{ref.id}").status_code == 200
    officer.post(f"{meeting_url}/confirm")
    assert "已确认" in officer.get(meeting_url).get_data(as_text=True)
    # Wednesday 18 November, 14:30: the meeting is held. Minutes: the internal part stays inside; each ticket's
    # own conclusion reaches its enterprise (two companies' tickets: one conclusion each, see
    # tests/security/test_meetings_mail_security.py).
    clock.set(bj(2026, 11, 18, 14, 30))
    sec.post(f"{meeting_url}/minutes", data={"minutes_internal": "供电公司内部容量紧张，需市里协调（内部）",
                                             f"conclusion_{ref.id}": "会议决定：由住建局牵头，两周内完成增容方案批复。",
                                             f"conclusion_{related.id}": "会议决定：规划局一周内答复。"})
    public = app.test_client()
    public.post("/track", data={"number": ref.number, "code": ref.code})
    page = public.get(f"/track/{ref.number}").get_data(as_text=True)
    assert "两周内完成增容方案批复" in page and "容量紧张" not in page and "会办" in page
    # An action item: a clock owned by the department.
    clock.set(bj(2026, 9, 28, 10))
    sec.post(f"{meeting_url}/items", data={"ticket_id": str(ref.id), "title": "出具增容方案批复",
                                           "owner_department_id": str(lead_officer.department_id),
                                           "working_days": "5"})
    with app.app_context():
        item_clock = db.session.scalar(select(TicketClock).where(TicketClock.kind == "action_item"))
        assert item_clock.due_at == bj(2026, 10, 11)  # 5 working days across National Day, 10-10 make-up day
    # Resolving is refused while the item is open; a supervisor may override with a reason.
    plan = sec.post(f"{meeting_url}/plan")
    assert plan.status_code == 303 and factory.get_ticket(ref.id)["state"] == S.PROCESSING.value
    version = factory.get_ticket(ref.id)["version"]
    refused = sec.post(f"/tickets/{ref.id}/actions/resolve", data={"version": version, "outcome": "已办"},
                       headers={"HX-Request": "true"})
    assert refused.status_code == 409 and "会办事项未完成" in refused.get_data(as_text=True)
    no_reason = login(app.test_client(), supervisor).post(
        f"/tickets/{ref.id}/actions/resolve", data={"version": version, "outcome": "已办"},
        headers={"HX-Request": "true"})
    assert no_reason.status_code == 409
    secretary_override = sec.post(f"/tickets/{ref.id}/actions/resolve", headers={"HX-Request": "true"},
                                  data={"version": version, "outcome": "已办", "override_reason": "企业撤回"})
    assert secretary_override.status_code == 403
    # The owner completes it; the ticket can then be resolved normally.
    with app.app_context():
        item_id = db.session.scalar(select(ActionItem.id))
    login(app.test_client(), lead_officer).post(f"/action-items/{item_id}/done", data={"note": "已批复"})
    with app.app_context():
        assert db.session.get(ActionItem, item_id).status == "done"
        assert db.session.get(TicketClock, item_clock.id).stopped_at is not None
    version = factory.get_ticket(ref.id)["version"]
    assert sec.post(f"/tickets/{ref.id}/actions/resolve",
                    data={"version": version, "outcome": "已批复并接入"}).status_code == 303
    events = factory.get_ticket(ref.id)["events"]
    for kind in ("convened", "meeting_held", "action_added", "plan_decided", "action_done", "resolved"):
        assert kind in events, kind


def test_supervisor_overrides_open_action_items_with_a_reason(app, factory, login):
    supervisor = factory.user(Role.SUPERVISOR)
    officer = factory.user(Role.OFFICER)
    ref = factory.ticket(S.CONVENED, lead_officer=officer)
    client = login(app.test_client(), supervisor)
    with app.app_context():
        meeting_id = db.session.scalar(select(Meeting.id))
    client.post(f"/meetings/{meeting_id}/items", data={"ticket_id": str(ref.id), "title": "补充检测报告",
                                                       "owner_department_id": str(officer.department_id),
                                                       "working_days": "3"})
    version = factory.get_ticket(ref.id)["version"]
    response = client.post(f"/tickets/{ref.id}/actions/resolve", data={
        "version": version, "outcome": "企业撤回诉求", "override_reason": "企业已自行解决，无需再检测"})
    assert response.status_code == 303 and factory.get_ticket(ref.id)["state"] == S.RESOLVED.value
    with app.app_context():
        from app.models import TicketEvent
        event = db.session.scalar(select(TicketEvent).where(TicketEvent.kind == "resolved"))
        assert event.details["override"] == "企业已自行解决，无需再检测"
        assert event.details["open_items"] == ["补充检测报告"]


def test_action_items_are_swept_and_owners_told(app, factory, login, clock):
    secretary, officer = factory.user(Role.SECRETARY), factory.user(Role.OFFICER)
    ref = factory.ticket(S.CONVENED, secretary=secretary, lead_officer=officer)
    with app.app_context():
        meeting_id = db.session.scalar(select(Meeting.id))
    login(app.test_client(), secretary).post(f"/meetings/{meeting_id}/items", data={
        "ticket_id": str(ref.id), "title": "现场踏勘", "owner_department_id": str(officer.department_id),
        "working_days": "2"})
    clock.set(bj(2026, 11, 19, 10))
    with app.app_context():
        from app.supervision.sweep import sweep
        sweep(clock.now())
        item_clock = db.session.scalar(select(TicketClock).where(TicketClock.kind == "action_item"))
        levels = set(db.session.scalars(select(ClockLevelChange.level).where(
            ClockLevelChange.clock_id == item_clock.id)))
        told = {n.user_id for n in db.session.scalars(select(Notification).where(
            Notification.kind == "overdue", Notification.ticket_id == ref.id))}
    assert levels == {"warning", "overdue"} and officer.id in told
    page = login(app.test_client(), officer).get("/meetings").get_data(as_text=True)
    assert "现场踏勘" in page


def test_bad_meeting_input_changes_nothing(app, factory, login):
    secretary, officer = factory.user(Role.SECRETARY), factory.user(Role.OFFICER)
    ref = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=officer)
    client = login(app.test_client(), secretary)
    for changes in ({"subject": ""}, {"starts_at": "明天下午"}, {"place": ""}, {"lead_department_id": "999999"}):
        response = convene(client, ref.id, officer.department_id, **changes)
        assert response.status_code == 400, changes
    assert factory.get_ticket(ref.id)["state"] == S.PROCESSING.value
    closed = factory.ticket(S.CLOSED, secretary=secretary, lead_officer=officer)
    response = convene(client, closed.id, officer.department_id)
    assert response.status_code == 400 and "不能执行此操作" in response.get_data(as_text=True)
    convene(client, ref.id, officer.department_id)
    with app.app_context():
        meeting_id = db.session.scalar(select(Meeting.id))
    for days in ("0", "61", "x"):
        bad = client.post(f"/meetings/{meeting_id}/items", data={
            "ticket_id": str(ref.id), "title": "事项", "owner_department_id": str(officer.department_id),
            "working_days": days})
        assert bad.status_code == 400
    early_plan = client.post(f"/meetings/{meeting_id}/plan")
    assert early_plan.status_code == 409 and "请先填写会议纪要" in early_plan.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(ActionItem.id)) is None


def test_meeting_page_prints_on_a4(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    ref = factory.ticket(S.CONVENED, secretary=secretary)
    with app.app_context():
        meeting_id = db.session.scalar(select(Meeting.id))
    html = login(app.test_client(), secretary).get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert "会办记录" in html and "no-print" in html and ref.number in html
    css = app.test_client().get("/static/app.css").get_data(as_text=True)
    assert "@page { size: A4" in css and "@media print" in css


def test_meetings_and_items_appear_in_the_officers_workspace(app, factory, login, clock):
    secretary, officer = factory.user(Role.SECRETARY), factory.user(Role.OFFICER)
    ref = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=officer)
    sec = login(app.test_client(), secretary)
    convene(sec, ref.id, officer.department_id)
    with app.app_context():
        meeting_id = db.session.scalar(select(Meeting.id))
    sec.post(f"/meetings/{meeting_id}/items", data={"ticket_id": str(ref.id), "title": "补充环评材料审查",
                                                    "owner_department_id": str(officer.department_id),
                                                    "working_days": "3"})
    page = login(app.test_client(), officer).get("/workspace").get_data(as_text=True)
    assert "用电增容会办" in page and "补充环评材料审查" in page and "2026-11-19 24:00" in page


def test_a_secretarys_workspace_lists_the_open_items_of_the_meetings_she_convened(app, factory, login, clock):
    """Her meetings' open action items, read by (meeting, status): done items and a colleague's meeting's items
    stay out."""
    mine, colleague, officer = factory.user(Role.SECRETARY), factory.user(Role.SECRETARY), factory.user(Role.OFFICER)
    ref = factory.ticket(S.PROCESSING, secretary=mine, lead_officer=officer)
    theirs = factory.ticket(S.PROCESSING, secretary=colleague, lead_officer=officer)
    me, other = login(app.test_client(), mine), login(app.test_client(), colleague)
    convene(me, ref.id, officer.department_id)
    convene(other, theirs.id, officer.department_id, subject="同事的会办")
    with app.app_context():
        my_meeting, their_meeting = (db.session.scalar(select(Meeting.id).where(Meeting.subject == subject))
                                     for subject in ("用电增容会办", "同事的会办"))
    for client, meeting_id, ticket_id, title in ((me, my_meeting, ref.id, "补充环评材料审查"),
                                                 (me, my_meeting, ref.id, "复核用电负荷"),
                                                 (other, their_meeting, theirs.id, "同事会办的事项")):
        client.post(f"/meetings/{meeting_id}/items", data={"ticket_id": str(ticket_id), "title": title,
                                                           "owner_department_id": str(officer.department_id),
                                                           "working_days": "3"})
    with app.app_context():
        done = db.session.scalar(select(ActionItem).where(ActionItem.title == "复核用电负荷"))
        done.status = "done"
        db.session.commit()
    page = me.get("/workspace").get_data(as_text=True)
    assert "补充环评材料审查" in page
    assert "复核用电负荷" not in page and "同事会办的事项" not in page


def test_the_meeting_list_pages_what_each_person_may_open(app, factory, login, clock, monkeypatch):
    """The list used to read the newest 200 meetings and drop those a person may not open, so a secretary whose
    meetings were older than the centre's newest 200 saw none. Here a page holds 2: secretary A's one meeting is
    older than B's three, and A still finds it on her first page; B pages through her three (2 + 1)."""
    from app.meetings import queries
    monkeypatch.setattr(queries, "MEETINGS_PER_PAGE", 2)
    clock.set(bj(2026, 11, 16, 9))
    a, b = factory.user(Role.SECRETARY), factory.user(Role.SECRETARY)
    officer = factory.user(Role.OFFICER)
    own = factory.ticket(S.PROCESSING, secretary=a, lead_officer=officer)
    assert convene(login(app.test_client(), a), own.id, officer.department_id, subject="甲秘书的会办",
                   starts_at="2026-11-17T09:00").status_code == 303
    b_client = login(app.test_client(), b)
    for day in (18, 19, 20):
        case = factory.ticket(S.PROCESSING, secretary=b, lead_officer=officer)
        assert convene(b_client, case.id, officer.department_id, subject=f"乙秘书的会办{day}",
                       starts_at=f"2026-11-{day}T09:00").status_code == 303
    a_page = login(app.test_client(), a).get("/meetings").get_data(as_text=True)
    # A may open only her own meeting (B's cases are B's, in progress): one page, nothing of B's
    assert "甲秘书的会办" in a_page and "乙秘书的会办" not in a_page and "下一页" not in a_page
    first, second = b_client.get("/meetings").get_data(as_text=True), b_client.get("/meetings?page=2").get_data(
        as_text=True)
    # B's three, latest first: the 20th and 19th, then the 18th; A's meeting on neither page
    assert "乙秘书的会办20" in first and "乙秘书的会办19" in first and "乙秘书的会办18" not in first
    assert "下一页" in first and "乙秘书的会办18" in second and "下一页" not in second
    assert "甲秘书的会办" not in first + second
    past = b_client.get("/meetings?page=9").get_data(as_text=True)
    assert "没有第 9 页。" in past and "回到第一页" in past
    # the invited department's officer sees all four, the latest two on the first page
    everyone = login(app.test_client(), officer).get("/meetings").get_data(as_text=True)
    assert "乙秘书的会办20" in everyone and "乙秘书的会办19" in everyone and "下一页" in everyone
    assert "乙秘书的会办18" not in everyone and "甲秘书的会办" not in everyone and own.number not in everyone
    rest = login(app.test_client(), officer).get("/meetings?page=2").get_data(as_text=True)
    # the 18th and A's, each with its case's number (rows read after their ids)
    assert "乙秘书的会办18" in rest and "甲秘书的会办" in rest and own.number in rest and "下一页" not in rest
    # an officer of a department not invited sees none of them
    outsider = login(app.test_client(), factory.user(Role.OFFICER, department_id=factory.department("税务局")))
    assert "秘书的会办" not in outsider.get("/meetings").get_data(as_text=True)


def test_an_officer_sees_the_departments_open_items_soonest_due_first(app, factory, login, clock, monkeypatch):
    """Three open items due in 5, 1 and 3 working days: listed 1, 3, 5; with room for two, the count still says 3."""
    from app.meetings import queries
    clock.set(bj(2026, 11, 16, 9))
    secretary, officer = factory.user(Role.SECRETARY), factory.user(Role.OFFICER)
    case = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=officer)
    sec = login(app.test_client(), secretary)
    assert convene(sec, case.id, officer.department_id).status_code == 303
    with app.app_context():
        meeting_id = db.session.scalar(select(Meeting.id))
    for title, days in (("五日事项", 5), ("一日事项", 1), ("三日事项", 3)):
        assert add_item(sec, meeting_id, case.id, title, officer.department_id, days).status_code == 303
    client = login(app.test_client(), officer)
    page = client.get("/meetings").get_data(as_text=True)
    assert page.index("一日事项") < page.index("三日事项") < page.index("五日事项")
    section = page.split("本部门待完成的会办事项")[1].split("</section>")[0]
    assert section.count(case.number) == 3  # each item with its case's number
    real = queries.open_items_of
    monkeypatch.setattr(queries, "open_items_of", lambda department_id: real(department_id, limit=2))
    page = client.get("/meetings").get_data(as_text=True)
    assert "一日事项" in page and "三日事项" in page and "五日事项" not in page
    assert "这里列出最早到期的 2 项" in page and '<span class="badge text-bg-secondary">3</span>' in page


def test_the_workspace_shows_the_fortnights_meetings_and_the_open_items_with_their_deadlines(app, factory, login,
                                                                                            clock):
    # Monday 2026-11-16 09:00: a meeting on Wednesday 18th (within the coming two weeks) and one on 2026-12-10 (24
    # days ahead: not yet shown). An item due in 2 working days from Monday is due at the end of Wednesday 18th.
    clock.set(bj(2026, 11, 16, 9))
    secretary, officer = factory.user(Role.SECRETARY), factory.user(Role.OFFICER)
    case = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=officer)
    later = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=officer)
    sec = login(app.test_client(), secretary)
    assert convene(sec, case.id, officer.department_id, subject="周三的用电会办").status_code == 303
    assert convene(sec, later.id, officer.department_id, subject="十二月的会办",
                   starts_at="2026-12-10T09:00").status_code == 303
    with app.app_context():
        meeting_id = db.session.scalar(select(Meeting.id).where(Meeting.subject == "周三的用电会办"))
    assert add_item(sec, meeting_id, case.id, "出具供电方案", officer.department_id, 2).status_code == 303
    for client in (login(app.test_client(), officer), sec):  # invited, and the one who convened it
        page = client.get("/workspace").get_data(as_text=True)
        meetings, items = page.split("近期会办")[1].split("待完成的会办事项")
        assert "周三的用电会办" in meetings and "2026-11-18 14:30" in meetings and "十二月的会办" not in meetings
        item = items.split("出具供电方案")[1].split("</li>")[0]
        assert case.number in item and "2026-11-18 24:00" in item
