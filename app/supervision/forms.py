"""Forms for SLA actions and settings."""
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.enums import Urgency
from app.forms import no_nul, strip
from app.text import is_digits


class NoteForm(FlaskForm):
    note = TextAreaField(_l("意见（可选）"), filters=[strip], validators=[Optional(), Length(max=1000), no_nul])


class SuperviseForm(FlaskForm):
    note = TextAreaField(_l("督办意见"), filters=[strip], validators=[
        DataRequired(_l("请填写督办意见。")), Length(max=1000, message=_l("不能超过 1000 字。")), no_nul])


class ExtensionForm(FlaskForm):
    clock_id = SelectField(_l("延期的时限"), coerce=int, validators=[InputRequired(_l("请选择时限。"))])
    days = IntegerField(_l("延期工作日数"), validators=[InputRequired(_l("请填写延期天数。")),
                                                      NumberRange(1, 30, _l("延期天数应为 1–30 个工作日。"))])
    reason = TextAreaField(_l("延期理由"), filters=[strip], validators=[
        DataRequired(_l("请填写延期理由。")), Length(max=1000, message=_l("不能超过 1000 字。")), no_nul])

    def __init__(self, *args, clocks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.clock_id.choices = [(c.id, label) for c, label in clocks]


class DecisionForm(FlaskForm):
    """Approve with a new due time (a date, or working days from the approval) or reject. The form only reads
    the input; the service checks the range and refuses what it cannot accept."""

    decision = RadioField(_l("审批"), validators=[DataRequired(_l("请选择批准或驳回。"))])
    due_mode = RadioField(_l("新的到期时间"), validate_choice=False)
    due_on = StringField(_l("延至（日期）"), filters=[strip], validators=[Optional(), Length(max=20)])
    due_days = StringField(_l("自批准之日起的工作日数"), filters=[strip], validators=[Optional(), Length(max=10)])
    note = TextAreaField(_l("审批意见（可选）"), filters=[strip], validators=[Optional(), Length(max=1000), no_nul])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision.choices = [("approve", _l("批准")), ("reject", _l("驳回"))]
        self.due_mode.choices = [("date", _l("延至指定日期")), ("days", _l("自批准之日起若干个工作日"))]
        self.new_due_on = self.new_due_days = None

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if not ok or self.decision.data != "approve":
            return ok
        if self.due_mode.data == "date":
            if not self.due_on.data:
                self.due_on.errors.append(_l("请填写新的到期日期。"))
                return False
            try:
                self.new_due_on = date.fromisoformat(self.due_on.data)
            except ValueError:
                self.due_on.errors.append(_l("请按“年-月-日”填写新的到期日期，例如 2026-09-30。"))
                return False
        elif self.due_mode.data == "days":
            try:
                self.new_due_days = int(self.due_days.data or "")
            except ValueError:
                self.due_days.errors.append(_l("自批准之日起的工作日数应为 1–250 的整数。"))
                return False
        else:
            self.due_mode.errors.append(_l("请选择新的到期时间：指定日期，或自批准之日起若干个工作日。"))
            return False
        return True


def _user_id(value) -> int:
    """A chosen account id; anything else reads as "nobody chosen" (0), which the form refuses clearly."""
    return int(value) if is_digits(str(value)) else 0


class DutyForm(FlaskForm):
    day = DateField(_l("日期"), validators=[DataRequired(_l("请填写日期（年-月-日）。"))])
    user_id = SelectField(_l("值班人员"), coerce=_user_id, validate_choice=False,
                          validators=[DataRequired(_l("请选择值班人员。"))])

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.user_id.choices = [(0, _l("请选择"))] + [(u.id, f"{u.display_name}（{u.role_enum.label}）")
                                                      for u in people]


class OverrideForm(FlaskForm):
    day = DateField(_l("日期"), validators=[DataRequired(_l("请填写日期（年-月-日）。"))])
    kind = SelectField(_l("设为"))
    note = StringField(_l("说明"), filters=[strip], validators=[Optional(), Length(max=100), no_nul])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [("holiday", _l("休息日（放假）")), ("workday", _l("工作日（调休上班）"))]


class NoticeForm(FlaskForm):
    """A year's State Council notice: the year, one line per holiday range, one line per make-up working day.
    The lines are checked by the import itself (app/supervision/notice.py), which names each bad line."""

    year = StringField(_l("年份"), filters=[strip], validators=[Length(max=10), no_nul])
    holidays = TextAreaField(_l("放假安排（每行一段：开始~结束 名称）"), validators=[Length(max=5000), no_nul])
    workdays = TextAreaField(_l("调休上班日（每行一天：日期 说明）"), validators=[Length(max=5000), no_nul])
    confirm = HiddenField()


def _days(label, low=0, high=60):
    return IntegerField(label, validators=[InputRequired(_l("请填写数字。")),
                                           NumberRange(low, high, _l("应在 %(min)s–%(max)s 之间。"))])


class PolicyForm(FlaskForm):
    name = StringField(_l("名称"), filters=[strip], validators=[DataRequired(_l("请填写名称。")), Length(max=80), no_nul])
    category_id = SelectField(_l("适用类别"), coerce=str)
    urgency = SelectField(_l("适用紧急程度"), coerce=str)
    acknowledge_hours = _days(_l("受理时限（小时）"), 1, 240)
    first_reply_wd = _days(_l("首次答复（工作日）"), 1)
    sign_off_wd = _days(_l("部门签收（工作日）"), 1)
    resolution_wd = _days(_l("办结（工作日）"), 1)
    convened_wd = _days(_l("会办件办结（工作日）"), 1)
    follow_up_wd = _days(_l("回访（工作日）"), 1)
    remediation_wd = _days(_l("差评整改（工作日）"), 1)
    warning_percent = _days(_l("预警比例（%）"), 10, 99)
    supervise_after_wd = _days(_l("超期几个工作日后督办"), 0)
    escalate_after_wd = _days(_l("超期几个工作日后升级至主任"), 0)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category_id.choices = [("", _l("全部类别"))] + [(str(c.id), c.name) for c in categories]
        self.urgency.choices = [("", _l("全部"))] + Urgency.choices()

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if ok and self.escalate_after_wd.data < self.supervise_after_wd.data:
            self.escalate_after_wd.errors.append(_l("升级天数不能少于督办天数。"))
            return False
        return ok


class RatingPolicyForm(FlaskForm):
    default_after_days = _days(_l("默认评价期限（自然日）"), 1, 30)
