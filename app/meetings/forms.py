"""Forms for convening meetings, minutes and action items."""
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.forms import no_nul, strip
from app.text import single_line


class ConveneForm(FlaskForm):
    subject = StringField(_l("会议主题"), filters=[strip], validators=[
        DataRequired(_l("请填写会议主题。")), Length(max=200), no_nul, single_line])
    starts_at = DateTimeLocalField(_l("会议时间"), format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired(_l("请填写会议时间。"))])
    place = StringField(_l("会议地点"), filters=[strip], validators=[
        DataRequired(_l("请填写会议地点。")), Length(max=200), no_nul, single_line])
    agenda = TextAreaField(_l("会议议程"), filters=[strip], validators=[Optional(), Length(max=5000), no_nul])
    lead_department_id = SelectField(_l("牵头部门"), coerce=str, validators=[DataRequired(_l("请选择牵头部门。"))])
    support_department_ids = SelectMultipleField(_l("参会部门（可多选）"), coerce=str)
    ticket_ids = SelectMultipleField(_l("一并会办的相关诉求（可多选）"), coerce=str)
    guests = TextAreaField(_l("外部单位（每行一个：单位名称 联系人 电话）"), filters=[strip],
                           validators=[Optional(), Length(max=2000), no_nul])

    def __init__(self, *args, departments=(), related=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(d.id), d.name) for d in departments]
        self.lead_department_id.choices = [("", _l("请选择"))] + choices
        self.support_department_ids.choices = choices
        self.ticket_ids.choices = [(str(t.id), f"{t.number} {t.title}") for t in related]


class MinutesForm(FlaskForm):
    minutes_internal = TextAreaField(_l("会议纪要（内部）"), filters=[strip], validators=[
        DataRequired(_l("请填写会议纪要。")), Length(max=10000), no_nul])
    minutes_public = TextAreaField(_l("会办结论（企业可见）"), filters=[strip], validators=[
        DataRequired(_l("请填写对企业公开的会办结论。")), Length(max=5000), no_nul])


def conclusion_field(ticket) -> str:
    return f"conclusion_{ticket.id}"


def minutes_form(meeting, prefill=None):
    """The minutes form for this meeting. A meeting about several tickets asks for one conclusion per ticket,
    labelled with its number and company, instead of one text every company would read. `prefill` (the
    tickets' conclusions so far, {ticket id: text}) fills it from the meeting for editing; without it the form
    reads only what was posted."""
    if len(meeting.tickets) < 2:
        form_class = MinutesForm
    else:
        fields = {"minutes_public": None}
        for ticket in meeting.tickets:
            fields[conclusion_field(ticket)] = TextAreaField(
                _("会办结论（企业可见）：%(n)s %(e)s", n=ticket.number, e=ticket.enterprise.name),
                filters=[strip], validators=[DataRequired(_("请填写诉求 %(n)s 的会办结论。", n=ticket.number)),
                                             Length(max=5000), no_nul])
        form_class = type("TicketMinutesForm", (MinutesForm,), fields)
    if prefill is None:
        return form_class()
    return form_class(obj=meeting, data={conclusion_field(t): prefill.get(t.id, "") for t in meeting.tickets})


class ActionItemForm(FlaskForm):
    ticket_id = SelectField(_l("所属诉求"), coerce=int, validators=[InputRequired(_l("请选择诉求。"))])
    title = StringField(_l("事项内容"), filters=[strip], validators=[
        DataRequired(_l("请填写事项内容。")), Length(max=300), no_nul, single_line])
    owner_department_id = SelectField(_l("责任部门"), coerce=int, validators=[InputRequired(_l("请选择责任部门。"))])
    working_days = IntegerField(_l("办理时限（工作日）"), validators=[
        InputRequired(_l("请填写办理时限。")), NumberRange(1, 60, _l("办理时限应为 1–60 个工作日。"))])

    def __init__(self, *args, tickets=(), departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.ticket_id.choices = [(t.id, t.number) for t in tickets]
        self.owner_department_id.choices = [(d.id, d.name) for d in departments]


class DoneForm(FlaskForm):
    note = TextAreaField(_l("完成情况"), filters=[strip], validators=[Optional(), Length(max=2000), no_nul])
