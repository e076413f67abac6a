"""The ticket lifecycle as data: which action is allowed in which state, and where it leads."""
from flask_babel import gettext as _

from app.enums import TicketState as S
from app.errors import TransitionRefused

OPEN_WORK = {S.TRIAGE, S.PROCESSING, S.CONVENED}

# action -> (states it is allowed in, state it leads to; None keeps the state, "held_from" resumes)
ACTIONS: dict[str, tuple[frozenset, object]] = {
    "accept": (frozenset({S.INTAKE}), S.TRIAGE),
    "reject": (frozenset({S.INTAKE}), S.REJECTED),
    "dispatch": (frozenset({S.TRIAGE}), S.PROCESSING),
    "sign": (frozenset({S.PROCESSING}), None),
    "return": (frozenset({S.PROCESSING}), None),  # a lead department's return sends it to triage
    "progress": (frozenset({S.PROCESSING, S.CONVENED}), None),
    "hold": (frozenset(OPEN_WORK), S.ON_HOLD),
    "resume": (frozenset({S.ON_HOLD}), "held_from"),
    "resolve": (frozenset(OPEN_WORK), S.RESOLVED),
    "convene": (frozenset({S.PROCESSING}), S.CONVENED),
    "plan": (frozenset({S.CONVENED}), S.PROCESSING),
    "reopen": (frozenset({S.RESOLVED}), S.PROCESSING),
    "close": (frozenset({S.RESOLVED}), S.CLOSED),
    "reply": (frozenset(OPEN_WORK | {S.ON_HOLD, S.RESOLVED}), None),
    "note": (frozenset(S), None),
    "edit": (frozenset(OPEN_WORK | {S.INTAKE, S.ON_HOLD}), None),
    "supplement": (frozenset(OPEN_WORK | {S.INTAKE, S.ON_HOLD}), None),
    "rate": (frozenset({S.RESOLVED}), None),
}


def allowed(action: str, state: str) -> bool:
    """Whether `action` may happen to a ticket in `state`."""
    states, _target = ACTIONS[action]
    return S(state) in states


def require(action: str, state: str) -> None:
    """Raise TransitionRefused unless `action` may happen in `state`."""
    if not allowed(action, state):
        raise TransitionRefused(
            _("当前状态为“%(state)s”，不能执行此操作。请刷新页面查看最新情况。", state=S(state).label))
