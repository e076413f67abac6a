"""The event journal: every change to a ticket is one append-only TicketEvent, written in the same unit of
work as the change itself, and `commit` ends that unit of work. Every package that changes a ticket (the
workflow, deadlines supervision, meetings, the assessment) writes through here; it sits below all of them."""
import json

from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from app.attachments import discard_files
from app.enums import EventKind
from app.errors import EditConflict
from app.extensions import db
from app.models import EnterpriseEvent, TicketEvent
from app.webhooks import outbox as webhook_outbox

ENTERPRISE_ACTOR = "企业"  # the actor name of what the enterprise did on its tracking page
PLATFORM_ACTOR = "12345 平台"  # the actor name of what the 12345 platform sent


def record_event(ticket, actor, kind: EventKind, *, at, from_state=None, to_state=None, body="", data=None,
                 public=False, actor_name=None, text=None, webhook_type=None):
    """Append one event to the ticket's history (never updated or deleted afterwards), stamped `at` the one
    moment of the unit of work that wrote it (the same moment as its notifications and clock changes). Its
    webhook deliveries are written when the unit of work commits (app/webhooks/outbox.py); `webhook_type` names
    the type when the kind alone does not tell it (a clock reaching 超期).

    `text`: a system text as a code and its parameters (`display.system_text` gives both it and the Chinese
    `body`), kept in the event's data so that pages render it in the reader's language."""
    if text is not None:
        data = {**(data or {}), "_text": text}
    event = TicketEvent(ticket=ticket, at=at, actor_id=actor.id if actor else None,
                        actor_name=actor_name or (actor.display_name if actor else ENTERPRISE_ACTOR),
                        kind=kind.value, from_state=from_state, to_state=to_state, body=body or "",
                        data=json.dumps(data or {}, ensure_ascii=False, default=str), is_public=public)
    db.session.add(event)
    webhook_outbox.track(event, webhook_type)
    return event


def record_enterprise_event(enterprise, actor, kind: str, changes: dict, *, at):
    """Append one entry to an enterprise's history: who changed what (field key → [before, after]) and when.
    The enterprise must have an id (flushed)."""
    event = EnterpriseEvent(enterprise_id=enterprise.id, at=at, actor_id=actor.id if actor else None,
                            actor_name=actor.display_name if actor else ENTERPRISE_ACTOR, kind=kind,
                            changes=json.dumps(changes, ensure_ascii=False, default=str))
    db.session.add(event)
    return event


def commit(files=()):
    """Commit the unit of work; a concurrent save becomes a conflict, and stored files are removed."""
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        discard_files(files)
        raise EditConflict(_("此诉求刚被其他人修改，您的操作未保存。请刷新后重试。")) from exc
    except Exception:
        db.session.rollback()
        discard_files(files)
        raise
