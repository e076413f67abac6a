"""The SLA engine inside the application: clocks follow the workflow, the sweep flags each level once and
notifies the right people, holds and extensions move deadlines, and email and webhooks really leave."""
import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import func, select

from app.supervision.sweep import sweep
from app.enums import Role, TicketState as S
from app.extensions import db
from app.models import (CalendarOverride, ClockLevelChange, Notification, Ticket, TicketClock,
                        TicketEvent, User)
from sla.calendar import SHANGHAI


def bj(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def clocks_of(app, ticket_id):
    with app.app_context():
        return {(c.kind, c.stopped_at is None): (c.due_at, c.level) for c in
                db.session.scalars(select(TicketClock).where(TicketClock.ticket_id == ticket_id))}


def run_sweep(app):
    with app.app_context():
        return sweep(app.extensions["jj_clock"].now())


def levels(app, ticket_id):
    with app.app_context():
        return sorted((c.level for c in db.session.scalars(
            select(ClockLevelChange).where(ClockLevelChange.ticket_id == ticket_id))),
            key=["warning", "overdue", "supervised", "escalated"].index)


def test_clocks_follow_the_workflow(app, factory):
    officer = factory.user(Role.OFFICER)
    ref = factory.ticket(S.INTAKE, lead_officer=officer)
    assert set(clocks_of(app, ref.id)) == {("acknowledge", True)}
    ref = factory.ticket(S.PROCESSING, lead_officer=officer)
    running = {k for k, r in clocks_of(app, ref.id) if r}
    assert running == {"resolution", "first_reply", "sign_off"}
    ref = factory.ticket(S.RESOLVED, lead_officer=officer)
    assert {k for k, r in clocks_of(app, ref.id) if r} == {"follow_up"}
    ref = factory.ticket(S.CLOSED, lead_officer=officer)
    assert not {k for k, r in clocks_of(app, ref.id) if r}


def test_acknowledge_is_24_calendar_hours_and_resolution_5_working_days(app, factory, clock):
    ref = factory.ticket(S.INTAKE)  # Monday 2026-11-16 09:00
    assert clocks_of(app, ref.id)[("acknowledge", True)][0] == bj(2026, 11, 17, 9)
    with app.test_request_context():
        from app.tickets import services
        t = db.session.get(Ticket, ref.id)
        services.accept_ticket(t, db.session.get(User, ref.secretary.id), t.version)
    c = clocks_of(app, ref.id)
    assert c[("resolution", True)][0] == bj(2026, 11, 24)  # end of Monday 23rd: 5 working days after the 16th
    assert c[("first_reply", True)][0] == bj(2026, 11, 18)
    assert c[("acknowledge", False)][1] == "ok"


def test_a_ticket_climbs_every_level_once_as_time_passes(app, factory, clock):
    supervisor = factory.user(Role.SUPERVISOR)
    director = factory.user(Role.SUPERVISOR)
    with app.app_context():
        db.session.get(User, director.id).is_director = True
        db.session.commit()
    ref = factory.ticket(S.TRIAGE)  # resolution due end of 2026-11-23
    steps = [(bj(2026, 11, 20, 16), ["warning"]), (bj(2026, 11, 24, 1), ["warning", "overdue"]),
             (bj(2026, 11, 26, 1), ["warning", "overdue", "supervised"]),
             (bj(2026, 12, 1, 1), ["warning", "overdue", "supervised", "escalated"])]
    for moment, expected in steps:
        clock.set(moment)
        run_sweep(app)
        run_sweep(app)  # twice: nothing twice
        assert [lvl for lvl in expected if lvl in levels(app, ref.id)] == expected, moment
    with app.app_context():
        changes = db.session.scalars(select(ClockLevelChange).where(ClockLevelChange.ticket_id == ref.id)).all()
        assert len(changes) == len({(c.clock_id, c.level) for c in changes})
        by_kind = {(c.level, n.user_id) for c in changes for n in db.session.scalars(select(Notification).where(
            Notification.ticket_id == ref.id, Notification.kind == c.level))}
        people = {lvl: {u for lv, u in by_kind if lv == lvl} for lvl in ("warning", "supervised", "escalated")}
        assert ref.secretary.id in people["warning"]
        assert supervisor.id in people["supervised"] and director.id in people["supervised"]
        assert people["escalated"] == {director.id}  # the director alone hears of escalations
        ticket = db.session.get(Ticket, ref.id)
        assert ticket.sla_level == "escalated"
        assert [e.kind for e in ticket.events].count("sla_level") == len(changes)


def test_sweep_after_downtime_catches_up_in_one_run(app, factory, clock):
    refs = [factory.ticket(S.TRIAGE) for _ in range(3)]
    clock.set(bj(2026, 12, 15, 10))  # weeks of downtime
    result = run_sweep(app)
    assert result["recorded"] >= 3 * 4
    for ref in refs:
        assert set(levels(app, ref.id)) == {"warning", "overdue", "supervised", "escalated"}
    assert run_sweep(app)["recorded"] == 0


def test_concurrent_sweeps_flag_each_level_once(app, factory, clock):
    for _ in range(5):
        factory.ticket(S.TRIAGE)
    clock.set(bj(2026, 12, 15, 10))
    results, errors = [], []

    def worker():
        try:
            results.append(run_sweep(app))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with app.app_context():
        total = db.session.scalar(select(func.count(ClockLevelChange.id)))
        distinct = db.session.execute(select(ClockLevelChange.clock_id, ClockLevelChange.level).distinct()).all()
        escalations = db.session.scalar(select(func.count(TicketEvent.id)).where(TicketEvent.kind == "sla_level"))
    assert total >= 5 * 4 and total == len(distinct)
    assert sum(r["recorded"] for r in results) == total == escalations


def test_hold_pauses_and_resume_keeps_the_remaining_budget(app, factory, clock, login):
    secretary = factory.user(Role.SECRETARY)
    ref = factory.ticket(S.TRIAGE, secretary=secretary)
    due_before = clocks_of(app, ref.id)[("resolution", True)][0]
    client = login(app.test_client(), secretary)
    client.post(f"/tickets/{ref.id}/actions/hold", data={"version": factory.get_ticket(ref.id)["version"],
                                                          "reason": "等待企业补充材料"})
    assert factory.get_ticket(ref.id)["due_at"] is None
    clock.set(bj(2026, 11, 18, 9))  # two working days on hold
    client.post(f"/tickets/{ref.id}/actions/resume", data={"version": factory.get_ticket(ref.id)["version"]})
    due_after = clocks_of(app, ref.id)[("resolution", True)][0]
    assert due_after == due_before + timedelta(days=2)
    html = client.get(f"/tickets/{ref.id}/deadlines").get_data(as_text=True)
    assert "挂起：等待企业补充材料" in html and "不计时" in html


def test_extension_is_requested_approved_and_moves_the_deadline(app, factory, login):
    secretary, supervisor = factory.user(Role.SECRETARY), factory.user(Role.SUPERVISOR)
    ref = factory.ticket(S.PROCESSING, secretary=secretary)
    with app.app_context():
        clock_id = db.session.scalar(select(TicketClock.id).where(TicketClock.ticket_id == ref.id,
                                                                  TicketClock.kind == "resolution"))
    due = clocks_of(app, ref.id)[("resolution", True)][0]
    sec = login(app.test_client(), secretary)
    bad = sec.post(f"/tickets/{ref.id}/extensions", data={"clock_id": clock_id, "days": "45", "reason": "x"},
                   headers={"HX-Request": "true"})
    assert bad.status_code == 400 and "1–30" in bad.get_data(as_text=True)
    sec.post(f"/tickets/{ref.id}/extensions", data={"clock_id": clock_id, "days": "3", "reason": "需要第三方检测报告"})
    assert clocks_of(app, ref.id)[("resolution", True)][0] == due  # not before approval
    sup = login(app.test_client(), supervisor)
    board = sup.get("/board/overdue").get_data(as_text=True)
    assert "需要第三方检测报告" in board
    with app.app_context():
        from app.models import Extension
        ext_id = Extension.query.one().id
    assert sec.post(f"/extensions/{ext_id}/decide", data={"decision": "approve"}).status_code == 403
    # Approved as 8 working days from the approval (Mon 16 Nov): Nov 17-20 and 23-26 -> the end of Thu 26 Nov,
    # three days past the old due time (the end of Mon 23 Nov).
    sup.post(f"/extensions/{ext_id}/decide", data={"decision": "approve", "due_mode": "days", "due_days": "8",
                                                  "note": "同意"})
    assert clocks_of(app, ref.id)[("resolution", True)][0] == due + timedelta(days=3)  # across no weekend here
    again = sup.post(f"/extensions/{ext_id}/decide", data={"decision": "reject"}, headers={"HX-Request": "true"})
    assert again.status_code == 409 and "已处理" in again.get_data(as_text=True)
    events = factory.get_ticket(ref.id)["events"]
    assert "ext_requested" in events and "ext_approved" in events


def test_urge_and_supervise_from_the_board(app, factory, login, clock):
    supervisor = factory.user(Role.SUPERVISOR)
    officer = factory.user(Role.OFFICER)
    ref = factory.ticket(S.PROCESSING, lead_officer=officer)
    clock.set(bj(2026, 11, 30, 10))
    run_sweep(app)
    client = login(app.test_client(), supervisor)
    board = client.get("/board/overdue").get_data(as_text=True)
    assert ref.number in board and "超期" in board
    client.post(f"/tickets/{ref.id}/urge", data={"note": "请今天内反馈"})
    refused = client.post(f"/tickets/{ref.id}/supervise", data={"note": ""}, headers={"HX-Request": "true"})
    assert refused.status_code == 400
    client.post(f"/tickets/{ref.id}/supervise", data={"note": "列入本周督办"})
    twice = client.post(f"/tickets/{ref.id}/supervise", data={"note": "再次"}, headers={"HX-Request": "true"})
    assert twice.status_code == 409
    with app.app_context():
        urged = db.session.scalars(select(Notification).where(Notification.kind == "urge")).all()
        assert {n.user_id for n in urged} >= {officer.id, ref.secretary.id}
    assert {"urged", "supervised"} <= set(factory.get_ticket(ref.id)["events"])
    officer_client = login(app.test_client(), officer)
    assert "督办件" in officer_client.get("/tickets").get_data(as_text=True)
    bell = officer_client.get("/notifications/bell").get_data(as_text=True)
    assert "badge" in bell


def test_calendar_override_moves_open_deadlines(app, factory, login):
    admin = factory.user(Role.ADMIN)
    ref = factory.ticket(S.TRIAGE)
    due = clocks_of(app, ref.id)[("resolution", True)][0]
    client = login(app.test_client(), admin)
    response = client.post("/admin/calendar", data={"day": "2026-11-18", "kind": "holiday", "note": "临时停工"})
    assert response.status_code == 303
    assert clocks_of(app, ref.id)[("resolution", True)][0] == due + timedelta(days=1)
    page = client.get("/admin/calendar").get_data(as_text=True)
    assert "临时停工" in page and "2027 年的法定节假日安排尚未收录" in page
    with app.app_context():
        override_id = db.session.scalar(select(CalendarOverride.id))
    client.post(f"/admin/calendar/{override_id}/delete")
    assert clocks_of(app, ref.id)[("resolution", True)][0] == due


def test_policy_changes_apply_to_new_clocks_until_recomputed(app, factory, login):
    admin = factory.user(Role.ADMIN)
    category = factory.category("项目审批")
    old = factory.ticket(S.TRIAGE, category_id=category)
    old_due = clocks_of(app, old.id)[("resolution", True)][0]
    client = login(app.test_client(), admin)
    response = client.post("/admin/policies/new", data={
        "name": "项目审批类", "category_id": str(category), "urgency": "", "acknowledge_hours": "24",
        "first_reply_wd": "1", "sign_off_wd": "1", "resolution_wd": "15", "convened_wd": "25", "follow_up_wd": "3",
        "remediation_wd": "15", "warning_percent": "75", "supervise_after_wd": "2", "escalate_after_wd": "5"})
    assert response.status_code == 303
    new = factory.ticket(S.TRIAGE, category_id=category)
    assert clocks_of(app, new.id)[("resolution", True)][0] == bj(2026, 12, 8)  # 15 working days
    assert clocks_of(app, old.id)[("resolution", True)][0] == old_due  # unchanged
    client.post("/admin/policies/recompute")
    assert clocks_of(app, old.id)[("resolution", True)][0] == bj(2026, 12, 8)
    assert "sla_recomputed" in factory.get_ticket(old.id)["events"]
    bad = client.post("/admin/policies/new", data={
        "name": "重复", "category_id": str(category), "urgency": "", "acknowledge_hours": "24", "first_reply_wd": "1",
        "sign_off_wd": "1", "resolution_wd": "5", "convened_wd": "25", "follow_up_wd": "3", "remediation_wd": "15",
        "warning_percent": "75",
        "supervise_after_wd": "3", "escalate_after_wd": "2"})
    assert bad.status_code == 400 and "升级天数不能少于督办天数" in bad.get_data(as_text=True)


def test_deadline_panel_explains_holidays(app, factory, login, clock):
    clock.set(bj(2026, 9, 28, 10))
    secretary = factory.user(Role.SECRETARY)
    ref = factory.ticket(S.TRIAGE, secretary=secretary)
    html = login(app.test_client(), secretary).get(f"/tickets/{ref.id}/deadlines").get_data(as_text=True)
    assert "2026-10-10 24:00" in html  # the make-up Saturday is the 5th working day
    clock.set(bj(2026, 10, 12, 9))
    html = login(app.test_client(), secretary).get(f"/tickets/{ref.id}/deadlines").get_data(as_text=True)
    assert "国庆节" in html and "调休上班" in html and "周末" in html


# ---- real email and webhook ---------------------------------------------------------------------------------

@pytest.fixture
def webhook_server():
    posts = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            posts.append(json.loads(body))
            answer = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/cgi-bin/webhook/send?key=test", posts
    server.shutdown()


def test_email_and_webhook_go_out_in_working_hours_only(app, factory, clock, smtp_server, webhook_server):
    smtp_port, mails = smtp_server
    url, posts = webhook_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_port,
                      WEBHOOK_URL=url, MAIL_FROM="jianjian@zone.gov.cn")
    secretary = factory.user(Role.SECRETARY)
    with app.app_context():
        db.session.get(User, secretary.id).email = "wang@zone.gov.cn"
        db.session.commit()
    factory.user(Role.SUPERVISOR)
    ref = factory.ticket(S.TRIAGE, secretary=secretary)
    clock.set(bj(2026, 11, 28, 3))  # a Saturday, 3 a.m.: flagged now, sent later
    run_sweep(app)
    from app.supervision.notify import deliver_pending
    with app.app_context():
        assert deliver_pending(clock.now())["sent"] == 0
    assert mails == [] and posts == []
    clock.set(bj(2026, 11, 30, 9))  # Monday morning
    with app.app_context():
        result = deliver_pending(clock.now())
    assert result["failed"] == 0 and result["sent"] >= 2
    from email.header import decode_header, make_header
    subjects = [str(make_header(decode_header(m["Subject"]))) for m in mails if m["To"] == "wang@zone.gov.cn"]
    # Flagged after days without a sweep, each clock tells the secretary once, of the level it stands at: first
    # reply (due 11-18 00:00, five working days late on 11-25) 升级至主任; resolution (due 11-24 00:00, two working
    # days late on 11-26) 督办. No mail for the levels passed on the way (即将到期, 已超期).
    assert sorted(subjects) == sorted([f"【升级至主任】{ref.number} 厂房施工许可办理咨询",
                                       f"【督办】{ref.number} 厂房施工许可办理咨询"]), subjects
    assert posts and all(p["msgtype"] == "text" and ref.number in p["text"]["content"] for p in posts)
    with app.app_context():
        assert deliver_pending(clock.now())["sent"] == 0  # nothing goes twice


def test_failed_delivery_backs_off_and_is_visible_to_admins(app, factory, clock, login):
    app.config.update(WEBHOOK_URL="http://127.0.0.1:9/unreachable")
    factory.user(Role.SUPERVISOR)
    factory.ticket(S.TRIAGE)
    clock.set(bj(2026, 11, 30, 10))
    run_sweep(app)
    from app.supervision.notify import deliver_pending
    with app.app_context():
        first = deliver_pending(clock.now())
        again = deliver_pending(clock.now())  # backing off: not retried at once
        note = db.session.scalar(select(Notification).where(Notification.channel == "webhook"))
        assert first["failed"] >= 1 and again["failed"] == 0
        assert note.attempts == 1 and note.next_attempt_at > clock.now() and note.last_error
    clock.advance(minutes=5)
    with app.app_context():
        assert deliver_pending(clock.now())["failed"] >= 1
    page = login(app.test_client(), factory.user(Role.ADMIN)).get("/admin/outbox").get_data(as_text=True)
    assert "无法连接服务器" in page  # the failure in words, not the exception's text


def test_sla_cli_sweep(app, factory, clock):
    factory.ticket(S.TRIAGE)
    clock.set(bj(2026, 12, 15, 10))
    result = app.test_cli_runner().invoke(args=["sla", "sweep"])
    assert result.exit_code == 0 and "'recorded': 8" in result.output  # resolution and first reply, 4 levels each


def test_scheduler_jobs_never_drop_missed_runs(app):
    from app.supervision.scheduler import build_scheduler
    scheduler = build_scheduler(app)
    jobs = {j.id: j for j in scheduler.get_jobs()}
    assert set(jobs) == {"sla-sweep", "notify", "webhooks", "month-lines"}
    for job in jobs.values():
        assert job.misfire_grace_time is None and job.coalesce is True and job.max_instances == 1


def test_reopening_gives_resolution_a_fresh_budget(app, factory, clock, login):
    secretary = factory.user(Role.SECRETARY)
    ref = factory.ticket(S.RESOLVED, secretary=secretary)
    clock.set(bj(2026, 11, 25, 10))
    client = login(app.test_client(), secretary)
    client.post(f"/tickets/{ref.id}/actions/reopen", data={"version": factory.get_ticket(ref.id)["version"],
                                                            "reason": "企业反映仍未解决"})
    with app.app_context():
        resolution = db.session.scalars(select(TicketClock).where(
            TicketClock.ticket_id == ref.id, TicketClock.kind == "resolution").order_by(TicketClock.id)).all()
    assert len(resolution) == 2 and resolution[0].stopped_at is not None
    assert resolution[1].due_at == bj(2026, 12, 3) and resolution[1].level == "ok"


def test_urge_from_the_board_returns_to_the_board(app, factory, clock, login):
    supervisor = factory.user(Role.SUPERVISOR)
    ref = factory.ticket(S.TRIAGE)
    clock.set(bj(2026, 11, 30, 10))
    run_sweep(app)
    client = login(app.test_client(), supervisor)
    response = client.post(f"/tickets/{ref.id}/urge", data={"back": "board"})
    assert response.status_code == 303 and response.location.endswith("/board/overdue")
    assert "urged" in factory.get_ticket(ref.id)["events"]
