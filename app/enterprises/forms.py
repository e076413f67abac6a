"""Visit records."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.enums import VisitKind
from app.text import single_line
from app.forms import no_nul, strip


class VisitForm(FlaskForm):
    enterprise_id = SelectField(_l("企业"), coerce=str, validators=[DataRequired(_l("请选择企业。"))])
    kind = SelectField(_l("方式"))
    visited_on = DateField(_l("日期"), validators=[DataRequired(_l("请填写日期（年-月-日）。"))])
    participants = StringField(_l("参加人员"), filters=[strip], validators=[Length(max=200), no_nul, single_line])
    summary = TextAreaField(_l("走访情况与发现的问题"), filters=[strip], validators=[
        DataRequired(_l("请填写走访情况。")), Length(max=5000, message=_l("不能超过 5000 字。")), no_nul])

    def __init__(self, *args, enterprises=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.enterprise_id.choices = [("", _l("请选择"))] + [(str(e.id), e.name) for e in enterprises]
        self.kind.choices = VisitKind.choices()


class ContactForm(FlaskForm):
    contact_name = StringField(_l("联系人"), filters=[strip], validators=[
        DataRequired(_l("请填写联系人。")), Length(max=40, message=_l("不能超过 40 字。")), no_nul, single_line])
    mobile = StringField(_l("手机号码"), filters=[strip], validators=[
        DataRequired(_l("请填写手机号码。")), Length(max=20), no_nul])
    email = StringField(_l("电子邮箱（可选）"), filters=[strip], validators=[Length(max=120), no_nul])
