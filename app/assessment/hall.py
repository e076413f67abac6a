"""The service hall's board: today's intake, open tickets by state, the overdue list, this month's completion and
ratings, the last published 金牌秘书 and 金牌部室, and (for supervisors only, as a draft) this month's leaders: the
counts as the SLA worker keeps them after every sweep (tallied here, at most once a minute per process, when it has
stopped), the month's rates and leaders from its shared draft snapshot."""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from app import kept
from app.assessment.metrics import UNIT_KINDS
from app.assessment.period import SHANGHAI, Month
from app.assessment.drafts import computed_text, stored_result
from app.assessment.publishing import latest_run, published_months
from app.assessment.scoring import RANKED, UnitScore, citation
from app.enums import ACTIVE_ASSIGNMENT, AssignmentRole, OPEN_STATES, SlaLevel
from app.extensions import db
from app.models import Assignment, Category, Department, Ticket


def leaders(draft: dict) -> dict:
    """Top three of each ranking of this month's draft."""
    return {kind: [u for u in (UnitScore.from_dict(d) for d in draft["units"][kind]) if u.status == RANKED][:3]
            for kind in UNIT_KINDS}


def published_awards() -> dict | None:
    """The last published month: its label, and each kind's gold winners (name, citation) and top three as
    published."""
    months = published_months()
    if not months:
        return None
    month = Month.parse(months[0])
    units = latest_run(month).summary["units"]
    # Each winner with the citation the month page and the report print for it.
    return {"month": month,
            "gold": {kind: [(u["name"], citation(UnitScore.from_dict(u), kind)) for u in units[kind] if u.get("gold")]
                     for kind in UNIT_KINDS},
            "top": {kind: [u for u in units[kind] if u.get("status") == RANKED][:3] for kind in UNIT_KINDS}}


def board(now, *, live=False) -> dict:
    """The board's figures at `now`; this month's live (unpublished) leaders only when `live` (supervisors).

    The hall screen polls every 30 seconds and the year-to-date rates scan the year's clocks, so the figures are
    computed at most once per HALL_CACHE_SECONDS (60) per process; the time shown is always the request's."""
    seconds = current_app.config.get("HALL_CACHE_SECONDS", 60)
    if seconds:
        cache = current_app.extensions.setdefault("jj_hall_board", {})
        key = int(now.timestamp() // seconds)
        if key not in cache:
            cache.clear()
            cache[key] = _figures(now)
        figures = cache[key]
    else:
        figures = _figures(now)
    return dict(figures, now=now, leaders=leaders(figures["draft"]) if live and figures["draft"] else None)


KEPT_KEY = "hall"  # the counts, as the SLA worker last kept them (app/kept.py)


def _counts(now) -> dict:
    """Today's new cases, open cases by state, the ten overdue cases due first and how many are overdue, as JSON
    values (the day they count for included)."""
    local = now.astimezone(SHANGHAI)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    today_new = db.session.scalar(select(func.count(Ticket.id)).where(Ticket.created_at >= midnight))
    by_state = dict(db.session.execute(select(Ticket.state, func.count()).where(Ticket.state.in_(OPEN_STATES))
                                       .group_by(Ticket.state)).all())
    late = [SlaLevel.OVERDUE.value, SlaLevel.SUPERVISED.value, SlaLevel.ESCALATED.value]
    lead = (select(Department.name).join(Assignment, Assignment.department_id == Department.id)
            .where(Assignment.ticket_id == Ticket.id, Assignment.role == AssignmentRole.LEAD.value,
                   Assignment.status.in_(ACTIVE_ASSIGNMENT)).limit(1).scalar_subquery())
    # The hall and its kiosk are public: only the number, category and who holds it. A title can name the
    # company or its matter, so it stays off the board, as does any enterprise or contact data.
    overdue = db.session.execute(
        select(Ticket.number, Ticket.due_at, Ticket.sla_level, Category.name, lead)
        .join(Category, Category.id == Ticket.category_id)
        .where(Ticket.state.in_(OPEN_STATES), Ticket.sla_level.in_(late))
        .order_by(Ticket.due_at.is_(None), Ticket.due_at).limit(10)).all()
    # Counting them reads every open case's level (190 ms at 1,000,000 cases): the reason the SLA worker keeps these.
    overdue_total = db.session.scalar(select(func.count(Ticket.id)).where(
        Ticket.state.in_(OPEN_STATES), Ticket.sla_level.in_(late)))
    return {"day": midnight.date().isoformat(), "today_new": today_new or 0, "by_state": by_state,
            "overdue": [[n, due.isoformat() if due else None, level, category, dept]
                        for n, due, level, category, dept in overdue], "overdue_total": overdue_total or 0}


def keep_counts(now) -> dict:
    """Tally the hall board's counts and store them for every web worker (the SLA worker, after each sweep)."""
    counts = kept.tally(lambda: _counts(now))
    kept.store(now, {KEPT_KEY: counts})
    return counts


def _current_counts(now) -> dict:
    """The counts the SLA worker kept, if fresh and of today, else tallied now; due times as datetimes."""
    found = kept.read(KEPT_KEY, now) if current_app.config.get("HALL_CACHE_SECONDS", 60) else None
    today = now.astimezone(SHANGHAI).date().isoformat()
    counts = found[0] if found and found[0]["day"] == today else _counts(now)
    counts["overdue"] = [(n, datetime.fromisoformat(due) if due else None, level, category, dept)
                         for n, due, level, category, dept in counts["overdue"]]
    return counts


def _figures(now) -> dict:
    month = Month.containing(now)
    counts = _current_counts(now)
    # This month's rates and leaders are the month's draft (app/assessment/drafts.py): one tally shared with the
    # assessment pages and every worker, refreshed by the SLA worker, instead of a scan of the year per process.
    # The screen never waits for a tally: until the worker has stored one (at most a day old), the rates read "—".
    draft = stored_result(month, timedelta(days=1))
    return dict(month=month, today_new=counts["today_new"], by_state=counts["by_state"], overdue=counts["overdue"],
                overdue_total=counts["overdue_total"], completion=draft["completion"] if draft else None,
                ratings=draft["center"]["ratings"] if draft else None, draft=draft,
                computed_at=computed_text(draft), awards=published_awards())
