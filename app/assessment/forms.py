"""Forms of the monthly assessment: publishing, exclusions, appeals, weights and the enterprise evaluation."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.assessment.evaluation import CRITERIA
from app.assessment.metrics import METRICS
from app.forms import no_nul, strip

REASON = [DataRequired(_l("请填写原因。")), Length(max=1000, message=_l("不能超过 1000 字。")), no_nul]


class PublishForm(FlaskForm):
    republish = BooleanField(_l("重新发布（生成新版本，旧版本保留可查）"))
    note = TextAreaField(_l("说明（重新发布时必填）"), filters=[strip],
                         validators=[Optional(), Length(max=2000, message=_l("不能超过 2000 字。")), no_nul])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("原因"), filters=[strip], validators=REASON)


class AppealForm(FlaskForm):
    reason = TextAreaField(_l("申诉理由"), filters=[strip], validators=[
        DataRequired(_l("请填写申诉理由。")), Length(max=2000, message=_l("不能超过 2000 字。")), no_nul])


class AppealDecisionForm(FlaskForm):
    decision = RadioField(_l("处理结果"), choices=[("accept", _l("采纳（该诉求不计入该单位考核）")),
                                                  ("reject", _l("不采纳"))],
                          validators=[DataRequired(_l("请选择采纳或不采纳。"))])
    reason = TextAreaField(_l("处理意见"), filters=[strip], validators=[
        DataRequired(_l("请填写处理意见。")), Length(max=2000, message=_l("不能超过 2000 字。")), no_nul])


def rule_form(kind):
    """A form with one weight field per metric of `kind`, plus the thresholds."""

    class RuleForm(FlaskForm):
        min_tickets = IntegerField(_l("参与排名的最低件数"), validators=[
            InputRequired(_l("请填写最低件数。")), NumberRange(0, 1000, _l("应在 0–1000 之间。"))])
        gold_min_score = IntegerField(_l("金牌最低得分"), validators=[
            InputRequired(_l("请填写金牌最低得分。")), NumberRange(0, 100, _l("应在 0–100 之间。"))])
        visit_target = IntegerField(_l("每月走访目标（次）"), validators=[
            InputRequired(_l("请填写走访目标。")), NumberRange(1, 100, _l("应在 1–100 之间。"))])

    for metric in METRICS[kind]:
        setattr(RuleForm, f"w_{metric.key}", IntegerField(metric.label, validators=[
            InputRequired(_l("请填写权重。")), NumberRange(0, 100, _l("每项权重应在 0 到 100 之间。"))]))
    return RuleForm


def unit_key(kind: str, unit_id: int) -> str:
    """The prefix of one unit's fields on the evaluation form: `secretary_7-lawful`, `department_3-comment`."""
    return f"{kind}_{unit_id}"


def unit_entries(formdata, units) -> dict:
    """What was posted for each offered unit, as typed: {(kind, id): {criterion: text, "comment": text}}. Fields
    of units not offered are never read."""
    keys = (*CRITERIA, "comment")
    return {unit: {k: formdata.get(f"{unit_key(*unit)}-{k}") or "" for k in keys} for unit in units}
