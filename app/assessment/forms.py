"""Forms of the monthly assessment: publishing, exclusions, appeals, weights and the enterprise evaluation."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

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


MARKS = [(str(n), str(n)) for n in range(5, 0, -1)]


class EvaluationForm(FlaskForm):
    lawful = RadioField(_l("依法履职"), choices=MARKS, validators=[DataRequired(_l("请为“依法履职”打分。"))])
    efficiency = RadioField(_l("办事效率"), choices=MARKS, validators=[DataRequired(_l("请为“办事效率”打分。"))])
    execution = RadioField(_l("执行力"), choices=MARKS, validators=[DataRequired(_l("请为“执行力”打分。"))])
    attitude = RadioField(_l("服务态度"), choices=MARKS, validators=[DataRequired(_l("请为“服务态度”打分。"))])
    comment = TextAreaField(_l("意见建议（可选）"), filters=[strip],
                            validators=[Optional(), Length(max=1000, message=_l("不能超过 1000 字。")), no_nul])
