"""The API's request and response shapes (marshmallow): they validate input and, through apispec, write the
OpenAPI document. Output is built as plain dicts by app/api/serialize.py and dumped through these."""
from marshmallow import Schema, fields, validate

from app.api.tokens import SCOPES
from app.enums import OFFLINE_CHANNELS, Channel, TicketState, Urgency

STATES = [s.value for s in TicketState]
WEB_ONLY = {Channel.WEB.value, Channel.HOTLINE.value}  # web: the public form; 12345 orders: the exchange
API_CHANNELS = [c.value for c in OFFLINE_CHANNELS if c.value not in WEB_ONLY]


class ErrorBody(Schema):
    code = fields.String(required=True, metadata={"description": "stable code, e.g. unauthorized, validation_failed"})
    message = fields.String(required=True, metadata={"description": "说明（中文）"})
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         metadata={"description": "422: the fields at fault and what is wrong with each"})


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBody, required=True)
    request_id = fields.String(required=True, allow_none=True)


class Ref(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class DepartmentPart(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(["lead", "support"]))
    status = fields.String(required=True)


class EnterpriseRef(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    credit_code = fields.String(required=True, allow_none=True)


class TicketSummary(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True, allow_none=True)
    title = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(STATES))
    state_label = fields.String(required=True)
    channel = fields.String(required=True)
    channel_label = fields.String(required=True)
    urgency = fields.String(required=True)
    category = fields.Nested(Ref, required=True, allow_none=True)
    enterprise = fields.Nested(EnterpriseRef, required=True)
    secretary = fields.Nested(Ref, required=True, allow_none=True)
    departments = fields.List(fields.Nested(DepartmentPart), required=True)
    created_at = fields.DateTime(required=True, allow_none=True)
    updated_at = fields.DateTime(required=True, allow_none=True)
    due_at = fields.DateTime(required=True, allow_none=True, metadata={"description": "the nearest deadline"})
    sla_level = fields.String(required=True)
    version = fields.Integer(required=True, metadata={"description": "pass it back to state-changing actions"})


class TicketPage(Schema):
    items = fields.List(fields.Nested(TicketSummary), required=True)
    next_cursor = fields.String(required=True, allow_none=True,
                                metadata={"description": "pass as `cursor` for the next page; null on the last"})


class Event(Schema):
    id = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    kind = fields.String(required=True)
    kind_label = fields.String(required=True)
    actor = fields.String(required=True)
    from_state = fields.String(required=True, allow_none=True)
    to_state = fields.String(required=True, allow_none=True)
    body = fields.String(required=True)
    public = fields.Boolean(required=True, metadata={"description": "false: an internal note staff only see"})
    data = fields.Dict(required=True)


class TicketDetail(TicketSummary):
    description = fields.String(required=True)
    contact_name = fields.String(required=True)
    contact_mobile = fields.String(required=True)
    contact_email = fields.String(required=True)
    outcome = fields.String(required=True)
    accepted_at = fields.DateTime(required=True, allow_none=True)
    first_replied_at = fields.DateTime(required=True, allow_none=True)
    dispatched_at = fields.DateTime(required=True, allow_none=True)
    resolved_at = fields.DateTime(required=True, allow_none=True)
    closed_at = fields.DateTime(required=True, allow_none=True)
    events = fields.List(fields.Nested(Event), required=True)
    actions = fields.List(fields.String(), required=True,
                          metadata={"description": "the workflow actions this token may take now"})


class TicketListArgs(Schema):
    state = fields.String(validate=validate.OneOf(STATES + ["open"]))
    category = fields.Integer(validate=validate.Range(1, 2**31 - 1))
    department = fields.Integer(validate=validate.Range(1, 2**31 - 1))
    channel = fields.String(validate=validate.OneOf([c.value for c in Channel]))
    secretary = fields.Integer(validate=validate.Range(1, 2**31 - 1))
    created_from = fields.Date(metadata={"description": "created on or after this day (Beijing)"})
    created_to = fields.Date(metadata={"description": "created on or before this day (Beijing)"})
    q = fields.String(validate=validate.Length(max=100), metadata={"description": "number, title, enterprise, "
                                                                                  "mobile or description contains"})
    order = fields.String(load_default="oldest", validate=validate.OneOf(["oldest", "newest"]))
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    cursor = fields.String(validate=validate.Length(max=40))


class NewTicket(Schema):
    channel = fields.String(required=True, validate=validate.OneOf(API_CHANNELS))
    enterprise_id = fields.Integer(validate=validate.Range(1, 2**31 - 1),
                                   metadata={"description": "a registered enterprise, or give enterprise_name"})
    enterprise_name = fields.String(validate=validate.Length(max=120))
    credit_code = fields.String(validate=validate.Length(max=18))
    contact_name = fields.String(required=True, validate=validate.Length(max=40))
    mobile = fields.String(required=True, validate=validate.Length(max=20))
    email = fields.String(validate=validate.Length(max=120))
    category_id = fields.Integer(required=True, validate=validate.Range(1, 2**31 - 1))
    urgency = fields.String(load_default=Urgency.NORMAL.value, validate=validate.OneOf([u.value for u in Urgency]))
    title = fields.String(required=True, validate=validate.Length(max=100))
    description = fields.String(required=True, validate=validate.Length(max=5000))


class Created(Schema):
    ticket = fields.Nested(TicketDetail, required=True)
    access_code = fields.String(required=True, metadata={"description": "the enterprise's access code, shown once"})


class Clock(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    label = fields.String(required=True)
    unit = fields.String(required=True, validate=validate.OneOf(["hours", "working_days"]))
    amount = fields.Integer(required=True)
    started_at = fields.DateTime(required=True)
    stopped_at = fields.DateTime(required=True, allow_none=True)
    due_at = fields.DateTime(required=True, allow_none=True, metadata={"description": "null while on hold"})
    due_text = fields.String(required=True)
    provisional = fields.Boolean(required=True, metadata={"description": "the due day's year has no full calendar"})
    running = fields.Boolean(required=True)
    paused = fields.Boolean(required=True)
    level = fields.String(required=True)
    level_label = fields.String(required=True)
    outcome = fields.String(required=True, allow_none=True,
                            validate=validate.OneOf(["on_time", "late", "not_needed"]))
    explanation = fields.List(fields.String(), required=True, metadata={"description": "时限说明, as the ticket page"})


class Deadlines(Schema):
    ticket_id = fields.Integer(required=True)
    supervised = fields.Boolean(required=True)
    clocks = fields.List(fields.Nested(Clock), required=True)


class Enterprise(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    credit_code = fields.String(required=True, allow_none=True)
    park = fields.String(required=True)
    industry = fields.String(required=True)
    secretary = fields.Nested(Ref, required=True, allow_none=True)


class EnterprisePage(Schema):
    items = fields.List(fields.Nested(Enterprise), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


class EnterpriseArgs(Schema):
    q = fields.String(validate=validate.Length(max=60))
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    cursor = fields.String(validate=validate.Length(max=40))


class Named(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    active = fields.Boolean(required=True)


class NamedList(Schema):
    items = fields.List(fields.Nested(Named), required=True)


class MonthRef(Schema):
    month = fields.String(required=True)
    version = fields.Integer(required=True)
    published_at = fields.DateTime(required=True)


class MonthList(Schema):
    items = fields.List(fields.Nested(MonthRef), required=True)


class Figure(Schema):
    metric = fields.String(required=True)
    counted = fields.Integer(required=True)
    rate = fields.Float(required=True, allow_none=True)
    points = fields.Float(required=True, allow_none=True)


class UnitResult(Schema):
    unit_id = fields.Integer(required=True)
    name = fields.String(required=True)
    volume = fields.Integer(required=True)
    score = fields.Float(required=True, allow_none=True)
    rank = fields.Integer(required=True, allow_none=True)
    status = fields.String(required=True)
    gold = fields.Boolean(required=True)
    figures = fields.List(fields.Nested(Figure), required=True)


class MonthResult(MonthRef):
    secretaries = fields.List(fields.Nested(UnitResult), required=True)
    departments = fields.List(fields.Nested(UnitResult), required=True)
    completion = fields.Dict(required=True, metadata={"description": "both 办结率, month and year to date"})


class ActionBody(Schema):
    """What the workflow actions take; each action reads the fields its web form has."""

    version = fields.Integer(metadata={"description": "the ticket's version; required by state-changing actions"})
    body = fields.String(validate=validate.Length(max=5000), metadata={"description": "reply, note, progress"})
    public = fields.Boolean(metadata={"description": "progress: shown to the enterprise"})
    reason = fields.String(validate=validate.Length(max=2000), metadata={"description": "reject, return, hold, reopen"})
    outcome = fields.String(validate=validate.Length(max=5000), metadata={"description": "resolve"})
    override_reason = fields.String(validate=validate.Length(max=1000))
    note = fields.String(validate=validate.Length(max=2000), metadata={"description": "resume, close"})
    lead_department_id = fields.Integer(validate=validate.Range(1, 2**31 - 1), metadata={"description": "dispatch"})
    support_department_ids = fields.List(fields.Integer(validate=validate.Range(1, 2**31 - 1)))
    instructions = fields.String(validate=validate.Length(max=2000))


SCOPE_NAMES = list(SCOPES)


class ActionResult(Schema):
    done = fields.String(required=True)
    ticket = fields.Nested(TicketDetail, required=True, allow_none=True,
                           metadata={"description": "null when the token can no longer see it (a returned case)"})


class OrderAttachment(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    url = fields.String(validate=validate.Length(max=2000), metadata={"description": "http(s) address of the file"})
    content = fields.String(validate=validate.Length(max=5_000_000), metadata={"description": "or its content, base64"})


class WorkOrder(Schema):
    """A 12345 work order as the platform sends it (times in ISO 8601 with their offset, e.g. +08:00)."""
    order_no = fields.String(required=True, validate=validate.Length(min=1, max=64),
                             metadata={"description": "工单编号, unique per source"})
    source = fields.String(validate=validate.Length(max=40), metadata={"description": "the platform, default 12345"})
    caller_name = fields.String(validate=validate.Length(max=40))
    caller_phone = fields.String(validate=validate.Length(max=30))
    enterprise_name = fields.String(validate=validate.Length(max=120))
    credit_code = fields.String(validate=validate.Length(max=18))
    title = fields.String(validate=validate.Length(max=100))
    matter = fields.String(required=True, validate=validate.Length(min=1, max=5000), metadata={"description": "诉求内容"})
    category = fields.String(validate=validate.Length(max=100), metadata={"description": "the platform's category"})
    urgency = fields.String(validate=validate.OneOf(["normal", "urgent", "普通", "紧急"]))
    due_at = fields.DateTime(metadata={"description": "the platform's time limit as a moment"})
    limit_days = fields.Integer(validate=validate.Range(1, 365), metadata={"description": "or in working days"})
    received_at = fields.DateTime(metadata={
        "description": "when the platform received it (default: when this order first came)"})
    attachments = fields.List(fields.Nested(OrderAttachment), validate=validate.Length(max=20))


class PushBack(Schema):
    source = fields.String(required=True)
    order_no = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(
        ["accepted", "replied", "dispatched", "rejected", "returned", "resolved", "closed"]))
    time = fields.String(required=True)
    text = fields.String(required=True)
    ticket = fields.String(required=True, allow_none=True)
    event_id = fields.Integer(required=True)


class WorkOrderResult(Schema):
    order_no = fields.String(required=True)
    source = fields.String(required=True)
    created = fields.Boolean(required=True)
    changed = fields.Boolean(required=True)
    ticket_id = fields.Integer(required=True)
    ticket_number = fields.String(required=True, allow_none=True)
    state = fields.String(required=True)
    push_backs = fields.List(fields.Nested(PushBack), required=True)
