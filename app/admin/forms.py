"""Admin forms: users, departments, categories, message wording, webhook endpoints."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from app.enums import Role
from app.webhooks.events import EVENT_TYPES
from app.text import single_line
from app.forms import no_nul, strip

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
# A desk phone as people write it: 0512-66881234, (0512) 6688 1234, +86 512 66881234, 0512-66881234 转 801.
OFFICE_PHONE_RE = re.compile(r"^\+?[0-9()（） -]{5,20}(?:\s*(?:转|ext\.?)\s*[0-9]{1,6})?$")


class UserForm(FlaskForm):
    username = StringField(_l("用户名"), filters=[strip], validators=[DataRequired(_l("请填写用户名。")), no_nul])
    display_name = StringField(_l("姓名"), filters=[strip], validators=[
        DataRequired(_l("请填写姓名。")), Length(max=64), no_nul, single_line])
    role = SelectField(_l("角色"))
    department_id = SelectField(_l("所属部门"), coerce=str, validators=[Optional()])
    email = StringField(_l("邮箱"), filters=[strip], validators=[Optional(), Email(_l("邮箱格式不正确。")),
                                                                Length(max=120)])
    mobile = StringField(_l("手机"), filters=[strip], validators=[Optional(), Length(max=20), no_nul])
    office_phone = StringField(_l("办公电话"), filters=[strip], validators=[
        Optional(), Length(max=30, message=_l("办公电话不能超过 30 个字符。")), no_nul])
    active = BooleanField(_l("启用"), default=True)
    password = PasswordField(_l("密码"), validators=[Optional(), Length(min=8, max=200,
                                                                     message=_l("密码至少 8 位。"))])

    def __init__(self, *args, departments=(), creating=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.creating = creating
        self.role.choices = Role.choices()
        self.department_id.choices = [("", _l("无"))] + [(str(d.id), d.name) for d in departments]

    def validate_username(self, field):
        if not USERNAME_RE.match(field.data or ""):
            raise ValidationError(_l("用户名为 3–64 位字母、数字、点、下划线或短横线。"))

    def validate_office_phone(self, field):
        if field.data and (not OFFICE_PHONE_RE.match(field.data) or sum(c.isdigit() for c in field.data) < 5):
            raise ValidationError(_l("办公电话只能包含数字、空格、括号、“-”和“+”，分机写在“转”之后，"
                                     "例如 0512-66881234 转 801。"))

    def validate_department_id(self, field):
        if self.role.data == Role.OFFICER.value and not field.data:
            raise ValidationError(_l("部门经办人必须选择所属部门。"))

    def validate_password(self, field):
        if self.creating and not field.data:
            raise ValidationError(_l("请设置初始密码（至少 8 位）。"))


class NamedForm(FlaskForm):
    name = StringField(_l("名称"), filters=[strip], validators=[
        DataRequired(_l("请填写名称。")), Length(max=80, message=_l("名称不能超过 80 个字。")), no_nul, single_line])
    active = BooleanField(_l("启用"), default=True)


class CategoryForm(NamedForm):
    description = StringField(_l("说明"), filters=[strip], validators=[Length(max=300), no_nul])


class MessageTemplateForm(FlaskForm):
    """An admin's wording of one kind of message; the placeholders are checked by the service."""

    subject = StringField(_l("邮件标题"), filters=[strip], validators=[
        DataRequired(_l("请填写邮件标题。")), Length(max=100, message=_l("邮件标题不能超过 100 个字。")), no_nul, single_line])
    text = TextAreaField(_l("消息内容（短信和邮件正文）"), filters=[strip], validators=[
        DataRequired(_l("请填写消息内容。")), Length(max=500, message=_l("消息内容不能超过 500 个字。")), no_nul, single_line])


class WebhookForm(FlaskForm):
    """A webhook endpoint: its name, URL, the event types it receives and whether it is on (the URL and the
    types are checked again by the service)."""

    name = StringField(_l("名称"), filters=[strip], validators=[
        DataRequired(_l("请填写名称。")), Length(max=80, message=_l("名称不能超过 80 个字。")), no_nul, single_line])
    url = StringField(_l("推送地址"), filters=[strip], validators=[
        DataRequired(_l("请填写推送地址。")), Length(max=500, message=_l("地址不能超过 500 个字符。")), no_nul])
    event_types = SelectMultipleField(_l("推送的事件"), option_widget=widgets.CheckboxInput(),
                                      widget=widgets.ListWidget(prefix_label=False),
                                      validators=[DataRequired(_l("请至少选择一种事件。"))])
    hotline_only = BooleanField(_l("这是 12345 平台的回传接口：只推送 12345 转办诉求的受理、答复、转办、退单、办结和关闭，附工单编号"))
    active = BooleanField(_l("启用"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.event_types.choices = [(name, f"{label} · {name}") for name, label in EVENT_TYPES]
