"""The ticket workflow in one table: every action's name, label, form, the states it is allowed in, the state it
leads to, and who may take it. The verbs (app/tickets/services.py, the meeting verbs), the ticket page, its
template, the access rules and the tests all read this table; nothing else spells an action's rule again."""
from dataclasses import dataclass

from flask_babel import gettext as _, lazy_gettext as _l

from app.enums import TicketState as S
from app.errors import TransitionRefused
from app.tickets import forms

OPEN_WORK = frozenset({S.TRIAGE, S.PROCESSING, S.CONVENED})
HELD_FROM = "held_from"  # the target of "resume": the state the ticket was held from
MERGED_FROM = "merged_from"  # the target of "unmerge": the state the duplicate was merged from
MERGEABLE = OPEN_WORK | {S.INTAKE, S.ON_HOLD}  # a duplicate still being worked on can be merged

# Who may take an action (the ticket must also be visible to them: app/tickets/access.py).
STAFF = "staff"                          # the case's secretary or a supervisor
HOTLINE_STAFF = "hotline_staff"          # the same, on a case that came as a 12345 work order
ANY_STAFF_BUT_ADMIN = "not_admin"        # internal notes: everyone on staff who works cases
DEPARTMENT_PENDING = "dept_pending"      # an officer whose department's part awaits sign-off
DEPARTMENT_ACTIVE = "dept_active"        # an officer whose department holds an active part
DEPARTMENT_SIGNED = "dept_signed"        # an officer whose department has signed its part
ENTERPRISE = "enterprise"                # the enterprise, on its tracking page
SUPERVISOR = "supervisor"                # supervisors only (undoing a merge)


@dataclass(frozen=True)
class WorkflowAction:
    """One workflow action. `form` is None for actions not taken from the ticket page's action list."""

    name: str
    label: str
    done: str
    from_states: frozenset
    target: object          # a TicketState, None (the state does not change) or HELD_FROM
    who: str
    form: type | None = None
    danger: bool = False    # drawn as a warning button (refusals)
    note: str = ""          # where the target depends on the case

    def allowed_in(self, state) -> bool:
        """Whether this action may happen to a ticket in `state`."""
        return S(state) in self.from_states


_ALL = (
    WorkflowAction("accept", _l("受理"), _l("已受理。"), frozenset({S.INTAKE}), S.TRIAGE, STAFF, forms.ConfirmForm),
    WorkflowAction("reject", _l("不予受理"), _l("已不予受理，理由已告知企业。"), frozenset({S.INTAKE}), S.REJECTED,
                   STAFF, forms.ReasonForm, danger=True),
    WorkflowAction("reply", _l("答复企业"), _l("答复已发送给企业。"), OPEN_WORK | {S.ON_HOLD, S.RESOLVED}, None,
                   STAFF, forms.ReplyForm),
    WorkflowAction("note", _l("内部备注"), _l("备注已保存。"), frozenset(S), None, ANY_STAFF_BUT_ADMIN,
                   forms.NoteForm),
    WorkflowAction("dispatch", _l("转办"), _l("已转办。"), frozenset({S.TRIAGE}), S.PROCESSING, STAFF,
                   forms.DispatchForm),
    WorkflowAction("sign", _l("签收"), _l("已签收。"), frozenset({S.PROCESSING}), None, DEPARTMENT_PENDING,
                   forms.ConfirmForm),
    WorkflowAction("return", _l("退回"), _l("已退回。"), frozenset({S.PROCESSING}), None, DEPARTMENT_ACTIVE,
                   forms.ReasonForm, danger=True, note="a lead department's return sends the case to triage"),
    WorkflowAction("progress", _l("报告进展"), _l("进展已报告。"), frozenset({S.PROCESSING, S.CONVENED}), None,
                   DEPARTMENT_SIGNED, forms.ProgressForm),
    WorkflowAction("hold", _l("挂起"), _l("已挂起，等待企业。"), OPEN_WORK, S.ON_HOLD, STAFF, forms.ReasonForm),
    WorkflowAction("resume", _l("恢复办理"), _l("已恢复办理。"), frozenset({S.ON_HOLD}), HELD_FROM, STAFF,
                   forms.CloseForm),
    WorkflowAction("resolve", _l("办结"), _l("已办结。"), OPEN_WORK, S.RESOLVED, STAFF, forms.ResolveForm),
    WorkflowAction("reopen", _l("重办"), _l("已重办。"), frozenset({S.RESOLVED}), S.PROCESSING, STAFF,
                   forms.ReasonForm, note="back to triage when no department holds the case"),
    WorkflowAction("close", _l("回访并关闭"), _l("已关闭。"), frozenset({S.RESOLVED}), S.CLOSED, STAFF,
                   forms.CloseForm),
    # 退单: a 12345 order that is not the centre's goes back to the platform with a reason, before any outcome.
    WorkflowAction("platform_return", _l("退回 12345 平台"), _l("已退回 12345 平台。"), frozenset({S.INTAKE, S.TRIAGE}),
                   S.RETURNED, HOTLINE_STAFF, forms.ReasonForm, danger=True, note="only a case that came from 12345"),
    WorkflowAction("edit", _l("修改信息"), _l("诉求信息已更新。"), OPEN_WORK | {S.INTAKE, S.ON_HOLD}, None, STAFF,
                   forms.EditForm),
    # Taken from the meeting pages.
    WorkflowAction("convene", _l("召开会办"), _l("会办已召开。"), frozenset({S.PROCESSING}), S.CONVENED, STAFF),
    WorkflowAction("plan", _l("形成办理方案"), _l("已形成办理方案。"), frozenset({S.CONVENED}), S.PROCESSING, STAFF),
    # Personal tracking links (app/tickets/links.py), from the ticket page's link panel: any state, even a closed
    # case, whose outcome the enterprise may still want to read.
    WorkflowAction("link", _l("发放跟踪链接"), _l("已发放新的个人跟踪链接。"), frozenset(S), None, STAFF),
    WorkflowAction("unlink", _l("撤销跟踪链接"), _l("跟踪链接已撤销，持有该链接的人不能再查看此诉求。"), frozenset(S), None,
                   STAFF),
    # Taken from the ticket page's "通知企业" section: the case's link by SMS, for a case heard offline.
    WorkflowAction("send_link", _l("短信发送查询链接"), _l("查询链接短信已排队发送。"),
                   frozenset(S) - {S.CLOSED, S.REJECTED, S.RETURNED, S.MERGED}, None, STAFF),
    # 并单 (app/tickets/merging.py), from the ticket page's "可能重复" panel: this case (the duplicate) is closed
    # into the kept one; the kept case's secretary or a supervisor, seeing both, may do it. A supervisor undoes it.
    WorkflowAction("merge", _l("并单"), _l("已并单：本诉求已并入保留的诉求办理。"), MERGEABLE, S.MERGED, STAFF),
    WorkflowAction("unmerge", _l("撤销并单"), _l("已撤销并单，诉求恢复单独办理。"), frozenset({S.MERGED}), MERGED_FROM,
                   SUPERVISOR),
    # Taken by the enterprise on its tracking page.
    WorkflowAction("supplement", _l("补充材料"), _l("补充材料已提交。"), OPEN_WORK | {S.INTAKE, S.ON_HOLD}, None,
                   ENTERPRISE, note="a case on hold for the enterprise resumes"),
    WorkflowAction("rate", _l("确认并评价"), _l("感谢您的评价。"), frozenset({S.RESOLVED}), S.CLOSED, ENTERPRISE,
                   note="未解决 or 不满意 reopens the case instead"),
)
ACTIONS: dict[str, WorkflowAction] = {a.name: a for a in _ALL}
PAGE_ACTIONS = [a.name for a in _ALL if a.form is not None]  # the ticket page's action list, in display order


def allowed(action: str, state) -> bool:
    """Whether `action` may happen to a ticket in `state`."""
    return ACTIONS[action].allowed_in(state)


def require(action: str, state) -> None:
    """Raise TransitionRefused unless `action` may happen in `state`."""
    if not allowed(action, state):
        raise TransitionRefused(
            _("当前状态为“%(state)s”，不能执行此操作。请刷新页面查看最新情况。", state=S(state).label))


def target(action: str) -> S:
    """The state `action` leads to (for actions whose target does not depend on the case)."""
    to = ACTIONS[action].target
    if not isinstance(to, S):
        raise ValueError(f"{action} has no fixed target")
    return to
