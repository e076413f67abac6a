"""Creating tickets: from the public form, or recorded by a secretary from an offline channel."""
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.attachments import discard_files, store_uploads
from app.timesource import utcnow
from app.enums import Channel, EventKind, TicketState as S
from app.extensions import db
from app.models import Enterprise, Project, Ticket
from app.tickets.codes import access_code_for, code_hash, digest, new_submission_key, tracking_number
from app.deadlines.engine import reconcile
from app.display import system_text
from app.journal import record_event
from app.tickets.links import add_receipt_link
from app.tickets.services import save
from app.validators import normalize_credit_code


def find_or_create_enterprise(name, credit_code, contact_name="", mobile="", *, now=None, email=""):
    """The enterprise with this credit code, or a new one; a known enterprise keeps its record (an anonymous form
    never changes a known company's contact or email)."""
    code = normalize_credit_code(credit_code) or None
    enterprise = None
    if code:
        enterprise = db.session.scalar(select(Enterprise).where(Enterprise.credit_code == code))
    if enterprise is None:
        enterprise = Enterprise(name=name, credit_code=code, contact_name=contact_name, mobile=mobile,
                                email=email or "", created_at=now or utcnow())
        try:
            # A savepoint: two first submissions of the same company at once must both succeed.
            with db.session.begin_nested():
                db.session.add(enterprise)
        except IntegrityError:
            enterprise = db.session.scalar(select(Enterprise).where(Enterprise.credit_code == code))
    return enterprise


def offline_enterprise(enterprise_id, name, credit_code, contact_name, mobile, *, now=None, email=""):
    """The enterprise an offline case is recorded for: the one chosen from the list, or else the one with this
    credit code, or else a new one with the name, code and contact given."""
    if enterprise_id:
        return db.session.get(Enterprise, int(enterprise_id))
    return find_or_create_enterprise(name, credit_code, contact_name, mobile, now=now, email=email)


def project_by_id(project_id):
    """The project an offline case is linked to, if one was chosen."""
    return db.session.get(Project, int(project_id)) if project_id else None


def _new_ticket(enterprise, *, channel, state, data, key, now):
    ticket = Ticket(enterprise=enterprise, secretary_id=enterprise.secretary_id, channel=channel.value,
                    state=state.value, title=data["title"], description=data["description"],
                    category_id=data["category_id"], urgency=data["urgency"],
                    contact_name=data["contact_name"], contact_mobile=data["mobile"],
                    contact_email=data.get("email") or "",
                    access_code_hash=code_hash(access_code_for(key)), submission_key_hash=digest(key),
                    created_at=now, updated_at=now,
                    # A new case has none of these yet: saying so spares a lazy SELECT of each on the first read.
                    clocks=[], action_items=[], assignments=[], ratings=[], meetings=[])
    db.session.add(ticket)
    db.session.flush()  # the id makes the tracking number
    ticket.number = tracking_number(ticket)
    return ticket


def submit_public_ticket(data: dict, uploads, submission_key: str):
    """Create a ticket from the public form once per form; returns (ticket, access code, created?)."""
    key_hash = digest(submission_key)
    existing = db.session.scalar(select(Ticket).where(Ticket.submission_key_hash == key_hash))
    if existing is not None:
        return existing, access_code_for(submission_key), False
    rows = []
    try:
        now = utcnow()  # one moment for the whole unit of work
        enterprise = find_or_create_enterprise(data["enterprise_name"], data["credit_code"], data["contact_name"],
                                               data["mobile"], now=now, email=data.get("email") or "")
        ticket = _new_ticket(enterprise, channel=Channel.WEB, state=S.INTAKE, data=data, key=submission_key, now=now)
        add_receipt_link(ticket, submission_key, now)
        event = record_event(ticket, None, EventKind.CREATED, at=now, to_state=S.INTAKE.value, public=True,
                             **system_text("submitted"))
        rows = store_uploads(ticket, uploads, event=event, public=True)
        db.session.add_all(rows)
        reconcile(ticket, now)
        db.session.commit()
    except IntegrityError:
        # The same form won a race in another worker (its key is unique): answer with that ticket.
        db.session.rollback()
        discard_files(rows)
        existing = db.session.scalar(select(Ticket).where(Ticket.submission_key_hash == key_hash))
        if existing is None:
            raise
        return existing, access_code_for(submission_key), False
    return ticket, access_code_for(submission_key), True


def record_offline_ticket(actor, enterprise, data: dict, uploads, *, channel: Channel, visit=None, project=None):
    """A secretary records a problem from a visit, call or forum; it starts accepted, in triage."""
    key = new_submission_key()
    now = utcnow()  # one moment for the whole unit of work
    ticket = _new_ticket(enterprise, channel=channel, state=S.TRIAGE, data=data, key=key, now=now)
    ticket.visit = visit
    ticket.project = project
    ticket.accepted_at = ticket.created_at
    if actor.is_secretary:
        ticket.secretary_id = ticket.secretary_id or actor.id
    event = record_event(ticket, actor, EventKind.RECORDED, at=now, to_state=S.TRIAGE.value, public=True,
                         data={"channel": channel.label}, **system_text("registered"))
    rows = store_uploads(ticket, uploads, event=event, public=True, uploader=actor)
    db.session.add_all(rows)
    save(ticket, now, rows)
    return ticket, access_code_for(key)
