"""/api/v1/tickets: the list with the web list's filters (cursor pagination), one ticket with its events, its
deadlines, recording a case from an outside channel, and the workflow actions through the same verbs and forms
as the ticket page."""
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import MultiDict

from app.api import auth, schemas, serialize
from app.api.blueprint import api_blueprint, decode_cursor, encode_cursor
from app.api.errors import ApiError
from app.api.tokens import READ, WRITE_TICKETS
from app.enums import Channel, Role
from app.extensions import db
from app.models import Assignment, Enterprise, Ticket
from app.reference import active_categories, active_departments
from app.tickets import access, forms, services, workflow
from app.tickets.intake import offline_enterprise, record_offline_ticket
from app.tickets.queries import TicketFilters, filtered_query
from app.timesource import utcnow

bp = api_blueprint("api_tickets", __name__, "诉求：列表、详情、时限、登记与办理")
TICKET_ID = {"in": "path", "name": "ticket_id", "required": True,
             "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}

# The ticket page's actions (app/tickets/workflow.py), each through its verb in app/tickets/services.py.
API_ACTIONS = list(workflow.PAGE_ACTIONS)
# API body field -> the web form's field, where they differ (the offline intake form).
NEW_TICKET_FIELDS = {"enterprise_name": "new_enterprise_name", "credit_code": "new_credit_code"}


def _rows():
    return (joinedload(Ticket.enterprise), joinedload(Ticket.category), joinedload(Ticket.secretary),
            selectinload(Ticket.assignments).joinedload(Assignment.department))


def _visible(ticket_id: int) -> Ticket:
    # Flask's int converter takes any size; a database integer does not.
    ticket = db.session.get(Ticket, ticket_id) if 0 < ticket_id < 2**31 else None
    if ticket is None or not access.can_view(auth.principal(), ticket):
        raise ApiError(404, "not_found", _("诉求不存在，或该令牌无权查看。"))
    return ticket


def _actions(ticket) -> list[str]:
    who = auth.principal()
    return [name for name in API_ACTIONS if workflow.allowed(name, ticket.state) and access.can(who, name, ticket)]


def _detail(ticket) -> dict:
    return serialize.ticket_detail(ticket, _actions(ticket) if WRITE_TICKETS in auth.current_token().scope_set
                                   else [])


@bp.get("/tickets")
@auth.scope_required(READ)
@bp.arguments(schemas.TicketListArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.TicketPage)
def list_tickets(limit, order, cursor=None, created_from=None, created_to=None, **filters):
    """Tickets this token may see (the web list's rules and filters), oldest or newest first, one page per cursor."""
    args = {k: str(v) for k, v in filters.items() if v is not None}
    if created_from:
        args["from"] = created_from.isoformat()
    if created_to:
        args["to"] = created_to.isoformat()
    query = filtered_query(auth.principal(), TicketFilters.from_args(MultiDict(args)))
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(Ticket.id > after if order == "oldest" else Ticket.id < after)
    query = query.order_by(Ticket.id.asc() if order == "oldest" else Ticket.id.desc())
    items = db.session.scalars(query.options(*_rows()).limit(limit + 1)).unique().all()
    more = len(items) > limit
    items = items[:limit]
    return {"items": [serialize.ticket_summary(t) for t in items],
            "next_cursor": encode_cursor(items[-1].id) if more else None}


@bp.get("/tickets/<int:ticket_id>", parameters=[TICKET_ID])
@auth.scope_required(READ)
@bp.response(200, schemas.TicketDetail)
def get_ticket(ticket_id):
    """One ticket with its public and internal events, as the ticket page shows them to this token's principal."""
    return _detail(_visible(ticket_id))


@bp.get("/tickets/<int:ticket_id>/deadlines", parameters=[TICKET_ID])
@auth.scope_required(READ)
@bp.response(200, schemas.Deadlines)
def get_deadlines(ticket_id):
    """The ticket's clocks: due time, level and the explanation the ticket page's 时限 panel gives."""
    return serialize.deadlines(_visible(ticket_id), utcnow())


def _form_data(body: dict, renames=None) -> MultiDict:
    data = MultiDict()
    for key, value in body.items():
        name = (renames or {}).get(key, key)
        if isinstance(value, bool):
            if value:
                data.add(name, "y")
        elif isinstance(value, list):
            for item in value:
                data.add(name, str(item))
        elif value is not None:
            data.add(name, str(value))
    return data


def _form_errors(form, renames=None) -> dict:
    back = {v: k for k, v in (renames or {}).items()}
    return {back.get(name, name): [str(m) for m in messages] for name, messages in form.errors.items()}


@bp.post("/tickets")
@auth.scope_required(WRITE_TICKETS)
@auth.roles_required(Role.SECRETARY, Role.SUPERVISOR, message=_l("只有代表项目秘书或督办人员的令牌可以登记诉求。"))
@bp.arguments(schemas.NewTicket)
@bp.response(201, schemas.Created)
def create_ticket(body):
    """Record a case heard through an outside channel (visit, phone, forum …), as a secretary does at /tickets/new:
    the same form rules, the same verb; it starts accepted, in triage. The web form and 12345 orders have their own
    ways in."""
    who = auth.principal()
    enterprises = []
    if body.get("enterprise_id"):
        enterprise = db.session.get(Enterprise, body["enterprise_id"])
        if enterprise is None:
            raise ApiError(422, "validation_failed", _("提交的数据未通过校验。"),
                           {"enterprise_id": [_("企业不存在。")]})
        enterprises = [enterprise]
    form = forms.OfflineTicketForm(formdata=_form_data(body, NEW_TICKET_FIELDS), meta={"csrf": False},
                                   enterprises=enterprises, categories=active_categories(), projects=[])
    if not form.validate():
        raise ApiError(422, "validation_failed", _("提交的数据未通过校验。"), _form_errors(form, NEW_TICKET_FIELDS))
    enterprise = offline_enterprise(form.enterprise_id.data, form.new_enterprise_name.data, form.new_credit_code.data,
                                    form.contact_name.data, form.mobile.data, email=form.email.data)
    data = {"title": form.title.data, "description": form.description.data,
            "category_id": int(form.category_id.data), "urgency": form.urgency.data,
            "contact_name": form.contact_name.data, "mobile": form.mobile.data, "email": form.email.data}
    ticket, code = record_offline_ticket(who, enterprise, data, [], channel=Channel(form.channel.data))
    db.session.expire_all()
    return {"ticket": _detail(db.session.get(Ticket, ticket.id)), "access_code": code}


def _build_form(action: str, body: dict):
    form_class = workflow.ACTIONS[action].form
    options = {}
    if action == "dispatch":
        options["departments"] = active_departments()
    elif action == "edit":
        options["categories"] = active_categories()
    return form_class(formdata=_form_data(body), meta={"csrf": False}, **options)


@bp.post("/tickets/<int:ticket_id>/actions/<action>", parameters=[TICKET_ID, {
    "in": "path", "name": "action", "required": True,
    "schema": {"type": "string", "enum": API_ACTIONS},
    "description": "the ticket page's action: its rule in the workflow table, its verb in services.VERBS"}])
@auth.scope_required(WRITE_TICKETS)
@bp.arguments(schemas.ActionBody)
@bp.response(200, schemas.ActionResult)
def act(body, ticket_id, action):
    """Take one workflow action: the same check of role and state, the same form rules, the same verb and event as
    the ticket page. A refused transition answers 409 and changes nothing."""
    if action not in API_ACTIONS:
        raise ApiError(404, "not_found", _("没有这个操作。"))
    ticket = _visible(ticket_id)
    who = auth.principal()
    if not access.can(who, action, ticket):
        raise ApiError(403, "forbidden", _("该令牌代表的人员无权对此诉求执行“%(a)s”。", a=workflow.ACTIONS[action].label))
    form = _build_form(action, body)
    if not form.validate():
        raise ApiError(422, "validation_failed", _("提交的数据未通过校验。"), _form_errors(form))
    services.VERBS[action](ticket, who, **form.verb_kwargs())
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket_id)
    visible = ticket is not None and access.can_view(who, ticket)
    return {"done": str(workflow.ACTIONS[action].done), "ticket": _detail(ticket) if visible else None}

