"""Visit records, enterprises, their contacts and 联系秘书."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, FieldList, Form, FormField, HiddenField, SelectField, SelectMultipleField,
                     StringField, TextAreaField, ValidationError)
from wtforms.validators import DataRequired, Length, Optional

from app.enums import VisitKind
from app.text import is_digits, single_line
from app.enterprises.desk import ContactRow
from app.forms import no_nul, strip
from app.validators import is_valid_credit_code, is_valid_mobile, normalize_credit_code


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


class EnterpriseDetailsForm(FlaskForm):
    """新建 / 修改企业: name, unified social credit code, park, industry."""

    name = StringField(_l("企业名称"), filters=[strip], validators=[
        DataRequired(_l("请填写企业名称。")), Length(max=120, message=_l("企业名称不能超过 120 字。")), no_nul,
        single_line])
    credit_code = StringField(_l("统一社会信用代码"), filters=[strip, normalize_credit_code],
                              validators=[Length(max=18, message=_l("统一社会信用代码应为 18 位。")), no_nul])
    park = StringField(_l("园区"), filters=[strip], validators=[Length(max=60, message=_l("不能超过 60 字。")), no_nul,
                                                               single_line])
    industry = StringField(_l("行业"), filters=[strip], validators=[
        Length(max=60, message=_l("不能超过 60 字。")), no_nul, single_line])

    def validate_credit_code(self, field):
        if field.data and not is_valid_credit_code(field.data):
            raise ValidationError(_l("统一社会信用代码应为 18 位，且校验位正确，请核对。"))


class ContactEntry(Form):
    """One contact row: blank rows are ignored."""

    id = HiddenField()
    name = StringField(_l("姓名"), filters=[strip], validators=[Length(max=40, message=_l("不能超过 40 字。")), no_nul,
                                                              single_line])
    title = StringField(_l("职务"), filters=[strip], validators=[Length(max=40, message=_l("不能超过 40 字。")), no_nul,
                                                               single_line])
    mobile = StringField(_l("手机号码"), filters=[strip], validators=[Length(max=20), no_nul])
    verified = BooleanField(_l("已核实"))

    def is_blank(self) -> bool:
        """Whether nothing was typed in this row."""
        return not (self.name.data or self.title.data or self.mobile.data)


class ContactsForm(FlaskForm):
    """An enterprise's contacts: several rows and which one is primary (主要联系人)."""

    contacts = FieldList(FormField(ContactEntry), min_entries=1, max_entries=20)
    primary = StringField(_l("主要联系人"), validators=[Length(max=3)])

    def validate_contacts(self, field):
        bad = False
        for n, entry in enumerate(field.entries, start=1):
            if entry.form.is_blank():
                continue
            if not entry.form.name.data:
                entry.form.name.errors = list(entry.form.name.errors) + [_l("请填写第 %(n)d 位联系人的姓名。", n=n)]
                bad = True
            if not is_valid_mobile(entry.form.mobile.data):
                entry.form.mobile.errors = list(entry.form.mobile.errors) + [
                    _l("第 %(n)d 位联系人：请填写正确的 11 位手机号码。", n=n)]
                bad = True
        if bad:
            raise ValidationError(_l("请修改标红的联系人。"))
        if all(entry.form.is_blank() for entry in field.entries):
            raise ValidationError(_l("请至少填写一位联系人（姓名和手机号码）。"))

    def rows(self):
        """The filled rows as the service takes them, and the index of the primary one among them."""
        rows, primary_index = [], None
        for index, entry in enumerate(self.contacts.entries):
            if entry.form.is_blank():
                continue
            if self.primary.data == str(index):
                primary_index = len(rows)
            raw_id = entry.form.id.data or ""
            rows.append(ContactRow(entry.form.name.data, entry.form.title.data or "", entry.form.mobile.data,
                                   bool(entry.form.verified.data), int(raw_id) if is_digits(raw_id) and
                                   len(raw_id) < 10 else None))
        return rows, primary_index


class EnterpriseForm(EnterpriseDetailsForm, ContactsForm):
    """新建企业: details, contacts, and the 联系秘书."""

    secretary_id = SelectField(_l("联系秘书"), coerce=str, validators=[Optional()])

    def __init__(self, *args, secretaries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.secretary_id.choices = [("", _l("暂不分配（进入公共池）"))] + [(str(u.id), u.display_name)
                                                                     for u in secretaries]


class AssignForm(FlaskForm):
    """分配联系秘书 for the enterprises ticked on the list, confirmed on a second step."""

    enterprise_ids = SelectMultipleField(_l("企业"), coerce=str, validate_choice=False)
    secretary_id = SelectField(_l("联系秘书"), coerce=str, validate_choice=False)
    confirm = HiddenField()

    def ids(self) -> list:
        """The ticked enterprise ids that are numbers (anything else is ignored)."""
        return sorted({int(v) for v in self.enterprise_ids.data or [] if is_digits(v) and len(v) < 10})
