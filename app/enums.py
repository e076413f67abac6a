"""Enumerations that carry their Chinese label and the CSS class used to show them."""
from enum import Enum

from flask_babel import get_locale, lazy_gettext as _l

from sla.clocks import Level


# Labels by (locale, enum, value): a list of 50 rows reads hundreds of them, and translating one through
# Flask-Babel's context look-ups costs more than rendering its cell. They never change while the process runs.
_LABELS: dict = {}


class LabeledEnum(str, Enum):
    """A string enum whose members have a translated label and a badge class."""

    def __new__(cls, value, label, css="secondary"):
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj._label = label
        obj.css = css
        return obj

    @property
    def label(self) -> str:
        """The member's label in the current language."""
        locale = get_locale()
        if locale is None:  # outside a request: nothing to cache by
            return str(self._label)
        key = (str(locale), self.__class__, self._value_)
        text = _LABELS.get(key)
        if text is None:
            text = _LABELS[key] = str(self._label)
        return text

    @classmethod
    def choices(cls):
        """(value, label) pairs for a select field."""
        return [(m.value, m.label) for m in cls]

    @classmethod
    def get(cls, value):
        """The member for a stored value, or None."""
        try:
            return cls(value)
        except ValueError:
            return None

    def __str__(self):
        return self.value


class TicketState(LabeledEnum):
    INTAKE = "intake", _l("待受理"), "info"
    TRIAGE = "triage", _l("待分派"), "primary"
    PROCESSING = "processing", _l("办理中"), "primary"
    CONVENED = "convened", _l("会办中"), "warning"
    ON_HOLD = "on_hold", _l("挂起"), "secondary"
    RESOLVED = "resolved", _l("已办结"), "success"
    CLOSED = "closed", _l("已关闭"), "dark"
    REJECTED = "rejected", _l("不予受理"), "danger"
    # 退单: a 12345 order that is not the centre's went back to the platform; ended, never counted as 办结.
    RETURNED = "returned", _l("已退回12345"), "secondary"
    # 并单: closed as a duplicate of another case, which carries the work (app/tickets/merging.py).
    MERGED = "merged", _l("已并单"), "secondary"

    @property
    def is_open(self) -> bool:
        """Whether the case still needs work."""
        return self not in (TicketState.CLOSED, TicketState.REJECTED, TicketState.RESOLVED, TicketState.RETURNED,
                            TicketState.MERGED)


# Ended without an outcome of the centre's: refused at intake, or returned to the 12345 platform.
ENDED_UNHANDLED = [TicketState.REJECTED.value, TicketState.RETURNED.value]


OPEN_STATES = [s.value for s in TicketState if s.is_open]


class Role(LabeledEnum):
    SECRETARY = "secretary", _l("项目秘书")
    OFFICER = "officer", _l("部门经办人")
    SUPERVISOR = "supervisor", _l("督办")
    ADMIN = "admin", _l("管理员")


class Channel(LabeledEnum):
    WEB = "web", _l("网上提交")
    VISIT = "visit", _l("走访")
    PHONE = "phone", _l("电话")
    FORUM = "forum", _l("座谈会")
    RECEPTION_DAY = "reception_day", _l("局长接待日")
    ESCALATION_WINDOW = "escalation_window", _l("办不成事反映窗口")
    HOTLINE = "hotline", _l("12345 转办")


OFFLINE_CHANNELS = [c for c in Channel if c is not Channel.WEB]


class Urgency(LabeledEnum):
    NORMAL = "normal", _l("一般"), "secondary"
    URGENT = "urgent", _l("紧急"), "danger"


class AssignmentRole(LabeledEnum):
    LEAD = "lead", _l("主办"), "primary"
    SUPPORT = "support", _l("协办"), "info"


class AssignmentStatus(LabeledEnum):
    PENDING = "pending", _l("待签收"), "warning"
    SIGNED = "signed", _l("已签收"), "success"
    RETURNED = "returned", _l("已退回"), "danger"
    WITHDRAWN = "withdrawn", _l("已撤回"), "secondary"


ACTIVE_ASSIGNMENT = [AssignmentStatus.PENDING.value, AssignmentStatus.SIGNED.value]
# TicketClock.outcome of a sign-off the case no longer needed (resolved, closed or withdrawn before the
# department signed or returned it).
CLOCK_NOT_NEEDED = "not_needed"


class Satisfaction(LabeledEnum):
    VERY_SATISFIED = "5", _l("非常满意"), "success"
    SATISFIED = "4", _l("满意"), "success"
    NEUTRAL = "3", _l("基本满意"), "secondary"  # the national 好差评 scale's third level
    DISSATISFIED = "2", _l("不满意"), "warning"
    VERY_DISSATISFIED = "1", _l("非常不满意"), "danger"


class Solved(LabeledEnum):
    SOLVED = "solved", _l("解决"), "success"
    PARTLY = "partly", _l("部分解决"), "warning"
    UNSOLVED = "unsolved", _l("未解决"), "danger"


class LinkSource(LabeledEnum):
    """How a personal tracking link reached the enterprise."""

    RECEIPT = "receipt", _l("提交回执")
    STAFF = "staff", _l("工作人员发放")
    MESSAGE = "message", _l("随通知发送")
# A rating at or below this level is a 差评: it reopens the case and opens a remediation (整改).
BAD_SATISFACTION = [Satisfaction.DISSATISFIED.value, Satisfaction.VERY_DISSATISFIED.value]
# What the sweep records for a case the enterprise did not rate in time (默认评价).
DEFAULT_SATISFACTION, DEFAULT_SOLVED = Satisfaction.NEUTRAL, Solved.SOLVED


class ReturnVisitWay(LabeledEnum):
    """How the secretary went back to an enterprise that gave a 差评."""

    PHONE = "phone", _l("电话")
    ON_SITE = "on_site", _l("上门")
    OTHER = "other", _l("其他")


class VisitKind(LabeledEnum):
    VISIT = "visit", _l("走访")
    FORUM = "forum", _l("座谈会")
    PHONE = "phone", _l("电话回访")
    RECEPTION_DAY = "reception_day", _l("局长接待日")


class EventKind(LabeledEnum):
    CREATED = "created", _l("提交诉求")
    RECORDED = "recorded", _l("登记线下诉求")
    ACCEPTED = "accepted", _l("受理")
    REJECTED = "rejected", _l("不予受理")
    REPLIED = "replied", _l("答复企业")
    NOTED = "noted", _l("内部备注")
    DISPATCHED = "dispatched", _l("转办")
    SIGNED = "signed", _l("部门签收")
    RETURNED = "returned", _l("部门退回")
    PROGRESS = "progress", _l("办理进展")
    HELD = "held", _l("挂起")
    RESUMED = "resumed", _l("恢复办理")
    RESOLVED = "resolved", _l("办结")
    REOPENED = "reopened", _l("重办")
    CLOSED = "closed", _l("关闭")
    SUPPLEMENTED = "supplemented", _l("企业补充材料")
    RATED = "rated", _l("企业评价")
    EDITED = "edited", _l("修改诉求信息")
    ASSIGNED = "assigned", _l("指派秘书")
    SLA_LEVEL = "sla_level", _l("时限预警")
    SLA_WITHDRAWN = "sla_withdrawn", _l("时限预警撤销")
    URGED = "urged", _l("催办")
    SUPERVISED = "supervised", _l("督办")
    EXTENSION_REQUESTED = "ext_requested", _l("申请延期")
    EXTENSION_APPROVED = "ext_approved", _l("批准延期")
    EXTENSION_REJECTED = "ext_rejected", _l("驳回延期")
    SLA_RECOMPUTED = "sla_recomputed", _l("重算时限")
    CONVENED = "convened", _l("安排会办")  # convening arranges the meeting; it is held later
    MEETING_HELD = "meeting_held", _l("会办会议纪要")
    PLAN_DECIDED = "plan_decided", _l("形成办理方案")
    ACTION_ADDED = "action_added", _l("会办事项")
    ACTION_DONE = "action_done", _l("会办事项完成")
    SCORE_EXCLUDED = "score_excluded", _l("不纳入考核")
    SCORE_INCLUDED = "score_included", _l("恢复纳入考核")
    APPEAL_FILED = "appeal_filed", _l("考核申诉")
    APPEAL_DECIDED = "appeal_decided", _l("申诉处理")
    LINK_ISSUED = "link_issued", _l("发放跟踪链接")
    LINK_REVOKED = "link_revoked", _l("撤销跟踪链接")
    LINK_SENT = "link_sent", _l("短信发送查询链接")
    SMS_PREFERENCE = "sms_preference", _l("短信通知设置")
    REMEDIATION_OPENED = "remediation", _l("差评整改")
    RETURN_VISITED = "return_visit", _l("差评回访")
    HOTLINE_UPDATED = "hotline_updated", _l("12345 工单更新")
    PLATFORM_RETURNED = "platform_returned", _l("退回 12345 平台")
    MERGED = "merged", _l("并单")                   # on the duplicate: closed into the kept case
    MERGE_KEPT = "merge_kept", _l("并入重复诉求")      # on the kept case: a duplicate joined it
    UNMERGED = "unmerged", _l("撤销并单")             # on the duplicate: back to its own work
    UNMERGE_KEPT = "unmerge_kept", _l("重复诉求撤出")  # on the kept case: the duplicate left it


class ClockKind(LabeledEnum):
    ACKNOWLEDGE = "acknowledge", _l("受理时限")
    FIRST_REPLY = "first_reply", _l("首次答复时限")
    SIGN_OFF = "sign_off", _l("部门签收时限")
    RESOLUTION = "resolution", _l("办结时限")
    FOLLOW_UP = "follow_up", _l("回访时限")
    ACTION_ITEM = "action_item", _l("会办事项时限")
    REMEDIATION = "remediation", _l("差评整改时限")


class SlaLevel(LabeledEnum):
    """A clock's level as stored and shown; the engine's `sla.clocks.Level` is the same scale as numbers."""

    OK = "ok", _l("正常"), "success"
    WARNING = "warning", _l("即将到期"), "warning"
    OVERDUE = "overdue", _l("已超期"), "danger"
    SUPERVISED = "supervised", _l("督办"), "danger"
    ESCALATED = "escalated", _l("升级至主任"), "dark"

    @property
    def rank(self) -> int:
        """The level's place on the scale (0 = ok … 4 = escalated)."""
        return list(SlaLevel).index(self)

    @property
    def level(self) -> Level:
        """The engine's level for this stored one."""
        return Level(self.rank)

    @classmethod
    def of(cls, level: Level) -> "SlaLevel":
        """The stored level for the engine's one."""
        return list(cls)[int(level)]


class ExtensionStatus(LabeledEnum):
    PENDING = "pending", _l("待审批"), "warning"
    APPROVED = "approved", _l("已批准"), "success"
    REJECTED = "rejected", _l("已驳回"), "secondary"


class MeetingStatus(LabeledEnum):
    PLANNED = "planned", _l("待召开"), "info"
    HELD = "held", _l("已召开"), "success"


class ActionItemStatus(LabeledEnum):
    OPEN = "open", _l("未完成"), "warning"
    DONE = "done", _l("已完成"), "success"


class CellStatus(LabeledEnum):
    """A project stage's cell on the sheet: done (on time or late), late, due soon, planned, or no date."""

    DONE = "done", _l("按期完成"), "success"
    DONE_LATE = "done_late", _l("逾期完成"), "warning"
    LATE = "late", _l("已逾期"), "danger"
    SOON = "soon", _l("即将到期"), "warning"
    PLANNED = "planned", _l("按计划"), "info"
    EMPTY = "empty", "—", "secondary"


class AppealStatus(LabeledEnum):
    PENDING = "pending", _l("待处理"), "warning"
    ACCEPTED = "accepted", _l("已采纳"), "success"
    REJECTED = "rejected", _l("未采纳"), "secondary"


class ProcedureStatus(LabeledEnum):
    NOT_STARTED = "not_started", _l("未启动"), "secondary"
    PREPARING = "preparing", _l("材料准备中"), "info"
    SUBMITTED = "submitted", _l("已报审"), "primary"
    APPROVED = "approved", _l("已办结"), "success"
    REJECTED = "rejected", _l("未通过"), "danger"
