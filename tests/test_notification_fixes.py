"""Issue 16: after downtime a clock that jumped several levels sends one message for the level it stands at; the
bell counts what is new since the person last looked; the timeline's system texts follow the reader's language;
the outbox page speaks the admin's language (labels and sentences, no stored dicts)."""
import re
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.enums import EventKind, Role, TicketState as S
from app.extensions import db
from app.models import ClockLevelChange, Notification, Ticket, TicketEvent, User, WorkerHeartbeat
from app.supervision.sweep import sweep
from sla.calendar import SHANGHAI


def bj(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def run_sweep(app):
    with app.app_context():
        return sweep(app.extensions["jj_clock"].now())


def test_a_clock_that_jumped_every_level_sends_one_message_per_person(app, factory, clock):
    supervisor = factory.user(Role.SUPERVISOR)
    director = factory.user(Role.SUPERVISOR)
    with app.app_context():
        db.session.get(User, director.id).is_director = True
        db.session.commit()
    ref = factory.ticket(S.TRIAGE)  # accepted Monday 2026-11-16 09:00
    # Running in triage: first reply (1 working day: due 11-18 00:00, escalated 5 working days late, 11-25) and
    # resolution (5 working days: due 11-24 00:00, escalated 12-01). A sweep on 12-15 after weeks of downtime
    # finds both at 升级至主任, four levels each.
    clock.set(bj(2026, 12, 15, 10))
    run_sweep(app)
    with app.app_context():
        changes = db.session.scalars(select(ClockLevelChange).where(ClockLevelChange.ticket_id == ref.id)).all()
        events = db.session.scalar(select(func.count(TicketEvent.id)).where(
            TicketEvent.ticket_id == ref.id, TicketEvent.kind == EventKind.SLA_LEVEL.value))
        notes = db.session.execute(select(Notification.user_id, Notification.kind).where(
            Notification.ticket_id == ref.id, Notification.channel == "in_app")).all()
    # The history keeps every level: 2 clocks × 4 levels.
    assert len(changes) == 8 and events == 8
    # People: warning → the secretary; overdue → the secretary (no lead department yet); supervised → both
    # supervisors; escalated → the director. Each of the three hears once per clock, of the level it is at now:
    # 2 clocks × 3 people = 6 messages, all 升级至主任 (one per level would have been 2 × 5 = 10).
    assert sorted(notes) == sorted([(ref.secretary.id, "escalated"), (supervisor.id, "escalated"),
                                    (director.id, "escalated")] * 2)
    run_sweep(app)
    with app.app_context():  # a second sweep repeats nothing
        assert db.session.scalar(select(func.count(Notification.id)).where(
            Notification.ticket_id == ref.id, Notification.channel == "in_app")) == 6


def test_one_level_at_a_time_still_tells_each_level(app, factory, clock):
    ref = factory.ticket(S.TRIAGE)
    clock.set(bj(2026, 11, 17, 17))  # first reply at 75 % of its one working day (due 11-18 00:00): warning only
    run_sweep(app)
    clock.set(bj(2026, 11, 18, 9))  # past its due time: overdue, one level
    run_sweep(app)
    with app.app_context():
        kinds = db.session.scalars(select(Notification.kind).where(
            Notification.ticket_id == ref.id, Notification.user_id == ref.secretary.id)
            .order_by(Notification.id)).all()
    assert kinds == ["warning", "overdue"]


def _badge(client) -> int:
    html = client.get("/notifications/bell").get_data(as_text=True)
    found = re.search(r'rounded-pill text-bg-danger">(\d+)<', html)
    return int(found.group(1)) if found else 0


def _queue(app, person, title, now):
    with app.app_context():
        from app.supervision import notify
        notify.queue([db.session.get(User, person.id)], kind="urge", title=title, body="", now=now)
        db.session.commit()


def test_the_bell_counts_only_what_is_new_since_the_list_was_opened(app, factory, clock, login):
    secretary = factory.user(Role.SECRETARY)
    client = login(app.test_client(), secretary)
    _queue(app, secretary, "第一条", clock.now())
    _queue(app, secretary, "第二条", clock.now())
    assert _badge(client) == 2  # never looked: every unread message counts

    clock.advance(minutes=1)
    page = client.get("/notifications").get_data(as_text=True)
    assert page.count(">新</span>") == 2  # both arrived before this first look
    assert _badge(client) == 0  # looked: still unread, but not new

    clock.advance(minutes=1)
    _queue(app, secretary, "第三条", clock.now())
    assert _badge(client) == 1  # only the one after the look
    clock.advance(minutes=1)
    page = client.get("/notifications").get_data(as_text=True)
    assert page.count(">新</span>") == 1
    new_item = page[page.index(">新</span>"):][:200]
    assert "第三条" in new_item
    assert page.count("unread") >= 3  # the older ones stay unread, only not new
    assert _badge(client) == 0


def test_system_texts_follow_the_readers_language(app, factory, clock, login):
    ref = factory.ticket(S.TRIAGE)  # accepted through the real verb
    clock.set(bj(2026, 11, 18, 9))  # the first reply is overdue
    run_sweep(app)
    with app.app_context():
        from app.journal import record_event
        ticket = db.session.get(Ticket, ref.id)
        # A row written before system texts had codes: only its Chinese body.
        record_event(ticket, None, EventKind.NOTED, at=clock.now(), body="旧版系统文字：已转交。")
        db.session.commit()
    client = login(app.test_client(), ref.secretary)
    chinese = client.get(f"/tickets/{ref.id}").get_data(as_text=True)
    assert "您的诉求已受理，项目秘书将尽快答复。" in chinese and "首次答复时限已于 2026-11-17 24:00 到期，目前为“已超期”" in chinese

    client.post("/language", data={"lang": "en"})
    english = client.get(f"/tickets/{ref.id}").get_data(as_text=True)
    assert "Your request has been accepted; a project secretary will reply soon." in english
    assert "您的诉求已受理" not in english
    # The level change names its clock and level in English (the sentence around them is the lead's to
    # translate); the stored Chinese labels do not appear.
    assert "First reply" in english and "Overdue" in english and "首次答复时限" not in english
    assert "旧版系统文字：已转交。" in english  # old rows stay readable as written
    history = client.get(f"/tickets/{ref.id}/history").get_data(as_text=True)
    assert "Your request has been accepted; a project secretary will reply soon." in history


def test_the_outbox_page_speaks_in_labels(app, factory, clock, login):
    officer = factory.user(Role.OFFICER)
    now = clock.now()
    with app.app_context():
        user = db.session.get(User, officer.id)
        db.session.add_all([
            Notification(channel="webhook", address="https://qyapi.example/send?key=k", kind="overdue", title="【超期】A1",
                         body="", created_at=now, attempts=2, next_attempt_at=now + timedelta(minutes=4),
                         last_error="RuntimeError: webhook answered {'errcode': 93000, 'errmsg': 'invalid url'}"),
            Notification(channel="email", user_id=user.id, address="bad@zone.gov.cn", kind="urge", title="【催办】A2",
                         body="", created_at=now, attempts=12,
                         last_error="无法发送，不再重试：SMTPRecipientsRefused: {'bad@zone.gov.cn': (550, b'no user')}"),
            Notification(channel="email", user_id=user.id, address="x@zone.gov.cn", kind="supervise", title="A3",
                         body="", created_at=now, attempts=1, next_attempt_at=now,
                         last_error="ConnectionRefusedError: [Errno 111] Connection refused"),
            WorkerHeartbeat(name="notify", beat_at=now, detail="{'sent': 2, 'failed': 1}"),  # stored before
            WorkerHeartbeat(name="sla-sweep", beat_at=now, detail='{"checked": 5, "recorded": 3}'),
            WorkerHeartbeat(name="webhooks", beat_at=now, detail="{'delivered': 4, 'failed': 0}"),
            WorkerHeartbeat(name="month-lines", beat_at=now, detail="refreshed 2026-10,2026-09: 3 cases"),
        ])
        db.session.commit()
    client = login(app.test_client(), factory.user(Role.ADMIN))
    page = client.get("/admin/outbox").get_data(as_text=True)
    table = page[page.index("<table"):]
    assert "企业微信群拒收（错误码 93000）" in table and "失败重试中" in table
    assert "邮件服务器拒收；不再重试" in table and "已放弃" in table
    assert "无法连接服务器" in table
    assert "时限已超期" in table and "催办" in table and "督办" in table  # the kind of each message
    assert "企业微信群" in table and user_display(app, officer) in table  # who each is for
    assert "{" not in table and "errcode" not in table and "Errno" not in table
    assert "发出 2 条，失败 1 条" in page and "检查时限 5 个，级别变化 3 次" in page
    assert "'sent'" not in page and "checked" not in page
    assert "Webhook 推送" in page and "推送 4 条，失败 0 条" in page
    assert "<li>考评明细准备：" in page and "2026-10、2026-09 的考评明细已更新：3 件诉求有变化" in page
    assert "month-lines" not in page and "refreshed" not in page

    client.post("/language", data={"lang": "en"})
    english = client.get("/admin/outbox").get_data(as_text=True)
    table = english[english.index("<table"):]
    assert "Overdue" in table  # the kind's level in English
    assert "Lines of 2026-10, 2026-09 updated: 3 cases changed" in english  # the months listed the English way
    assert "{" not in table and "errcode" not in table


def user_display(app, person):
    with app.app_context():
        return db.session.get(User, person.id).display_name
