"""Telling the enterprise: one queueing function per event of its case. Each writes the enterprise's SMS and
email into the outbox (app/supervision/notify.py delivers them, 08:00–21:00 Beijing every day) in the same unit
of work as the change it reports, so a refused or rolled-back change tells nobody; none commits.

Who hears: the contact who gave the case (its mobile and email), or else the company's verified contact. No SMS
is queued for a company that opted out (email still goes); no email without a mail server.
"""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.messaging import sms, texts
from app.messaging.links import enterprise_link
from app.models import Enterprise, Notification, User
from app.validators import is_valid_mobile
from sla.calendar import SHANGHAI

# The deadlines an enterprise is told about when they move: the one it waits for, the case's resolution.
ENTERPRISE_VISIBLE_CLOCKS = ("resolution",)
TITLE_CHARS = 20  # {title} in a message: its first 20 characters, an SMS has no room for more


def case_mobile(ticket) -> str:
    """The mobile the case's messages go to: its contact's, or the company's verified contact's."""
    enterprise = ticket.enterprise
    for mobile in (ticket.contact_mobile, enterprise.mobile if enterprise.contact_verified else ""):
        if is_valid_mobile(mobile):
            return mobile.strip()
    return ""


def case_email(ticket) -> str:
    """The email address the case's messages go to: its contact's, or the company's verified contact's."""
    enterprise = ticket.enterprise
    return _email(ticket.contact_email) or (_email(enterprise.email) if enterprise.contact_verified else "")


def _email(address) -> str:
    address = (address or "").strip()
    return address if "@" in address and not any(c.isspace() for c in address) else ""


def day_text(moment: datetime, now: datetime) -> str:
    """A day as a message writes it: 12月3日, with the year when it is not this year's (Beijing)."""
    day, today = moment.astimezone(SHANGHAI).date(), now.astimezone(SHANGHAI).date()
    return f"{day.month}月{day.day}日" if day.year == today.year else f"{day.year}年{day.month}月{day.day}日"


def last_day_text(due_at: datetime, now: datetime) -> str:
    """The last day of a deadline that ends at midnight (the end of its last working day)."""
    return day_text(due_at - timedelta(microseconds=1), now)


def _secretary_name(ticket=None, enterprise=None) -> str:
    user_id = (ticket.secretary_id if ticket is not None else None) or (enterprise or ticket.enterprise).secretary_id
    user = db.session.get(User, user_id) if user_id else None
    return user.display_name if user else ""


def case_values(ticket, **extra) -> dict:
    """The placeholders' values for a message about a case."""
    title = ticket.title or ""
    return {"number": ticket.number, "title": title if len(title) <= TITLE_CHARS else title[:TITLE_CHARS] + "…",
            "link": enterprise_link(ticket), "secretary": _secretary_name(ticket),
            "enterprise": ticket.enterprise.name, **extra}


def queue_message(key, *, enterprise, values, now, mobile="", email="", ticket=None, dedupe=None) -> list:
    """Queue one message of a kind to an enterprise, rendered now with the current wording: an SMS to `mobile`
    (unless the company opted out) and an email to `email` (when a mail server is set). `dedupe` names a
    message that must exist once only: an address that already has it gets nothing new. Not committed."""
    kind = texts.KINDS[key]
    subject, text, _overridden = texts.current(kind)
    subject, text = texts.render(subject, values)[:200], texts.render(text, values)
    config = current_app.config
    wanted = []
    if mobile and not enterprise.sms_opt_out:
        wanted.append(("sms", mobile, sms.signed(text, config)))
    if email and config.get("MAIL_SERVER"):
        wanted.append(("email", email, texts.email_body(text, config)))
    rows = []
    for channel, address, body in wanted:
        key_text = f"{dedupe}:{channel}:{address}"[:200] if dedupe else None
        if key_text and db.session.scalar(select(Notification.id).where(Notification.dedupe_key == key_text)):
            continue
        rows.append(Notification(channel=channel, address=address, enterprise_id=enterprise.id, ticket=ticket,
                                 kind=key, title=subject, body=body, created_at=now, next_attempt_at=now,
                                 dedupe_key=key_text))
    db.session.add_all(rows)
    return rows


def _about_case(key, ticket, now, *, channels=("sms", "email"), **extra) -> list:
    return queue_message(key, enterprise=ticket.enterprise, ticket=ticket, values=case_values(ticket, **extra),
                         now=now, mobile=case_mobile(ticket) if "sms" in channels else "",
                         email=case_email(ticket) if "email" in channels else "")


def accepted(ticket, now) -> list:
    """受理: the case is taken on; who its secretary is, and the link."""
    return _about_case("accepted", ticket, now)


def first_reply(ticket, now) -> list:
    """首次答复: the first public answer is on the tracking page."""
    return _about_case("first_reply", ticket, now)


def meeting_arranged(ticket, starts_at: datetime, now) -> list:
    """安排会办: a meeting is arranged for the case, on this day (neither subject nor place: they are internal)."""
    return _about_case("meeting_arranged", ticket, now, date=day_text(starts_at, now))


def meeting_concluded(ticket, now) -> list:
    """会办结论: the meeting's conclusion for this case can be read on the tracking page."""
    return _about_case("meeting_concluded", ticket, now)


def resolved(ticket, now) -> list:
    """办结: the outcome is recorded; please confirm and rate."""
    return _about_case("resolved", ticket, now)


def reopened(ticket, now) -> list:
    """重办: the case is being worked on again."""
    return _about_case("reopened", ticket, now)


def deadline_changed(ticket, clock, now) -> list:
    """办结时限延期: an approved extension moved a deadline the enterprise waits for (others tell nobody)."""
    if clock.kind not in ENTERPRISE_VISIBLE_CLOCKS or clock.due_at is None:
        return []
    return _about_case("deadline_changed", ticket, now, date=last_day_text(clock.due_at, now))


def tracking_link(ticket, now) -> list:
    """查询链接: the link of a case recorded offline, by SMS to the case's mobile (the secretary's button)."""
    return _about_case("tracking_link", ticket, now, channels=("sms",))


def merged(ticket, now) -> list:
    """并单: the case is handled together with another one reporting the same problem (which is not named: it may
    be another company's). Sent to both cases' enterprises, each about its own case and link."""
    return _about_case("merged", ticket, now)


def unmerged(ticket, now) -> list:
    """撤销并单: the duplicate is handled on its own again."""
    return _about_case("unmerged", ticket, now)


def evaluation_invitation(enterprise: Enterprise, year: int, month: int, link: str, now) -> list:
    """月度评价邀请: the month's evaluation link to the company's verified contact, once per month and address."""
    if not enterprise.contact_verified:
        return []
    values = {"enterprise": enterprise.name, "month": f"{year}年{month}月", "link": link,
              "secretary": _secretary_name(enterprise=enterprise)}
    mobile = enterprise.mobile.strip() if is_valid_mobile(enterprise.mobile) else ""
    return queue_message("evaluation", enterprise=enterprise, values=values, now=now, mobile=mobile,
                         email=_email(enterprise.email), dedupe=f"evaluation:{year:04d}-{month:02d}:{enterprise.id}")
