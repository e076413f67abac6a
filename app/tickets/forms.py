"""Staff forms: one per workflow action, plus recording an offline problem."""
from datetime import datetime, timezone

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, HiddenField, IntegerField, MultipleFileField, RadioField, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from app.enums import OFFLINE_CHANNELS, Channel, ReturnVisitWay, Urgency
from app.forms import no_nul, strip
from app.text import is_digits, single_line
from app.timesource import utcnow
from app.validators import is_valid_credit_code, is_valid_mobile, normalize_credit_code
from sla.calendar import SHANGHAI


def _text(label, required_message, max_len=5000, required=True):
    checks = [DataRequired(required_message)] if required else [Optional()]
    return TextAreaField(label, filters=[strip], validators=[
        *checks, Length(max=max_len, message=_l("不能超过 %(n)d 字。", n=max_len)), no_nul])


class ActionForm(FlaskForm):
    """A workflow action's form: `verb_kwargs()` hands its fields to the verb by the verb's own parameter names."""

    VERB_FIELDS: tuple = ()

    def verb_kwargs(self) -> dict:
        """The keyword arguments of the verb this form feeds (uploaded files as `files`)."""
        kwargs = {name: getattr(self, name).data for name in self.VERB_FIELDS}
        if hasattr(self, "attachments"):
            kwargs["files"] = request.files.getlist(self.attachments.name)
        return kwargs


class VersionedForm(ActionForm):
    """Every state change carries the version the person saw, to catch concurrent edits."""

    VERB_FIELDS = ("version",)
    version = IntegerField(validators=[InputRequired(_l("表单已失效，请刷新页面。"))])


class ConfirmForm(VersionedForm):
    pass


class ReasonForm(VersionedForm):
    VERB_FIELDS = ("version", "reason")
    reason = _text(_l("理由"), _l("请填写理由。"), 2000)


class ResolveForm(VersionedForm):
    VERB_FIELDS = ("version", "outcome", "override_reason")
    outcome = _text(_l("办理结果（企业可见）"), _l("请填写办理结果。"))
    override_reason = _text(_l("强制办结理由（仅在会办事项未完成时由督办填写）"), None, 1000, required=False)


class CloseForm(VersionedForm):
    VERB_FIELDS = ("version", "note")
    note = _text(_l("回访情况（可选）"), None, 2000, required=False)


class ReplyForm(ActionForm):
    VERB_FIELDS = ("body",)
    body = _text(_l("答复内容（企业可见）"), _l("请填写答复内容。"))
    attachments = MultipleFileField(_l("附件"))


class NoteForm(ActionForm):
    VERB_FIELDS = ("body",)
    body = _text(_l("备注（仅工作人员可见）"), _l("请填写备注内容。"))
    attachments = MultipleFileField(_l("附件"))


class ProgressForm(ActionForm):
    VERB_FIELDS = ("body", "public")
    body = _text(_l("办理进展"), _l("请填写进展情况。"))
    public = BooleanField(_l("对企业公开"))
    attachments = MultipleFileField(_l("附件"))


class DispatchForm(VersionedForm):
    VERB_FIELDS = ("version", "lead_department_id", "support_department_ids", "instructions")
    lead_department_id = SelectField(_l("主办部门"), coerce=str, validators=[DataRequired(_l("请选择主办部门。"))])
    support_department_ids = SelectMultipleField(_l("协办部门（可多选）"), coerce=str)
    instructions = _text(_l("转办意见"), None, 2000, required=False)

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(d.id), d.name) for d in departments]
        self.lead_department_id.choices = [("", _l("请选择"))] + choices
        self.support_department_ids.choices = choices


class EditForm(VersionedForm):
    VERB_FIELDS = ("version", "title", "description", "category_id", "urgency")
    title = StringField(_l("标题"), filters=[strip], validators=[
        DataRequired(_l("请填写标题。")), Length(max=100, message=_l("标题不能超过 100 个字。")), no_nul, single_line])
    description = _text(_l("问题描述"), _l("请填写问题描述。"))
    category_id = SelectField(_l("诉求类别"), coerce=str, validators=[DataRequired(_l("请选择诉求类别。"))])
    urgency = SelectField(_l("紧急程度"))

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category_id.choices = [(str(c.id), c.name) for c in categories]
        self.urgency.choices = Urgency.choices()


class TakeForm(FlaskForm):
    """领取 / 接手: a button carrying the version of the case the secretary saw."""

    version = HiddenField()

    def validate_version(self, field):
        if field.data and not is_digits(str(field.data)):
            raise ValidationError(_l("请刷新页面后再操作。"))


class OfflineTicketForm(FlaskForm):
    """A secretary records a problem heard on a visit, a call, a forum or at a window."""

    enterprise_id = SelectField(_l("企业"), coerce=str, validators=[Optional()])
    new_enterprise_name = StringField(_l("或新企业名称"), filters=[strip], validators=[Optional(), Length(max=120), no_nul, single_line])
    new_credit_code = StringField(_l("新企业统一社会信用代码"), filters=[strip, normalize_credit_code],
                                  validators=[Optional(), Length(max=18), no_nul])
    channel = SelectField(_l("来源渠道"))
    visit_id = HiddenField()
    project_id = SelectField(_l("关联项目（可选）"), coerce=str, validate_choice=False, validators=[Optional()])
    contact_name = StringField(_l("联系人"), filters=[strip], validators=[
        DataRequired(_l("请填写联系人姓名。")), Length(max=40), no_nul, single_line])
    mobile = StringField(_l("联系电话"), filters=[strip], validators=[DataRequired(_l("请填写联系电话。")), no_nul])
    email = StringField(_l("电子邮箱（可选）"), filters=[strip], validators=[
        Optional(), Length(max=120, message=_l("电子邮箱不能超过 120 个字符。")), Email(_l("电子邮箱格式不正确，例如 name@example.com。")),
        no_nul])
    category_id = SelectField(_l("诉求类别"), coerce=str, validators=[DataRequired(_l("请选择诉求类别。"))])
    urgency = SelectField(_l("紧急程度"))
    title = StringField(_l("诉求标题"), filters=[strip], validators=[
        DataRequired(_l("请填写诉求标题。")), Length(max=100, message=_l("标题不能超过 100 个字。")), no_nul, single_line])
    description = _text(_l("问题描述"), _l("请描述问题。"))
    attachments = MultipleFileField(_l("附件（可选）"))
    hotline_order_no = StringField(_l("12345 工单编号"), filters=[strip], validators=[
        Optional(), Length(max=64, message=_l("工单编号不能超过 64 个字符。")), no_nul, single_line])
    received_at = StringField(_l("接收时间"), filters=[strip], validators=[Optional(), Length(max=20), no_nul])
    received_moment = None  # the received time as an aware UTC datetime, once validated
    confirm_new = HiddenField()  # the new enterprise's name and code the secretary confirmed (intake.py)

    def __init__(self, *args, enterprises=(), categories=(), projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.project_id.choices = [("", _l("无"))] + [(str(p.id), p.name) for p in projects]
        self.enterprise_id.choices = [("", _l("请选择已登记企业"))] + [(str(e.id), e.name) for e in enterprises]
        self.category_id.choices = [("", _l("请选择"))] + [(str(c.id), c.name) for c in categories]
        self.channel.choices = [(c.value, c.label) for c in OFFLINE_CHANNELS]
        self.urgency.choices = Urgency.choices()

    def validate_mobile(self, field):
        value = field.data or ""
        if not (is_valid_mobile(value) or (is_digits(value.replace("-", "")) and 7 <= len(value) <= 20)):
            raise ValidationError(_l("请填写有效的手机或座机号码。"))

    def validate_new_credit_code(self, field):
        if field.data and not is_valid_credit_code(field.data):
            raise ValidationError(_l("该统一社会信用代码未通过校验，请核对。"))

    def validate_hotline_order_no(self, field):
        if field.data and self.channel.data != Channel.HOTLINE.value:
            raise ValidationError(_l("只有来源渠道为“12345 转办”时才填写工单编号。"))

    def validate_received_at(self, field):
        if not field.data:
            return
        if self.channel.data not in (Channel.HOTLINE.value, Channel.PHONE.value):
            raise ValidationError(_l("只有电话和 12345 转办需要填写接收时间。"))
        try:
            moment = datetime.strptime(field.data.replace("T", " "), "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)
        except ValueError:
            raise ValidationError(_l("接收时间格式应为 2026-09-25 10:00。")) from None
        if moment.year < 2000:
            raise ValidationError(_l("接收时间应在 2000 年以后。"))
        if moment > utcnow():
            raise ValidationError(_l("接收时间不能晚于现在。"))
        self.received_moment = moment.astimezone(timezone.utc)

    def validate_enterprise_id(self, field):
        if not field.data and not self.new_enterprise_name.data:
            raise ValidationError(_l("请选择企业，或填写新企业名称。"))

    def validate_project_id(self, field):
        # With a registered company chosen, the choices are its own projects; a company new to the register has none.
        if field.data and not self.enterprise_id.data:
            raise ValidationError(_l("新登记的企业还没有项目，关联项目请选“无”。"))
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("所选项目不属于该企业，请重新选择。"))


class ReturnVisitForm(FlaskForm):
    """回访 after a 差评: when, how, what the enterprise said, and whether it is satisfied now. The date is read by
    the service, which names what is wrong with it."""

    visited_on = StringField(_l("回访日期"), filters=[strip], validators=[
        DataRequired(_l("请填写回访日期。")), Length(max=20)])
    way = RadioField(_l("回访方式"), choices=ReturnVisitWay.choices(), validators=[DataRequired(_l("请选择回访方式。"))])
    result = _text(_l("回访结果"), _l("请填写回访结果。"), 2000)
    satisfied = RadioField(_l("企业现在是否满意"), choices=[("yes", _l("满意")), ("no", _l("仍不满意"))],
                           validators=[DataRequired(_l("请选择企业现在是否满意。"))])

    def verb_kwargs(self) -> dict:
        """The keyword arguments of `record_return_visit`."""
        return {"visited_on": self.visited_on.data, "way": self.way.data, "result": self.result.data,
                "satisfied": self.satisfied.data == "yes"}


class MergeForm(FlaskForm):
    """并单 from a case's page: the other case (by number, offered from the possible duplicates), which of the two
    is kept, and why."""

    INTO_OTHER, KEEP_THIS = "into_other", "keep_this"
    other_number = StringField(_l("另一件诉求的编号"), filters=[strip], validators=[
        DataRequired(_l("请填写或选择另一件诉求的编号。")), Length(max=30, message=_l("编号不能超过 30 个字符。")), no_nul,
        single_line])
    direction = RadioField(_l("保留哪一件"), default=INTO_OTHER, choices=[
        (INTO_OTHER, _l("本诉求并入另一件（保留另一件）")), (KEEP_THIS, _l("另一件并入本诉求（保留本诉求）"))],
        validators=[DataRequired(_l("请选择保留哪一件诉求。"))])
    reason = _text(_l("并单理由"), _l("请填写并单理由。"), 2000)


class UnmergeForm(FlaskForm):
    """撤销并单 (supervisors): why the duplicate is handled on its own again."""

    reason = _text(_l("撤销理由"), _l("请填写撤销理由。"), 2000)
