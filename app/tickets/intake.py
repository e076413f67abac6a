"""Creating tickets: from the public form, or recorded by a secretary from an offline channel."""
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.attachments import discard_files, store_uploads
from app.timesource import utcnow
from app.enums import Channel, EventKind, TicketState as S
from app.extensions import db
from app.models import Enterprise, EnterpriseContact, Project, Ticket
from app.tickets.codes import access_code_for, code_hash, digest, new_submission_key, tracking_number
from app.deadlines.engine import reconcile, start_clocks_at
from app.journal import PLATFORM_ACTOR, record_enterprise_event, record_event
from app.models import HotlineOrder
from app.errors import ValidationFailed
from app.display import system_text
from app.tickets.links import add_receipt_link
from app.tickets.services import save
from app.tickets.work_orders import order_row
from app.validators import normalize_credit_code

HOTLINE_SOURCE = "12345"       # the platform a work order typed in by staff came from


def find_or_create_enterprise(name, credit_code, contact_name="", mobile="", *, now=None, email="", actor=None):
    """The enterprise with this credit code, or a new one; a known enterprise keeps its record (an anonymous form
    never changes a known company's contact or email)."""
    code = normalize_credit_code(credit_code) or None
    enterprise = None
    if code:
        enterprise = db.session.scalar(select(Enterprise).where(Enterprise.credit_code == code))
    if enterprise is None:
        now = now or utcnow()
        enterprise = Enterprise(name=name, credit_code=code, contact_name=contact_name, mobile=mobile,
                                email=email or "", created_at=now)
        if contact_name:
            enterprise.contacts = [EnterpriseContact(name=contact_name[:40], mobile=mobile or "", is_primary=True)]
        try:
            # A savepoint: two first submissions of the same company at once must both succeed.
            with db.session.begin_nested():
                db.session.add(enterprise)
        except IntegrityError:
            return db.session.scalar(select(Enterprise).where(Enterprise.credit_code == code))
        record_enterprise_event(enterprise, actor, "created", {"name": [None, name], "credit_code": [None, code]},
                                at=now)
    return enterprise


def _same_name(a: str, b: str) -> bool:
    # People type brackets full- or half-width and add spaces; that is still the same name.
    def norm(text):
        return "".join((text or "").split()).replace("（", "(").replace("）", ")")
    return norm(a) == norm(b)


def known_enterprise(name, credit_code):
    """The registered enterprise a typed name and credit code stand for, or None when they describe a new one. A
    code registered under another name is refused, naming that enterprise (the case must not be filed under a
    company nobody meant); a name already registered without a code too, to pick it from the list."""
    code = normalize_credit_code(credit_code)
    if code:
        existing = db.session.scalar(select(Enterprise).where(Enterprise.credit_code == code))
        if existing is not None and not _same_name(existing.name, name):
            raise ValidationFailed(_("统一社会信用代码 %(code)s 已登记为企业“%(name)s”，与填写的企业名称不一致。"
                                     "请从列表中选择该企业，或核对名称和代码。", code=code, name=existing.name))
        return existing
    same = db.session.scalar(select(Enterprise).where(Enterprise.name == name).limit(1))
    if same is not None:
        raise ValidationFailed(_("已有企业“%(name)s”，请从列表中选择。", name=same.name))
    return None


def new_enterprise_fingerprint(name, credit_code) -> str:
    """What the secretary confirmed when asked to create a new enterprise: its name and code as typed then."""
    return f"{name}|{normalize_credit_code(credit_code)}"


def offline_enterprise(enterprise_id, name, credit_code, contact_name, mobile, *, now=None, email="", actor=None):
    """The enterprise an offline case is recorded for: the one chosen from the list, or else the one with this
    credit code (and this name), or else a new one with the name, code and contact given."""
    if enterprise_id:
        return db.session.get(Enterprise, int(enterprise_id))
    known_enterprise(name, credit_code)
    return find_or_create_enterprise(name, credit_code, contact_name, mobile, now=now, email=email, actor=actor)


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
                    clocks=[], action_items=[], assignments=[], ratings=[], meetings=[], remediations=[])
    db.session.add(ticket)
    db.session.flush()  # the id makes the tracking number
    ticket.number = tracking_number(ticket)
    return ticket


def _commit_keeping_rows() -> None:
    """Commit without expiring the rows just written: the receipt shows the new case as it was made, and reading it
    back after the commit cost four SELECTs (the case, its company, its parts, its link) of every submission."""
    session = db.session()
    expiring, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expiring


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
        # Its clocks read only the SLA policies and the calendar, which nothing here changes (the default policy, made
        # when there is none, flushes itself): flushing the new case before each read wrote it in three rounds.
        with db.session.no_autoflush:
            reconcile(ticket, now)
        _commit_keeping_rows()
    except IntegrityError:
        # The same form won a race in another worker (its key is unique): answer with that ticket.
        db.session.rollback()
        discard_files(rows)
        existing = db.session.scalar(select(Ticket).where(Ticket.submission_key_hash == key_hash))
        if existing is None:
            raise
        return existing, access_code_for(submission_key), False
    return ticket, access_code_for(submission_key), True


# The channels whose cases may carry the moment they were received (a call answered, a 12345 order sent).
RECEIVED_CHANNELS = (Channel.HOTLINE, Channel.PHONE)


def hotline_order_taken(source, order_no):
    """The 12345 work order already recorded under this number, if any."""
    return db.session.scalar(select(HotlineOrder).where(HotlineOrder.source == source,
                                                        HotlineOrder.order_no == order_no))


def _duplicate_order(order):
    return ValidationFailed(_("12345 工单 %(no)s 已登记为诉求 %(number)s，未重复登记。", no=order.order_no,
                              number=order.ticket.number))


def record_offline_ticket(actor, enterprise, data: dict, uploads, *, channel: Channel, visit=None, project=None,
                          received_at=None, hotline_order_no=""):
    """A secretary records a problem from a visit, call or forum; it starts accepted, in triage. A call or a 12345
    transfer may say when it was received: its clocks run from then. A 12345 transfer may carry its work-order
    number, recorded once (the same number twice is refused, naming the case it became)."""
    key = new_submission_key()
    now = utcnow()  # one moment for the whole unit of work
    received_at = received_at if channel in RECEIVED_CHANNELS and received_at and received_at < now else None
    order_no = (hotline_order_no or "").strip() if channel is Channel.HOTLINE else ""
    if order_no and (taken := hotline_order_taken(HOTLINE_SOURCE, order_no)) is not None:
        raise _duplicate_order(taken)
    ticket = _new_ticket(enterprise, channel=channel, state=S.TRIAGE, data=data, key=key, now=now)
    ticket.visit = visit
    ticket.project = project
    ticket.received_at = received_at
    ticket.accepted_at = received_at or ticket.created_at
    if actor.is_secretary:
        ticket.secretary_id = ticket.secretary_id or actor.id
    details = {"channel": channel.label}
    if order_no:
        details["order_no"] = order_no
        db.session.add(offline_hotline_order(ticket, order_no, data, received_at or now, now))
    event = record_event(ticket, actor, EventKind.RECORDED, at=now, to_state=S.TRIAGE.value, public=True,
                         data=details, **system_text("registered"))
    rows = store_uploads(ticket, uploads, event=event, public=True, uploader=actor)
    db.session.add_all(rows)
    if received_at is not None:
        start_clocks_at(ticket, received_at)  # received then, typed in now: the deadline runs from then
    try:
        save(ticket, now, rows)
    except IntegrityError:
        # The same number recorded at the same moment by someone else (the order's key is unique).
        taken = hotline_order_taken(HOTLINE_SOURCE, order_no) if order_no else None
        if taken is None:
            raise
        raise _duplicate_order(taken) from None
    return ticket, access_code_for(key)


def offline_hotline_order(ticket, order_no, data, received_at, now):
    """The work-order row of a 12345 transfer typed in by staff, so the platform's own delivery of the same order
    later finds its case instead of opening another one (what staff typed is its content)."""
    fields = {"source": HOTLINE_SOURCE, "order_no": order_no, "caller_name": data["contact_name"],
              "caller_phone": data["mobile"], "title": data["title"], "matter": data["description"],
              "received_at": received_at, "urgency": data["urgency"]}
    return order_row(ticket, fields, now)


def record_hotline_ticket(enterprise, data: dict, *, order_no, received_at, now, actor=None):
    """A 12345 work order becomes a case on the hotline channel waiting to be accepted (受理), like a case from the
    public form; its clocks run from when the platform sent it. Staged, not committed: the exchange commits it
    with the order's row."""
    ticket = _new_ticket(enterprise, channel=Channel.HOTLINE, state=S.INTAKE, data=data, key=new_submission_key(),
                         now=now)
    ticket.received_at = received_at if received_at < now else None
    record_event(ticket, actor, EventKind.CREATED, at=now, to_state=S.INTAKE.value, public=True,
                 actor_name=None if actor else PLATFORM_ACTOR,
                 data={"channel": Channel.HOTLINE.label, "order_no": order_no},
                 body=_("12345 平台转来的诉求已接收，等待受理。"))
    return ticket
