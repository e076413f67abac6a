"""What is measured each month, for whom, and how a figure becomes points."""
from dataclasses import dataclass

from flask_babel import gettext as _, lazy_gettext as _l

SECRETARY, DEPARTMENT = "secretary", "department"
UNIT_KINDS = (SECRETARY, DEPARTMENT)
UNIT_LABELS = {SECRETARY: _l("项目秘书"), DEPARTMENT: _l("部室")}
AWARD_LABELS = {SECRETARY: _l("金牌秘书"), DEPARTMENT: _l("金牌部室")}


@dataclass(frozen=True)
class Metric:
    """One scored figure: a rate in 0–100 (or a count against a target) and which way is better."""

    key: str
    label: object
    explain: object
    lower_is_better: bool = False
    counts_tickets: bool = True  # visits and evaluations are not tickets and do not add to the volume
    target_count: bool = False  # scored as count / target (visits), not as a rate
    score: bool = False  # a mark out of 100 (the enterprises' evaluation), shown as 分, not as a percentage

    def points(self, rate: float) -> float:
        """The 0–100 points a rate earns: rates where lower is better are turned around."""
        return 100.0 - rate if self.lower_is_better else rate


RESPONSE = Metric("response", _l("响应率"), _l("受理与首次答复时限内完成的比例"))
ON_TIME = Metric("on_time", _l("按时办结率"), _l("办结时限（扣除挂起时间，含批准的延期）内办结的比例；办结时由部门主办的计入该部门，否则计入项目秘书"))
COMPLETION = Metric("completion", _l("办结率"), _l("时限口径：办结时限在本月到期的诉求中按期办结的比例（按时限计，重办后的新时限另计一次）"))
SATISFACTION = Metric("satisfaction", _l("满意率"), _l("企业评价为“满意”或“非常满意”的比例；企业逾期未评价、由系统默认评价为“基本满意”的，视为满意；同一诉求本月评价多次的，以最后一次为准"))
SOLVED = Metric("solved", _l("解决率"), _l("企业评价“解决”计 1，“部分解决”计 0.5，“未解决”计 0，系统默认评价按“解决”计；同一诉求本月以最后一次评价为准"))
VISITS = Metric("visits", _l("走访"), _l("本月登记的走访、座谈与电话回访，达到目标次数得满分"),
                counts_tickets=False, target_count=True)
EVALUATION = Metric("evaluation", _l("企业评价"), _l("企业综合打分：依法履职、办事效率、执行力、服务态度各 1–5 分，平均分 × 20 折为百分制（5 分为 100 分，1 分为 20 分），是分数而非比例"),
                    counts_tickets=False, score=True)
SIGN_OFF = Metric("sign_off", _l("及时签收率"), _l("转办后在签收时限内签收（或说明理由退回）的比例"))
RETURNS = Metric("returns", _l("退回率"), _l("本月转来的诉求中被本部门退回的比例（越低越好）"), lower_is_better=True)
REOPENS = Metric("reopens", _l("重办率"), _l("本部门主办并在本月办结的诉求中，之后被重办的比例（按诉求计，一件只计一次；越低越好）"),
                 lower_is_better=True)
ACTION_ITEMS = Metric("action_items", _l("会办事项按时率"), _l("会办确定的事项在时限内完成的比例"))

METRICS = {
    SECRETARY: (RESPONSE, ON_TIME, COMPLETION, SATISFACTION, SOLVED, VISITS, EVALUATION),
    DEPARTMENT: (SIGN_OFF, ON_TIME, RETURNS, REOPENS, SATISFACTION, ACTION_ITEMS, EVALUATION),
}
BY_KEY = {m.key: m for ms in METRICS.values() for m in ms}

# Echoes the public 12345 practice: response, resolution and satisfaction carry most of the weight.
DEFAULT_WEIGHTS = {
    SECRETARY: {"response": 20, "on_time": 20, "completion": 15, "satisfaction": 20, "solved": 10, "visits": 5,
                "evaluation": 10},
    DEPARTMENT: {"sign_off": 20, "on_time": 25, "returns": 10, "reopens": 10, "satisfaction": 20,
                 "action_items": 5, "evaluation": 10},
}

# Why a line counts or not; the drill-down shows these words next to each ticket.
REASONS = {
    "on_time": _l("按时"),
    "late": _l("超时完成"),
    "late_open": _l("已超时，尚未完成"),
    "resolved": _l("月底前已办结"),
    "unresolved": _l("月底仍未办结"),
    "satisfied": _l("满意"),
    "not_satisfied": _l("基本满意或不满意"),
    "default_satisfied": _l("默认评价（企业逾期未评价），视为满意"),
    "default_solved": _l("默认评价（企业逾期未评价），按解决计"),
    "solved": _l("解决"),
    "partly": _l("部分解决"),
    "unsolved": _l("未解决"),
    "returned": _l("被退回"),
    "kept": _l("未退回"),
    "reopened": _l("办结后被重办"),
    "not_reopened": _l("未重办"),
    "visit": _l("走访记录"),
    "evaluation": _l("企业打分"),
    "excluded": _l("不纳入考核"),
    "appeal": _l("申诉已采纳"),
    "merged": _l("已并单（随保留的诉求计一次）"),
}


def figure_text(metric: Metric, fig) -> str:
    """How a unit's figure reads in every table and citation: 83.3%, 85.0 分, a count of visits, or —."""
    if metric.target_count:
        return str(fig.counted)
    if fig.rate is None:
        return "—"
    if metric.score:
        return _("%(v)s 分", v=f"{fig.rate:.1f}")
    return f"{fig.rate:.1f}%"


def reason_label(code: str) -> str:
    """The words for a reason code."""
    return str(REASONS.get(code, code))
