"""One SLA clock: its budget, due time, level now, the next time its level can change, and why.

Pure functions over plain values. The application stores what happened (start, pauses, extensions, stop)
and asks `evaluate` what it means at a given moment.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import IntEnum
from typing import Sequence

from sla.calendar import SHANGHAI, WorkCalendar
from sla.worktime import DAY, OfficeHours, Pause, Piece, WallClock, WorkingDays, counted, reach, timeline


class Level(IntEnum):
    """How late a clock is; the order matters (a clock only ever moves up while it runs)."""

    OK = 0
    WARNING = 1
    OVERDUE = 2
    SUPERVISED = 3
    ESCALATED = 4

    @property
    def key(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Target:
    """A promise: `amount` calendar hours, office hours, or working days."""

    unit: str  # "hours" | "office_hours" | "working_days"
    amount: float

    def __post_init__(self):
        if self.unit not in ("hours", "office_hours", "working_days"):
            raise ValueError(f"unknown target unit {self.unit!r}")
        if self.amount <= 0:
            raise ValueError("a target must be positive")


@dataclass(frozen=True)
class Thresholds:
    """When a running clock warns and escalates."""

    warning_ratio: float = 0.75
    supervise_after_wd: int = 2
    escalate_after_wd: int = 5


@dataclass(frozen=True)
class Extension:
    """An approved extension (延期). It sets a new due time, approved at `at`: the end of the date `due_on`, or
    (`from_approval`) the end of the `working_days`-th working day after the approval day. An extension with
    neither (approved before due times were set this way) adds `working_days` to the budget."""

    working_days: int
    reason: str = ""
    approver: str = ""
    at: datetime | None = None
    due_on: date | None = None
    from_approval: bool = False

    @property
    def sets_due(self) -> bool:
        return self.at is not None and (self.due_on is not None or self.from_approval)

    def target_due(self, calendar: WorkCalendar) -> datetime:
        """The due time the approver set, as an aware datetime (midnight ending its day, Beijing)."""
        if self.due_on is not None:
            return datetime.combine(self.due_on + timedelta(days=1), time(0), tzinfo=SHANGHAI)
        return calendar.working_days_deadline(self.at, self.working_days)


@dataclass(frozen=True)
class ClockInput:
    """Everything that happened to one clock."""

    target: Target
    started_at: datetime
    stopped_at: datetime | None = None
    pauses: Sequence[Pause] = ()
    extensions: Sequence[Extension] = ()
    thresholds: Thresholds = Thresholds()
    # An outside time limit (the 12345 platform's 办理时限): when it comes before the policy's deadline, the clock
    # is due then instead. An approved extension that set a due time overrides it, as it overrides the policy.
    limit_at: datetime | None = None


@dataclass
class ClockStatus:
    """What a clock means at `now`."""

    due_at: datetime | None
    level: Level
    next_check_at: datetime | None
    budget: timedelta
    used: timedelta | None  # counted time so far; measured only when explaining (it walks the whole span)
    thresholds_at: dict = field(default_factory=dict)  # Level -> datetime | None
    segments: list[Piece] = field(default_factory=list)  # start → now (or the stop): what has happened
    plan: list[Piece] = field(default_factory=list)  # start → due: how the deadline comes about
    running: bool = True
    paused: bool = False
    breached: bool = False
    limited: bool = False  # the outside time limit, earlier than the policy's deadline, set the due time
    policy_due_at: datetime | None = None  # when limited and explaining: the deadline the policy alone gives

    @property
    def remaining(self) -> timedelta:
        return self.budget - self.used

    @property
    def used_ratio(self) -> float:
        return self.used / self.budget


def measure_for(target: Target, calendar: WorkCalendar):
    """The way this target counts time."""
    return measure_of(target.unit, calendar)


def measure_of(unit: str, calendar: WorkCalendar):
    """The way a clock of this unit counts time: every hour, office hours, or whole working days."""
    if unit == "working_days":
        return WorkingDays(calendar)
    if unit == "office_hours":
        return OfficeHours(calendar)
    return WallClock()


def _paused_before(pauses: Sequence[Pause], moment: datetime) -> list[Pause]:
    """The pauses as they stood at `moment`: later ones left out, one still open cut at `moment`."""
    return [Pause(p.start, min(p.end or moment, moment), p.reason) for p in pauses if p.start < moment]


def latest_due_extension(inp: ClockInput) -> Extension | None:
    """The last approved extension that set a new due time (it overrides everything approved before it)."""
    return max((e for e in inp.extensions if e.sets_due), key=lambda e: e.at, default=None)


def time_to_due(unit: str, due_at: datetime, now: datetime, calendar: WorkCalendar) -> timedelta:
    """Time from `now` to `due_at` as the clock itself counts it, negative once overdue.

    The one place remaining and overdue time is measured (badges, the explanation, the overdue board): a
    calendar-hour clock ("24 小时不打烊") counts every hour, weekends and nights included; a working-day clock
    counts only working time. Lists sort by the due instant itself, never by this figure."""
    measure = measure_of(unit, calendar)
    if now <= due_at:
        return counted(measure, now, due_at)
    return -counted(measure, due_at, now)


def budget_of(inp: ClockInput, calendar: WorkCalendar) -> timedelta:
    """Counted time the clock may use: N working days end at the end of the N-th working day after the
    start day (the rest of the start day is a gift, not a day); hours are hours.

    An extension that set a new due time turns it into a budget: the counted time from the start to that due
    time, with the pauses known when it was approved, so a hold after the approval still moves the due time."""
    extension = latest_due_extension(inp)
    if extension is not None:
        target = extension.target_due(calendar)
        return counted(measure_for(inp.target, calendar), inp.started_at, target,
                       _paused_before(inp.pauses, extension.at))
    policy = policy_budget(inp, calendar)
    limit = limit_budget(inp, calendar)
    return policy if limit is None else min(policy, limit)


def limit_budget(inp: ClockInput, calendar: WorkCalendar) -> timedelta | None:
    """The outside time limit as counted time from the start (None without one, or once an extension set the
    due time). Holds stop it like the policy's budget: a hold moves both deadlines alike."""
    if inp.limit_at is None or latest_due_extension(inp) is not None:
        return None
    return counted(measure_for(inp.target, calendar), inp.started_at, max(inp.started_at, inp.limit_at))


def policy_budget(inp: ClockInput, calendar: WorkCalendar) -> timedelta:
    """The budget the target (and extensions that added days) gives, before any outside limit."""
    extra_days = sum(e.working_days for e in inp.extensions)
    if inp.target.unit == "working_days":
        start_local = inp.started_at.astimezone(SHANGHAI)
        rest_of_day = timedelta(0)
        if calendar.is_workday(start_local.date()):
            next_day = start_local.date() + timedelta(days=1)
            rest_of_day = datetime.combine(next_day, time(0), tzinfo=SHANGHAI) - start_local
        return rest_of_day + (inp.target.amount + extra_days) * DAY
    per_day = DAY if inp.target.unit == "hours" else OfficeHours(calendar).day_length
    return timedelta(hours=inp.target.amount) + extra_days * per_day


def warning_budget(inp: ClockInput, calendar: WorkCalendar, budget: timedelta) -> timedelta:
    """When the warning comes: at the warning ratio of the budget, or, after an extension that set a new due
    time, at that ratio of the time the extension granted (a case extended while late is not warned at once)."""
    extension = latest_due_extension(inp)
    if extension is None:
        return budget * inp.thresholds.warning_ratio
    used = counted(measure_for(inp.target, calendar), inp.started_at, max(inp.started_at, extension.at),
                   inp.pauses)
    granted = max(budget - used, timedelta(0))
    return min(budget, used + granted * inp.thresholds.warning_ratio)


def evaluate(inp: ClockInput, now: datetime, calendar: WorkCalendar, explain: bool = False) -> ClockStatus:
    """The clock's due time, level and next threshold at `now` (a stopped clock is judged at its stop)."""
    measure = measure_for(inp.target, calendar)
    budget = budget_of(inp, calendar)
    t = inp.thresholds
    warning_at, due_at = reach(measure, inp.started_at, [warning_budget(inp, calendar, budget), budget],
                               inp.pauses)
    supervised_at = escalated_at = None
    if due_at is not None:
        # "N working days overdue" counts working days past the due time, pauses still excluded.
        days = WorkingDays(calendar)
        supervised_at, escalated_at = reach(days, due_at, [t.supervise_after_wd * DAY, t.escalate_after_wd * DAY],
                                            inp.pauses)
    at = {Level.WARNING: warning_at, Level.OVERDUE: due_at, Level.SUPERVISED: supervised_at,
          Level.ESCALATED: escalated_at}
    judged_at = min(now, inp.stopped_at) if inp.stopped_at else now
    level = Level.OK
    for lvl, when in at.items():
        if when is not None and when <= judged_at:
            level = max(level, lvl)
    running = inp.stopped_at is None
    paused = running and any(p.start <= now and (p.end is None or p.end > now) for p in inp.pauses)
    upcoming = [when for when in at.values() if when is not None and when > now]
    next_check = min(upcoming) if running and upcoming else None
    status = ClockStatus(due_at=due_at, level=level, next_check_at=next_check, budget=budget, used=None,
                         thresholds_at=at, running=running, paused=paused, breached=bool(due_at and due_at < judged_at))
    limit = limit_budget(inp, calendar)
    status.limited = limit is not None and limit < policy_budget(inp, calendar)
    if explain:
        pieces = list(timeline(measure, inp.started_at, max(inp.started_at, judged_at), inp.pauses))
        status.used = sum((p.length for p in pieces if p.counted), timedelta(0))
        status.segments = merge(pieces)
        if due_at is not None:
            status.plan = merge(list(timeline(measure, inp.started_at, due_at, inp.pauses)))
        if status.limited:
            status.policy_due_at = reach(measure, inp.started_at, [policy_budget(inp, calendar)], inp.pauses)[0]
    return status


def merge(pieces: list[Piece]) -> list[Piece]:
    """Join neighbouring pieces with the same status and label, so a week reads as a few lines."""
    merged: list[Piece] = []
    for p in pieces:
        if merged and merged[-1].end == p.start and merged[-1].counted == p.counted and merged[-1].label == p.label:
            merged[-1] = Piece(merged[-1].start, p.end, p.counted, p.label)
        else:
            merged.append(p)
    return merged
