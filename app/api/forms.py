"""The admin's form for a new API token."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.api.tokens import EXCHANGE_12345, READ, SCOPES, WRITE_TICKETS
from app.forms import no_nul, strip
from app.text import single_line


class ApiTokenForm(FlaskForm):
    name = StringField(_l("名称（对接的系统）"), filters=[strip], validators=[
        DataRequired(_l("请填写名称。")), Length(max=80, message=_l("名称不能超过 80 个字。")), no_nul, single_line])
    scope_read = BooleanField(SCOPES[READ], default=True)
    scope_write = BooleanField(SCOPES[WRITE_TICKETS])
    scope_exchange = BooleanField(SCOPES[EXCHANGE_12345])
    department_id = SelectField(_l("代表部门（看到该部门经办人能看到的诉求）"), coerce=str, validators=[Optional()])
    user_id = SelectField(_l("或代表工作人员（看到并办理该人员能办理的诉求）"), coerce=str, validators=[Optional()])

    def __init__(self, *args, departments=(), users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.department_id.choices = [("", _l("不代表部门"))] + [(str(d.id), d.name) for d in departments]
        self.user_id.choices = [("", _l("不代表工作人员"))] + [
            (str(u.id), f"{u.display_name}（{u.username} · {u.role_enum.label}）") for u in users]

    def scopes(self) -> list[str]:
        """The scopes ticked."""
        ticked = {READ: self.scope_read.data, WRITE_TICKETS: self.scope_write.data,
                  EXCHANGE_12345: self.scope_exchange.data}
        return [scope for scope, on in ticked.items() if on]

    def validate_user_id(self, field):
        if bool(field.data) == bool(self.department_id.data):
            raise ValidationError(_l("请选择令牌代表的部门，或代表的工作人员（二选一）。"))


class ButtonForm(FlaskForm):
    """A button's form: only the CSRF token (revoking a token)."""
