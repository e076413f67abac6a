"""The 12345 hotline exchange: a work order the platform sends becomes a case, once; a changed order is noted on
its case. What the platform hears back is `app.webhooks.hotline.outbound_events_for`.

Delivery in either direction is not here: the inbound endpoint calls `receive_work_order`, and the outbound
webhooks call `outbound_events_for` for each event of a case."""
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.deadlines.engine import set_outside_limit, start_clocks_at
from app.enums import EventKind
from app.errors import ValidationFailed
from app.extensions import db
from app.journal import commit, record_event
from app.models import Category, Enterprise, HotlineOrder
from app.tickets import work_orders
from app.journal import PLATFORM_ACTOR
from app.tickets.intake import find_or_create_enterprise, record_hotline_ticket
from app.tickets.services import stage
from app.validators import is_valid_mobile

FALLBACK_CATEGORY = "其他"  # where an order whose platform category matches none of ours goes


def _order(source, order_no, lock=False):
    query = select(HotlineOrder).where(HotlineOrder.source == source, HotlineOrder.order_no == order_no)
    # FOR UPDATE (PostgreSQL; SQLite's writers queue on BEGIN IMMEDIATE): two deliveries of one changed order
    # take turns, and the second finds the first's fingerprint.
    return db.session.scalar(query.with_for_update() if lock else query)


def _category_id(text) -> int:
    """Our category of the same name as the platform's, else 其他, else the first active one."""
    active = select(Category).where(Category.is_active.is_(True))
    for query in (active.where(Category.name == text), active.where(Category.name == FALLBACK_CATEGORY),
                  active.order_by(Category.id)):
        category = db.session.scalar(query.limit(1))
        if category is not None:
            return category.id
    raise ValidationFailed(_("尚未设置任何诉求类别，无法接收 12345 工单。"))


def _enterprise(order, now):
    """The enterprise by its credit code; without one, the one of that exact name; else a new one (as offline
    intake makes it)."""
    mobile = order["caller_phone"] if is_valid_mobile(order["caller_phone"]) else ""
    name = order["enterprise_name"] or order["caller_name"] or _("12345 来电人")
    if not order["credit_code"] and order["enterprise_name"]:
        known = db.session.scalar(select(Enterprise).where(Enterprise.name == name).order_by(Enterprise.id).limit(1))
        if known is not None:
            return known
    return find_or_create_enterprise(name, order["credit_code"], order["caller_name"], mobile, now=now)


def _create(order, fields, now, actor):
    enterprise = _enterprise(order, now)
    data = {"title": order["title"], "description": order["matter"], "category_id": _category_id(order["category"]),
            "urgency": order["urgency"], "contact_name": order["caller_name"], "mobile": order["caller_phone"][:20],
            "email": ""}
    received = datetime.fromisoformat(order["received_at"])
    ticket = record_hotline_ticket(enterprise, data, order_no=order["order_no"], received_at=received, now=now,
                                   actor=actor)
    row = HotlineOrder(created_at=now)
    work_orders.fill(row, order, fields, now)  # reads the calendar: before the row joins the session half-filled
    row.ticket = ticket
    db.session.add(row)
    db.session.flush()  # claims (source, order number) now: a second delivery racing this one fails here
    start_clocks_at(ticket, min(received, now))
    stage(ticket, now)
    commit()
    return ticket


def _update(row, order, fields, now, actor):
    ticket = row.ticket
    if fields.get("received_at") in (None, ""):
        # Not sent: the order was received when it first came, not at this redelivery (which is no change).
        order["received_at"] = work_orders.stored_order(row)["received_at"]
    if row.content_hash == work_orders.content_hash(order):
        db.session.commit()  # ends the read (and its lock): nothing to write
        return ticket, False, False
    changed = work_orders.changes(work_orders.stored_order(row), order)
    work_orders.fill(row, order, fields, now)
    names = "、".join(str(work_orders.FIELDS[key]) for key in changed)
    record_event(ticket, actor, EventKind.HOTLINE_UPDATED, at=now, actor_name=None if actor else PLATFORM_ACTOR,
                 data=changed,
                 body=_("12345 平台更新了工单 %(no)s：%(fields)s。", no=row.order_no, fields=names or _("附加信息")))
    set_outside_limit(ticket, row.limit_at, now)
    stage(ticket, now)
    commit()
    return ticket, False, True


def receive_work_order(fields: dict, now, actor=None):
    """Take one 12345 work order: (ticket, created, changed). A new order becomes a case on the hotline channel
    waiting to be accepted; the same order again changes nothing; a changed one updates the order's fields and
    records one event naming what changed. Concurrent deliveries of one order make one case (the order's key is
    unique: the loser re-reads the winner's). Bad fields raise ValidationFailed with a message for the sender."""
    order = work_orders.read_order(fields, now)
    row = _order(order["source"], order["order_no"], lock=True)
    if row is None:
        try:
            return _create(order, fields, now, actor), True, False
        except IntegrityError:
            db.session.rollback()
            row = _order(order["source"], order["order_no"], lock=True)
            if row is None:
                raise
    return _update(row, order, fields, now, actor)
