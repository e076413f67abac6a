"""A year's State Council holiday notice (国务院办公厅关于节假日安排的通知), imported in one step: the admin's lines
are checked, the open deadlines it would move are shown with how far, and on confirmation every day of it is
written at once and the year counts as covered."""
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import selectinload

from app.audit import record_change, snapshot
from app.deadlines.calendar import build_calendar, calendar_data, current_calendar, forget_calendar
from app.deadlines.engine import clock_input
from app.errors import NotAllowed, ValidationFailed
from app.extensions import db
from app.journal import commit
from app.models import CalendarNotice, CalendarOverride, TicketClock
from app.supervision.services import after_calendar_change
from app.timesource import utcnow
from sla.calendar import SHANGHAI, covered_years
from sla.clocks import evaluate

DATE = r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})"
RANGE_LINE = re.compile(rf"^{DATE}(?:\s*(?:~|～|至|到|—|－|--)\s*{DATE})?\s*(.*)$")
MAX_RANGE_DAYS = 15  # the longest arrangement so far is 9 days; more is a typing mistake
MAX_NAME = 20


@dataclass
class Notice:
    """A checked notice: every day off with its festival's name, and every make-up working day (调休上班)."""

    year: int
    holidays_text: str
    workdays_text: str
    days_off: dict[date, str] = field(default_factory=dict)
    workdays: dict[date, str] = field(default_factory=dict)

    @property
    def days(self) -> dict[date, bool]:
        """{day: is_workday} for every day the notice names."""
        return {**{d: False for d in self.days_off}, **{d: True for d in self.workdays}}

    @property
    def span(self) -> tuple[date, date]:
        """The first and last day the import can change: the whole year, and any day of the notice before it."""
        return min([date(self.year, 1, 1), *self.days]), date(self.year, 12, 31)


def _day(parts, where, errors):
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        errors.append(_("%(where)s：“%(text)s”不是有效日期。", where=where, text="-".join(parts)))
        return None


def _in_notice_year(day, year) -> bool:
    # A notice may open with the New Year holiday that starts in the last days of the year before.
    return day.year == year or (day.year == year - 1 and day.month == 12)


def _lines(text):
    return [(n, line.strip()) for n, line in enumerate((text or "").splitlines(), 1) if line.strip()]


def parse_notice(year_text, holidays_text, workdays_text) -> Notice:
    """Check the admin's lines ("2027-02-05~2027-02-13 春节" per holiday, "2027-02-14 春节调休上班" per make-up
    working day) and return the notice; any mistake raises ValidationFailed naming each bad line."""
    try:
        year = int((year_text or "").strip())
    except ValueError:
        year = 0
    if not 2000 <= year <= 2100:
        raise ValidationFailed(_("请填写年份，如 2027。"))
    if year in covered_years():
        raise ValidationFailed(_("%(y)d 年的放假安排已收录在法定节假日数据中，无需导入；个别日期请在工作日历页逐日调整。", y=year))
    holidays, workdays = _lines(holidays_text), _lines(workdays_text)
    if not holidays:
        raise ValidationFailed(_("请填写放假安排，每行一段，如“2027-02-05~2027-02-13 春节”。"))
    notice = Notice(year, (holidays_text or "").strip(), (workdays_text or "").strip())
    errors = []
    for n, line in holidays:
        where = _("放假安排第 %(n)d 行", n=n)
        found = RANGE_LINE.match(line)
        if not found:
            errors.append(_("%(where)s：格式应为“2027-02-05~2027-02-13 春节”或“2027-01-01 元旦”。", where=where))
            continue
        first = _day(found.groups()[0:3], where, errors)
        last = _day(found.groups()[3:6], where, errors) if found.group(4) else first
        name = found.group(7).strip() or _("放假")
        if first is None or last is None:
            continue
        if not (_in_notice_year(first, year) and _in_notice_year(last, year)):
            errors.append(_("%(where)s：日期不在 %(y)d 年。", where=where, y=year))
        elif last < first:
            errors.append(_("%(where)s：结束日期早于开始日期。", where=where))
        elif (last - first).days + 1 > MAX_RANGE_DAYS:
            errors.append(_("%(where)s：一段假期不应超过 %(n)d 天，请检查日期。", where=where, n=MAX_RANGE_DAYS))
        elif len(name) > MAX_NAME:
            errors.append(_("%(where)s：名称不能超过 %(n)d 字。", where=where, n=MAX_NAME))
        else:
            days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
            if any(d in notice.days_off for d in days):
                errors.append(_("%(where)s：与前面的放假日期重叠。", where=where))
            notice.days_off.update({d: name for d in days})
    for n, line in workdays:
        where = _("调休上班第 %(n)d 行", n=n)
        found = RANGE_LINE.match(line)
        if not found or found.group(4):
            errors.append(_("%(where)s：每行一天，格式应为“2027-02-14 春节调休上班”。", where=where))
            continue
        day = _day(found.groups()[0:3], where, errors)
        note = found.group(7).strip() or _("调休上班")
        if day is None:
            continue
        if not _in_notice_year(day, year):
            errors.append(_("%(where)s：日期不在 %(y)d 年。", where=where, y=year))
        elif day.weekday() < 5:
            errors.append(_("%(where)s：%(d)s 不是周末，调休上班日应为周六或周日。", where=where, d=day.isoformat()))
        elif day in notice.days_off:
            errors.append(_("%(where)s：%(d)s 同时出现在放假安排中。", where=where, d=day.isoformat()))
        elif day in notice.workdays:
            errors.append(_("%(where)s：%(d)s 重复填写。", where=where, d=day.isoformat()))
        elif len(note) > MAX_NAME:
            errors.append(_("%(where)s：说明不能超过 %(n)d 字。", where=where, n=MAX_NAME))
        else:
            notice.workdays[day] = note
    if errors:
        raise ValidationFailed("；".join(errors))
    return notice


def _notice_calendar(notice: Notice):
    """The calendar as it would be once the notice is imported: the year's earlier overrides give way to it."""
    overrides, names, years = calendar_data()
    first, last = notice.span
    kept = {d: w for d, w in overrides.items() if not first <= d <= last}
    kept_names = {d: n for d, n in names.items() if d in kept}
    return build_calendar({**kept, **notice.days}, {**kept_names, **notice.days_off}, years | {notice.year})


def changed_days(notice: Notice) -> tuple[date, date] | None:
    """The first and last day whose working status the notice changes (None: it changes none, only the year's
    coverage), so recomputing touches only the clocks that can move."""
    first, last = notice.span
    before, after = current_calendar(), _notice_calendar(notice)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    changed = [d for d in days if before.is_workday(d) != after.is_workday(d)]
    return (changed[0], changed[-1]) if changed else None


@dataclass
class Move:
    """An open deadline the notice moves."""

    clock: TicketClock
    before: datetime
    after: datetime

    @property
    def shift(self) -> timedelta:
        return self.after - self.before


def preview_notice(notice: Notice) -> list[Move]:
    """The open deadlines the notice would move, earliest first (nothing is written)."""
    now = utcnow()
    changed = changed_days(notice)
    if changed is None:
        return []
    first, last = changed
    since = datetime.combine(first, datetime.min.time(), tzinfo=SHANGHAI)
    until = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=SHANGHAI)
    calendar = _notice_calendar(notice)
    clocks = db.session.scalars(
        select(TicketClock).where(TicketClock.stopped_at.is_(None), TicketClock.unit != "hours",
                                  TicketClock.started_at < until,
                                  or_(TicketClock.due_at >= since, TicketClock.due_at.is_(None)))
        .options(selectinload(TicketClock.pauses), selectinload(TicketClock.extensions),
                 selectinload(TicketClock.ticket)).order_by(TicketClock.due_at, TicketClock.id)).all()
    moves = []
    for clock in clocks:
        after = evaluate(clock_input(clock), now, calendar).due_at
        if clock.due_at is not None and after is not None and after != clock.due_at:
            moves.append(Move(clock, clock.due_at, after))
    return moves


def import_notice(actor, notice: Notice) -> int:
    """Write the notice: the year's overrides are replaced by its days, the year counts as covered, who imported
    it and when is kept, and every deadline follows. Returns how many open cases were recomputed."""
    if not actor.is_admin:
        raise NotAllowed(_("只有管理员可以修改工作日历。"))
    now = utcnow()
    changed = changed_days(notice)
    first, last = notice.span
    db.session.execute(delete(CalendarOverride).where(
        or_(CalendarOverride.day.between(first, last), CalendarOverride.day.in_(list(notice.days)))))
    for day, is_workday in sorted(notice.days.items()):
        note = notice.workdays[day] if is_workday else notice.days_off[day]
        db.session.add(CalendarOverride(day=day, is_workday=is_workday, note=note[:100], created_by_id=actor.id,
                                        created_at=now))
    row = CalendarNotice(year=notice.year, holidays_text=notice.holidays_text, workdays_text=notice.workdays_text,
                         days_off=len(notice.days_off), workdays=len(notice.workdays), imported_by_id=actor.id,
                         imported_at=now)
    db.session.add(row)
    db.session.flush()
    record_change(actor, "import", "calendar_notice", row.id, {},
                  snapshot(row, ("year", "holidays_text", "workdays_text", "days_off", "workdays")), now)
    touched = after_calendar_change(actor, *changed, now=now) if changed else 0
    forget_calendar()
    commit()
    return touched


def notices() -> list[CalendarNotice]:
    """Every imported notice, newest first."""
    return db.session.scalars(select(CalendarNotice).options(selectinload(CalendarNotice.imported_by))
                              .order_by(CalendarNotice.id.desc())).all()
