"""The enterprise's forms: submit a problem, look it up, add information, rate the outcome, sign in by SMS."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, MultipleFileField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from app.enums import Satisfaction, Solved, Urgency
from app.forms import no_nul, strip
from app.public.signin import normalize_code, normalize_mobile
from app.text import is_digits, single_line
from app.validators import is_valid_credit_code, is_valid_mobile, normalize_credit_code

KEY_RE = re.compile(r"^[A-Za-z0-9_-]{40,64}$")


class SubmitForm(FlaskForm):
    enterprise_name = StringField(_l("企业名称"), filters=[strip], validators=[
        DataRequired(_l("请填写企业名称。")), Length(min=2, max=120, message=_l("企业名称应为 2–120 个字。")), no_nul, single_line])
    credit_code = StringField(_l("统一社会信用代码"), filters=[strip, normalize_credit_code], validators=[
        DataRequired(_l("请填写统一社会信用代码。")), Length(max=18, message=_l("统一社会信用代码为 18 位。")), no_nul])
    confirm_code = BooleanField(_l("我已核对，代码无误，仍然提交"))
    contact_name = StringField(_l("联系人"), filters=[strip], validators=[
        DataRequired(_l("请填写联系人姓名。")), Length(max=40, message=_l("联系人姓名不能超过 40 个字。")), no_nul, single_line])
    mobile = StringField(_l("手机号码"), filters=[strip], validators=[DataRequired(_l("请填写手机号码。")), no_nul])
    email = StringField(_l("电子邮箱（可选）"), filters=[strip], validators=[
        Optional(), Length(max=120, message=_l("电子邮箱不能超过 120 个字符。")), Email(_l("电子邮箱格式不正确，例如 name@example.com。")),
        no_nul])
    category_id = SelectField(_l("诉求类别"), coerce=str, validators=[DataRequired(_l("请选择诉求类别。"))])
    urgency = SelectField(_l("紧急程度"), choices=Urgency.choices, default=Urgency.NORMAL.value)
    title = StringField(_l("诉求标题"), filters=[strip], validators=[
        DataRequired(_l("请填写诉求标题。")), Length(max=100, message=_l("标题不能超过 100 个字。")), no_nul, single_line])
    description = TextAreaField(_l("问题描述"), filters=[strip], validators=[
        DataRequired(_l("请描述您遇到的问题。")), Length(min=10, max=5000, message=_l("问题描述应为 10–5000 个字。")),
        no_nul])
    attachments = MultipleFileField(_l("附件（可选）"))
    homepage = StringField("homepage")  # honeypot: people never see it, bots fill it in
    submission_key = HiddenField()

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category_id.choices = [("", _l("请选择"))] + [(str(c.id), c.name) for c in categories]
        self.urgency.choices = Urgency.choices()
        self.code_needs_confirmation = False

    def validate_credit_code(self, field):
        if field.data and not is_valid_credit_code(field.data):
            if len(field.data) != 18:
                raise ValidationError(_l("统一社会信用代码应为 18 位字母或数字。"))
            if not self.confirm_code.data:
                self.code_needs_confirmation = True
                raise ValidationError(_l("该统一社会信用代码未通过校验（第 18 位校验码不符），请核对。"
                                         "如确认无误，请勾选下方确认框后再次提交。"))

    def validate_mobile(self, field):
        if not is_valid_mobile(field.data):
            raise ValidationError(_l("请填写 11 位手机号码，例如 13812345678。"))

    def validate_urgency(self, field):
        if Urgency.get(field.data) is None:
            raise ValidationError(_l("请选择紧急程度。"))

    def validate_submission_key(self, field):
        if not KEY_RE.match(field.data or ""):
            raise ValidationError(_l("表单已失效，请刷新页面后重新提交。"))


class TrackForm(FlaskForm):
    number = StringField(_l("跟踪编号"), filters=[strip], validators=[
        DataRequired(_l("请填写跟踪编号。")), Length(max=20, message=_l("跟踪编号或访问码不正确。")), no_nul])
    code = StringField(_l("访问码"), filters=[strip], validators=[
        DataRequired(_l("请填写访问码。")), Length(max=64, message=_l("跟踪编号或访问码不正确。")), no_nul])


class SupplementForm(FlaskForm):
    body = TextAreaField(_l("补充说明"), filters=[strip], validators=[
        Optional(), Length(max=5000, message=_l("补充说明不能超过 5000 字。")), no_nul])
    attachments = MultipleFileField(_l("补充附件"))


class SmsPreferenceForm(FlaskForm):
    """The enterprise turns SMS about its cases off ("off") or back on ("on")."""

    choice = HiddenField(validators=[DataRequired(_l("请选择是否接收短信通知。"))])

    def validate_choice(self, field):
        if field.data not in ("on", "off"):
            raise ValidationError(_l("请选择是否接收短信通知。"))


class RatingForm(FlaskForm):
    satisfaction = RadioField(_l("满意程度"), validators=[DataRequired(_l("请选择满意程度。"))])
    solved = RadioField(_l("问题是否解决"), validators=[DataRequired(_l("请选择问题解决情况。"))])
    comment = TextAreaField(_l("评价意见（可选）"), filters=[strip], validators=[
        Optional(), Length(max=1000, message=_l("评价意见不能超过 1000 字。")), no_nul])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.satisfaction.choices = Satisfaction.choices()
        self.solved.choices = Solved.choices()


class SigninForm(FlaskForm):
    """The enterprise asks for a sign-in code for its contact's mobile number."""

    mobile = StringField(_l("手机号码"), filters=[strip, normalize_mobile], validators=[
        DataRequired(_l("请填写手机号码。")), Length(max=20, message=_l("请填写 11 位手机号码，例如 13812345678。")),
        no_nul])

    def validate_mobile(self, field):
        if not is_valid_mobile(field.data):
            raise ValidationError(_l("请填写 11 位手机号码，例如 13812345678。"))


class CodeForm(SigninForm):
    """The enterprise types the code it received; the number stays as typed."""

    code = StringField(_l("短信验证码"), filters=[strip, normalize_code], validators=[
        DataRequired(_l("请填写短信验证码。")), no_nul])

    def validate_code(self, field):
        if not (len(field.data or "") == 6 and is_digits(field.data)):
            raise ValidationError(_l("请输入短信中的 6 位数字验证码。"))
