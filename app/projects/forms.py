"""Forms for projects, procedures and their catalogue."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.enums import ProcedureStatus
from app.text import single_line
from app.forms import no_nul, strip


class ProjectForm(FlaskForm):
    enterprise_id = SelectField(_l("企业"), coerce=str, validators=[DataRequired(_l("请选择企业。"))])
    name = StringField(_l("项目名称"), filters=[strip], validators=[DataRequired(_l("请填写项目名称。")),
                                                                  Length(max=120), no_nul, single_line])
    investment_wan = IntegerField(_l("总投资（万元）"), validators=[
        InputRequired(_l("请填写总投资。")), NumberRange(0, 10_000_000, _l("总投资应为 0–10000000 万元。"))])
    industry = StringField(_l("行业"), filters=[strip], validators=[Optional(), Length(max=60), no_nul, single_line])
    park = StringField(_l("园区"), filters=[strip], validators=[Optional(), Length(max=60), no_nul, single_line])
    leader = StringField(_l("联系领导"), filters=[strip], validators=[Optional(), Length(max=60), no_nul, single_line])

    def __init__(self, *args, enterprises=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.enterprise_id.choices = [("", _l("请选择"))] + [(str(e.id), e.name) for e in enterprises]


class ProcedureForm(FlaskForm):
    enterprise_id = SelectField(_l("企业"), coerce=str, validators=[Optional()])
    type_id = SelectField(_l("代办事项"), coerce=int, validators=[InputRequired(_l("请选择代办事项类型。"))])
    stage_id = SelectField(_l("对应阶段（可选）"), coerce=str, validators=[Optional()])
    note = TextAreaField(_l("备注"), filters=[strip], validators=[Optional(), Length(max=2000), no_nul])

    def __init__(self, *args, types=(), stages=(), enterprises=(), **kwargs):
        """`stages`: the project's own stages (none for a procedure of an enterprise alone)."""
        super().__init__(*args, **kwargs)
        self.type_id.choices = [(t.id, f"{t.name}（{t.standard_wd} 个工作日）") for t in types]
        self.stage_id.choices = [("", _l("无"))] + [(str(s.id), s.name) for s in stages]
        self.enterprise_id.choices = [("", _l("请选择"))] + [(str(e.id), e.name) for e in enterprises]


class ProcedureUpdateForm(FlaskForm):
    status = SelectField(_l("状态"))
    submitted_on = DateField(_l("报审日期"), validators=[Optional()])
    approved_on = DateField(_l("办结日期"), validators=[Optional()])
    note = StringField(_l("备注"), filters=[strip], validators=[Optional(), Length(max=2000), no_nul])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = ProcedureStatus.choices()


class ProcedureTypeForm(FlaskForm):
    name = StringField(_l("名称"), filters=[strip], validators=[DataRequired(_l("请填写名称。")), Length(max=60), no_nul,
                                                                single_line])
    department_id = SelectField(_l("审批部门"), coerce=str, validators=[Optional()])
    standard_wd = IntegerField(_l("标准办理时限（工作日）"), validators=[
        InputRequired(_l("请填写数字。")), NumberRange(1, 365, _l("应在 %(min)s–%(max)s 之间。"))])

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.department_id.choices = [("", _l("无"))] + [(str(d.id), d.name) for d in departments]


class StageForm(FlaskForm):
    name = StringField(_l("阶段名称"), filters=[strip], validators=[DataRequired(_l("请填写名称。")),
                                                                  Length(max=40), no_nul, single_line])


class ParkTargetForm(FlaskForm):
    year = IntegerField(_l("年度"), validators=[InputRequired(_l("请填写年度。")),
                                              NumberRange(2000, 2100, _l("年度应在 2000–2100 之间。"))])
    park = StringField(_l("园区"), filters=[strip], validators=[DataRequired(_l("请填写园区。")), Length(max=60), no_nul,
                                                              single_line])
    new_starts = IntegerField(_l("新开工目标（个）"), validators=[
        InputRequired(_l("请填写新开工目标。")), NumberRange(0, 10_000, _l("应在 %(min)s–%(max)s 之间。"))])
    in_production = IntegerField(_l("投产目标（个）"), validators=[
        InputRequired(_l("请填写投产目标。")), NumberRange(0, 10_000, _l("应在 %(min)s–%(max)s 之间。"))])
    start_rate = IntegerField(_l("落地开工率目标（%）"), validators=[
        InputRequired(_l("请填写落地开工率目标。")), NumberRange(0, 100, _l("应在 %(min)s–%(max)s 之间。"))])
