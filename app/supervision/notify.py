"""Who hears about a deadline, and the outbox that tells them: in-app, email over SMTP, WeChat Work webhook.

Messages are queued in the same transaction as the change they report. Email and webhook messages leave only
in working hours, except the calendar-hour clock's warnings and breaches to the person on duty (值班表), which
leave at once whatever the hour; and a failed delivery is retried with growing pauses; admins see what failed and why. A
message that can never leave (it cannot be built, or the mail server refuses it for good with a 5xx answer) is
marked failed once and not tried again; a passing trouble (server down, 4xx) keeps the back-off.
"""
import json
import smtplib
import urllib.request
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import func, or_, select

from app.deadlines.calendar import current_calendar
from app.enums import ClockKind, Role, SlaLevel
from app.extensions import db
from app.models import DutyShift, Notification, User
from app.text import one_line
from sla.calendar import SHANGHAI

MAX_ATTEMPTS = 12  # a message tried this often is given up (a permanent failure jumps straight here)
MAX_BACKOFF = timedelta(hours=6)
GIVEN_UP = "无法发送，不再重试"  # stored with the error: what the admin reads on the outbox page


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


def queue_level_change(ticket, clock, level: SlaLevel, *, title, body, now, people: People | None = None):
    """Tell people a clock reached a level: the usual recipients under the quiet hours, and for a calendar-hour
    clock's warning or breach the person on duty at once. Nobody on duty: the usual recipients alone, as ever."""
    people = people or People()
    duty = on_duty_for(clock, level, now, people)
    on_duty_ids = {u.id for u in duty}
    usual = [u for u in recipients(ticket, clock, level, people) if u.id not in on_duty_ids]
    rows = queue(usual, kind=level.value, title=title, body=body, ticket=ticket, now=now,
                 webhook=level.rank >= SlaLevel.OVERDUE.rank)
    if duty:
        rows += queue(duty, kind=level.value, title=title, body=body, ticket=ticket, now=now, immediate=True)
    return rows


def unread_count(user) -> int:
    """Unread in-app messages for the bell."""
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.channel == "in_app", Notification.read_at.is_(None)))


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


def build_email(note: Notification) -> EmailMessage:
    """The message for one email; the Subject is the title on one line (a title stored with a line break before
    one-line fields refused it must still mail). Anything that cannot be built never will be: PermanentFailure."""
    try:
        msg = EmailMessage()
        msg["Subject"] = one_line(note.title)
        msg["From"] = current_app.config["MAIL_FROM"]
        msg["To"] = note.address
        msg.set_content(note.body)
        return msg
    except Exception as exc:  # noqa: BLE001 (ValueError, HeaderParseError …: the same on every try)
        raise PermanentFailure(f"{type(exc).__name__}: {exc}") from exc


def is_permanent(exc: Exception) -> bool:
    """Whether a failed delivery would fail the same way every time.

    The message itself is refused for good: it cannot be built, every recipient answered 5xx, or the server
    answered 5xx to its content. Server settings (login, sender, TLS) and 4xx answers pass once an admin or
    the server fixes them, so they are retried."""
    if isinstance(exc, PermanentFailure):
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
    content = f"{one_line(note.title)}\n{note.body}"
    payload = json.dumps({"msgtype": "text", "text": {"content": content}}).encode()
    request = urllib.request.Request(note.address, data=payload, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (admin-configured URL)
        answer = json.loads(response.read() or b"{}")
    if answer.get("errcode", 0) != 0:
        raise RuntimeError(f"webhook answered {answer}")


SENDERS = {"email": send_email, "webhook": send_webhook}


def deliver_pending(now: datetime, limit: int = 200) -> dict:
    """Send queued email and webhook messages that are due, in working hours only (the duty roster's immediate
    ones at any hour); failures back off, and a message that can never be sent is given up at once (its error
    stays for the outbox page)."""
    quiet = not in_working_hours(now)
    query = select(Notification).where(
        Notification.channel.in_(list(SENDERS)), Notification.sent_at.is_(None),
        Notification.attempts < MAX_ATTEMPTS,
        or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now))
    if quiet:
        query = query.where(Notification.immediate.is_(True))
    due = db.session.scalars(query.order_by(Notification.id).limit(limit)).all()
    db.session.commit()  # release the read; each send commits on its own so a crash never resends the sent
    sent = failed = 0
    for note in due:
        try:
            SENDERS[note.channel](note)
        except Exception as exc:  # noqa: BLE001 (any failure is recorded; retried unless it is permanent)
            note.attempts += 1
            error = str(exc) if isinstance(exc, PermanentFailure) else f"{type(exc).__name__}: {exc}"
            if is_permanent(exc):
                note.attempts = max(note.attempts, MAX_ATTEMPTS)  # out of the queue: never tried again
                note.next_attempt_at = None
                note.last_error = f"{GIVEN_UP}：{error}"[:500]
            else:
                note.last_error = error[:500]
                note.next_attempt_at = now + min(timedelta(minutes=2 ** note.attempts), MAX_BACKOFF)
            failed += 1
        else:
            note.attempts += 1
            note.sent_at = now
            note.last_error = ""
            sent += 1
        db.session.commit()
    return {"sent": sent, "failed": failed, **({"waiting": "outside working hours"} if quiet else {})}
