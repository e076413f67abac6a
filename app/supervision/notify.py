"""Who hears about a deadline, and the outbox that tells them: in-app, email over SMTP, WeChat Work webhook,
and the enterprise's SMS (through the gateway in app/messaging/sms.py) and email.

Messages are queued in the same transaction as the change they report. Staff email and webhook messages leave
only in working hours, except the calendar-hour clock's warnings and breaches to the person on duty (值班表), which
leave at once whatever the hour. Messages to enterprises keep their own hours, 08:00–21:00 Beijing every day
(weekends included; no SMS at night), and one not sent within ENTERPRISE_MESSAGE_TTL_HOURS is given up. A failed
delivery is retried with growing pauses; admins see what failed and why. A message that can never leave (it
cannot be built, the mail server refuses it for good with a 5xx answer, the SMS gateway refuses it) is marked
failed once and not tried again; a passing trouble (server down, 4xx) keeps the back-off. A message is marked
sent, and committed, right after it leaves: it never goes twice.
"""
import json
import smtplib
import urllib.request
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.exc import OperationalError

from app.deadlines.calendar import current_calendar
from app.enums import ClockKind, Role, SlaLevel
from app.extensions import db
from app.messaging import sms, texts
from app.messaging.links import LINK_PLACEHOLDER
from app.models import DutyShift, Notification, User
from app.text import one_line
from sla.calendar import SHANGHAI

MAX_ATTEMPTS = 12  # a message tried this often is given up (a permanent failure jumps straight here)
MAX_BACKOFF = timedelta(hours=6)
GIVEN_UP = "无法发送，不再重试"  # stored with the error: what the admin reads on the outbox page
NO_GATEWAY = "未配置短信网关"  # an SMS waiting because no gateway is set (outbox page, the case's messages)
EXPIRED = "超过有效期仍未发出，不再发送"


class PermanentFailure(Exception):
    """This message can never be delivered as it is: retrying would fail the same way."""


class People:
    """Looks up who to tell, remembering answers for the length of one sweep or request."""

    def __init__(self):
        self._memo = {}

    def _users(self, key, *conditions):
        if key not in self._memo:
            self._memo[key] = db.session.scalars(
                select(User).where(User.is_active_account.is_(True), *conditions).order_by(User.id)).all()
        return self._memo[key]

    def officers(self, department_id):
        return self._users(("officers", department_id), User.role == Role.OFFICER.value,
                           User.department_id == department_id)

    def user(self, user_id):
        return self._users(("user", user_id), User.id == user_id)

    def secretaries(self):
        return self._users("secretaries", User.role == Role.SECRETARY.value)

    def supervisors(self):
        return self._users("supervisors", User.role == Role.SUPERVISOR.value)

    def on_duty(self, day: date):
        return self._users(("on_duty", day), User.id.in_(select(DutyShift.user_id).where(DutyShift.day == day)))


def owners(ticket, clock, people: People | None = None):
    """Whoever holds the clock: the department for a sign-off, otherwise the responsible secretary."""
    people = people or People()
    if clock.kind == ClockKind.SIGN_OFF.value and clock.assignment is not None:
        return people.officers(clock.assignment.department_id)
    if clock.kind == ClockKind.ACTION_ITEM.value and clock.action_item is not None:
        item = clock.action_item
        if item.owner_department_id:
            return people.officers(item.owner_department_id)
        if item.owner_user_id:
            return people.user(item.owner_user_id)
    secretary_id = ticket.secretary_id or ticket.enterprise.secretary_id
    return people.user(secretary_id) if secretary_id else people.secretaries()


def with_lead_department(ticket, users, people: People) -> list:
    """`users` and the officers of the ticket's lead department, each once."""
    found = {u.id: u for u in users}
    lead = ticket.lead_assignment
    if lead is not None:
        found.update({u.id: u for u in people.officers(lead.department_id)})
    return list(found.values())


def people_on(ticket, people: People | None = None) -> list:
    """Who holds a case now, for urging and supervising: the owners of its running clocks (or of its last one)
    and the officers of the lead department."""
    people = people or People()
    holders = [u for clock in [c for c in ticket.clocks if c.running] or ticket.clocks[-1:]
               for u in owners(ticket, clock, people)]
    return with_lead_department(ticket, holders, people)


def officers_of(department_ids, people: People | None = None) -> list:
    """The active officers of these departments (meeting invitations, action items)."""
    people = people or People()
    return [u for d in dict.fromkeys(department_ids) for u in people.officers(d)]


def recipients(ticket, clock, level: SlaLevel, people: People | None = None):
    """Warning: the owner. Overdue: owner and the lead department. Supervised: supervisors. Escalated: the
    director (supervisors flagged 中心主任), or every supervisor when none is flagged."""
    people = people or People()
    if level is SlaLevel.WARNING:
        return owners(ticket, clock, people)
    if level is SlaLevel.OVERDUE:
        return with_lead_department(ticket, owners(ticket, clock, people), people)
    supervisors = people.supervisors()
    if level is SlaLevel.ESCALATED:
        return [u for u in supervisors if u.is_director] or supervisors
    return supervisors


ROUND_THE_CLOCK_UNITS = ("hours",)  # "24 小时不打烊": calendar hours, nights and weekends included
ROUND_THE_CLOCK_LEVELS = (SlaLevel.WARNING, SlaLevel.OVERDUE)


def duty_day(now: datetime) -> date:
    """The roster date that covers a moment: its date in Beijing (a shift runs 00:00–24:00 Beijing time)."""
    return now.astimezone(SHANGHAI).date()


def on_duty_for(clock, level: SlaLevel, now: datetime, people: People | None = None) -> list:
    """Who must hear of this level change at once: the people on duty today for a calendar-hour clock's warning
    or breach; nobody for other clocks and levels (they keep the quiet hours)."""
    if clock.unit not in ROUND_THE_CLOCK_UNITS or level not in ROUND_THE_CLOCK_LEVELS:
        return []
    return (people or People()).on_duty(duty_day(now))


def queue_level_change(ticket, clock, level: SlaLevel, *, title, body, now, people: People | None = None,
                       passed=()):
    """Tell people a clock reached a level: the usual recipients under the quiet hours, and for a calendar-hour
    clock's warning or breach the person on duty at once. Nobody on duty: the usual recipients alone, as ever.

    `passed`: the lower levels the clock went through at the same sweep (after downtime it may jump from 正常
    straight to 督办): their recipients hear of it too, but each person gets one message, for `level`."""
    people = people or People()
    levels = [*passed, level]
    duty = list({u.id: u for lv in levels for u in on_duty_for(clock, lv, now, people)}.values())
    on_duty_ids = {u.id for u in duty}
    usual = list({u.id: u for lv in levels for u in recipients(ticket, clock, lv, people)
                  if u.id not in on_duty_ids}.values())
    rows = queue(usual, kind=level.value, title=title, body=body, ticket=ticket, now=now,
                 webhook=level.rank >= SlaLevel.OVERDUE.rank)
    if duty:
        rows += queue(duty, kind=level.value, title=title, body=body, ticket=ticket, now=now, immediate=True)
    return rows


def unread_count(user) -> int:
    """The bell's badge: unread in-app messages that arrived since the person last opened their list."""
    return db.session.scalar(unread_count_query(user))


def unread_count_query(user):
    """The bell's count as a select(), for the menu's one statement (app/menu.py)."""
    query = select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.channel == "in_app", Notification.read_at.is_(None))
    if user.notifications_seen_at is not None:
        query = query.where(Notification.created_at > user.notifications_seen_at)
    return query


def is_new(note, seen_before) -> bool:
    """Whether a message arrived, unread, after the person's previous look at the list."""
    return note.read_at is None and (seen_before is None or note.created_at > seen_before)


def mark_list_seen(user, now) -> None:
    """Remember that the person looked at their messages now: the bell counts only what comes after. Best
    effort: a busy database leaves the previous time (the badge then stays as it was), never an error page."""
    try:
        db.session.execute(User.__table__.update().where(User.id == user.id).values(notifications_seen_at=now))
        db.session.commit()
    except OperationalError:
        db.session.rollback()


def queue(users, *, kind, title, body, ticket=None, now, webhook=False, immediate=False):
    """Queue one in-app message per person, an email for those with an address, and the group webhook;
    `immediate` emails leave whatever the hour (the duty roster's)."""
    title = one_line(title)[:200]
    rows = [Notification(channel="in_app", user_id=u.id, ticket=ticket, kind=kind, title=title, body=body,
                         created_at=now, immediate=immediate) for u in users]
    if current_app.config.get("MAIL_SERVER"):
        rows += [Notification(channel="email", user_id=u.id, address=u.email, ticket=ticket, kind=kind,
                              title=title, body=body, created_at=now, next_attempt_at=now, immediate=immediate)
                 for u in users if u.email]
    url = current_app.config.get("WEBHOOK_URL")
    if webhook and url:
        rows.append(Notification(channel="webhook", address=url, ticket=ticket, kind=kind, title=title, body=body,
                                 created_at=now, next_attempt_at=now))
    db.session.add_all(rows)
    return rows


def in_working_hours(now: datetime) -> bool:
    """Whether email and webhooks may go out now: a working day, between the configured hours (Beijing)."""
    local = now.astimezone(SHANGHAI)
    opens, closes = (time.fromisoformat(t) for t in current_app.config["NOTIFY_HOURS"].split("-"))
    return current_calendar().is_workday(local.date()) and opens <= local.time() < closes


def in_enterprise_hours(now: datetime) -> bool:
    """Whether messages to enterprises may go out now: between the configured hours (Beijing), any day."""
    local = now.astimezone(SHANGHAI)
    opens, closes = (time.fromisoformat(t) for t in current_app.config["ENTERPRISE_NOTIFY_HOURS"].split("-"))
    return opens <= local.time() < closes


def for_enterprise():
    """The SQL condition of a message that keeps the enterprise's hours: every SMS, every email to a company."""
    return or_(Notification.channel == "sms", Notification.enterprise_id.is_not(None))


def build_email(note: Notification) -> EmailMessage:
    """The message for one email; the Subject is the title on one line (a title stored with a line break before
    one-line fields refused it must still mail). Anything that cannot be built never will be: PermanentFailure."""
    try:
        msg = EmailMessage()
        msg["Subject"] = one_line(note.title)
        msg["From"] = current_app.config["MAIL_FROM"]
        msg["To"] = note.address
        msg.set_content(outgoing(note))
        return msg
    except Exception as exc:  # noqa: BLE001 (ValueError, HeaderParseError …: the same on every try)
        raise PermanentFailure(f"{type(exc).__name__}: {exc}") from exc


def is_permanent(exc: Exception) -> bool:
    """Whether a failed delivery would fail the same way every time.

    The message itself is refused for good: it cannot be built, every recipient answered 5xx, or the server
    answered 5xx to its content. Server settings (login, sender, TLS) and 4xx answers pass once an admin or
    the server fixes them, so they are retried."""
    if isinstance(exc, (PermanentFailure, sms.SmsRefused)):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(500 <= code < 600 for code, _msg in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPDataError):
        return 500 <= exc.smtp_code < 600
    return False


def send_email(note: Notification) -> None:
    """Deliver one email through the configured SMTP server."""
    cfg = current_app.config
    msg = build_email(note)
    with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=10) as smtp:
        if cfg.get("MAIL_USE_TLS"):
            smtp.starttls()
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        smtp.send_message(msg)


def send_webhook(note: Notification) -> None:
    """Post one message in the WeChat Work group-robot format; anything but errcode 0 is a failure."""
    content = f"{one_line(note.title)}\n{outgoing(note)}"
    payload = json.dumps({"msgtype": "text", "text": {"content": content}}).encode()
    request = urllib.request.Request(note.address, data=payload, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (admin-configured URL)
        answer = json.loads(response.read() or b"{}")
    if answer.get("errcode", 0) != 0:
        raise RuntimeError(f"webhook answered {answer}")


def send_sms(note: Notification) -> str:
    """Deliver one SMS through the configured gateway; the gateway's message id."""
    gateway = sms.configured_gateway(current_app.config)
    if gateway is None:
        raise sms.SmsNotSent(NO_GATEWAY)
    return gateway.send(note.address, outgoing(note), request_id=f"jj-{note.id}")


SENDERS = {"email": send_email, "webhook": send_webhook, "sms": send_sms}


def _give_up(note: Notification, reason: str) -> None:
    note.attempts = max(note.attempts, MAX_ATTEMPTS)  # out of the queue: never tried again
    note.next_attempt_at = None
    note.last_error = f"{GIVEN_UP}：{reason}"[:500]


def _attempt(note: Notification, now: datetime, *, retry: bool = True) -> bool:
    """Try one message once and record the outcome on its row (not committed): sent, backing off, or given up
    (a permanent failure, or any failure when `retry` is off). Whether it went."""
    given = getattr(note, "outgoing_text", None)
    try:
        return _try(note, now, retry)
    finally:
        note.outgoing_text = given  # this try's link never outlives it


def _try(note: Notification, now: datetime, retry: bool) -> bool:
    savepoint = db.session.begin_nested()
    try:
        if note.enterprise_id and note.ticket_id and LINK_PLACEHOLDER in outgoing(note):
            note.outgoing_text = outgoing(note).replace(LINK_PLACEHOLDER, _mint_link(note, now))
        answer = SENDERS[note.channel](note)
        savepoint.commit()
    except Exception as exc:  # noqa: BLE001 (any failure is recorded; retried unless it is permanent)
        if savepoint.is_active:
            savepoint.rollback()  # a link minted for a message that did not leave never existed
        note.attempts += 1
        error = str(exc) if isinstance(exc, (PermanentFailure, sms.SmsRefused, sms.SmsNotSent)) \
            else f"{type(exc).__name__}: {exc}"
        if is_permanent(exc) or not retry:
            _give_up(note, error)
        else:
            note.last_error = error[:500]
            note.next_attempt_at = now + min(timedelta(minutes=2 ** note.attempts), MAX_BACKOFF)
        return False
    note.attempts += 1
    note.sent_at = now
    note.last_error = ""
    if isinstance(answer, str):
        note.external_id = answer[:100]
    return True


def outgoing(note: Notification) -> str:
    """The text a message leaves with: its stored body, unless this try carries more (the personal link, a
    sign-in code) in the transient `outgoing_text`, which is never written to the database."""
    return getattr(note, "outgoing_text", None) or note.body


def _mint_link(note: Notification, now: datetime) -> str:
    """The personal tracking link of the message's case for this try (the same token on every try of the one
    message); staged in the try's savepoint, so a try that fails leaves no link."""
    from app.tickets.links import message_token, personal_link  # the links module reaches back into the outbox
    return personal_link(note.ticket, now=now, token=message_token(note.id))


def deliver_pending(now: datetime, limit: int = 200) -> dict:
    """Send queued email, webhook and SMS messages that are due: staff ones in working hours, enterprises' ones
    in the enterprise hours (the duty roster's and other immediate ones at any hour). SMS wait while no gateway
    is configured. Failures back off, a message that can never be sent is given up at once, and an enterprise's
    message past its time to live is given up unsent (each error stays for the outbox page)."""
    quiet = not in_working_hours(now)
    windows = [Notification.immediate.is_(True)]
    if not quiet:
        windows.append(~for_enterprise())
    if in_enterprise_hours(now):
        windows.append(for_enterprise())
    channels = [c for c in SENDERS if c != "sms" or sms.configured_gateway(current_app.config)]
    query = select(Notification).where(
        Notification.channel.in_(channels), Notification.sent_at.is_(None),
        Notification.attempts < MAX_ATTEMPTS,
        or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now), or_(*windows))
    due = db.session.scalars(query.order_by(Notification.id).limit(limit)).all()
    db.session.commit()  # release the read; each send commits on its own so a crash never resends the sent
    ttl = timedelta(hours=current_app.config["ENTERPRISE_MESSAGE_TTL_HOURS"])
    sent = failed = expired = 0
    for note in due:
        if (note.channel == "sms" or note.enterprise_id) and not note.immediate and now - note.created_at > ttl:
            _give_up(note, EXPIRED)
            expired += 1
        elif _attempt(note, now):
            sent += 1
        else:
            failed += 1
        db.session.commit()
    return {"sent": sent, "failed": failed, **({"expired": expired} if expired else {}),
            **({"waiting": "outside working hours"} if quiet else {})}


def send_sms_now(mobile: str, text: str, *, kind: str, now: datetime, enterprise_id: int | None = None,
                 title: str = "", keep: str | None = None) -> Notification:
    """Send one transactional SMS at once, at any hour and whatever the company's SMS opt-out: a one-time sign-in
    code the person has just asked for. The signature is added; the row goes into the outbox (so admins and the
    case see it) and is committed before the gateway is called and again with the outcome. It is tried once:
    a failure (or no gateway configured) gives it up at once, since a late code is no use (the person asks for a
    new one). `keep`: what the outbox stores instead of the text (a sign-in code must never rest in the database,
    where admins read the outbox); the gateway still gets `text`. Returns the row: `sent_at` is set when it went,
    `last_error` says why not."""
    config = current_app.config
    stored = sms.signed(text if keep is None else keep, config)
    note = Notification(channel="sms", address=mobile, enterprise_id=enterprise_id, kind=kind,
                        title=one_line(title or kind)[:200], body=stored, created_at=now, immediate=True,
                        next_attempt_at=now + timedelta(minutes=10))  # a lease: the sweep keeps off it meanwhile
    db.session.add(note)
    db.session.commit()
    if sms.configured_gateway(config) is None:
        note.attempts += 1
        _give_up(note, NO_GATEWAY)
    else:
        note.outgoing_text = sms.signed(text, config)  # for this one try only: never on the row
        try:
            _attempt(note, now, retry=False)
        finally:
            note.outgoing_text = None
    db.session.commit()
    return note


def delivery_state(note: Notification) -> tuple[str, str]:
    """A message's delivery as staff read it: (state, badge colour); 待发送, 已发送, 失败重试中 or 已放弃."""
    if note.sent_at is not None:
        return _("已发送"), "success"
    if note.attempts >= MAX_ATTEMPTS:
        return _("已放弃"), "danger"
    if note.attempts > 0:
        return _("失败重试中"), "warning"
    return _("待发送"), "secondary"


def enterprise_messages(ticket) -> list:
    """The messages to the enterprise about a case, oldest first, each with its delivery state."""
    rows = db.session.scalars(select(Notification).where(
        Notification.ticket_id == ticket.id, Notification.enterprise_id.is_not(None))
        .order_by(Notification.id).limit(200)).all()
    gateway = sms.configured_gateway(current_app.config) is not None
    channels = {"sms": _("短信"), "email": _("邮件")}
    return [{"note": n, "state": delivery_state(n), "channel": channels.get(n.channel, n.channel),
             "kind": texts.KINDS[n.kind].label if n.kind in texts.KINDS else n.kind,
             "waiting_for_gateway": n.channel == "sms" and n.sent_at is None and n.attempts == 0 and not gateway}
            for n in rows]
