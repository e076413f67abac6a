"""/api/v1/exchange/12345/orders: the 12345 platform sends work orders (one case per order, idempotent on its
source and number; a changed order is noted on its case) and reads back what it was told about each one. The
push-backs themselves go out as signed webhooks to the endpoint marked "12345 平台" (app/webhooks/hotline.py)."""
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.api import schemas
from app.api.blueprint import api_blueprint
from app.api.errors import ApiError
from app.api.tokens import EXCHANGE_12345
from app.api import auth
from app.extensions import db
from app.models import HotlineOrder
from app.tickets.exchange import receive_work_order
from app.webhooks.hotline import outbound_events_for
from app.timesource import utcnow

bp = api_blueprint("api_exchange", __name__, "12345 工单交换：接收工单，查询回传")
SOURCE = {"in": "path", "name": "source", "required": True,
          "schema": {"type": "string", "minLength": 1, "maxLength": 40}}
ORDER_NO = {"in": "path", "name": "order_no", "required": True,
            "schema": {"type": "string", "minLength": 1, "maxLength": 64}}


def _answer(ticket, order, created, changed) -> dict:
    return {"order_no": order.order_no, "source": order.source, "created": created, "changed": changed,
            "ticket_id": ticket.id, "ticket_number": ticket.number, "state": str(ticket.state),
            "push_backs": [p for p in (outbound_events_for(ticket, e) for e in ticket.events) if p is not None]}


@bp.post("/exchange/12345/orders")
@auth.scope_required(EXCHANGE_12345)
@bp.arguments(schemas.WorkOrder)
@bp.response(200, schemas.WorkOrderResult)
@bp.alt_response(201, schema=schemas.WorkOrderResult, description="a new case was made for the order")
def receive_order(body):
    """Take one work order: 201 with the new case, or 200 when the order was known (changed: it was updated and
    its case noted the change). Sending the same order again is safe."""
    ticket, created, changed = receive_work_order(body, utcnow())
    order = ticket.hotline_order
    current_app.logger.info("12345 order %s %s", order.order_no, "created" if created else
                            ("changed" if changed else "unchanged"))
    return _answer(ticket, order, created, changed), 201 if created else 200


@bp.get("/exchange/12345/orders/<source>/<order_no>", parameters=[SOURCE, ORDER_NO])
@auth.scope_required(EXCHANGE_12345)
@bp.response(200, schemas.WorkOrderResult)
def read_order(source, order_no):
    """An order's case and every push-back so far, in the order they happened (for a platform that missed some)."""
    order = db.session.scalar(select(HotlineOrder).where(HotlineOrder.source == source,
                                                          HotlineOrder.order_no == order_no))
    if order is None:
        raise ApiError(404, "not_found", _("没有这个工单。"))
    return _answer(order.ticket, order, False, False)
