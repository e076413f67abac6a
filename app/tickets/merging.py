"""并单: one problem, one case. Possible duplicates of a case (or of a case being typed in), and the verbs that
close a duplicate into the case that is kept, and undo that.

Possible duplicates are the open or recent (RECENT_DAYS) cases the person may see, of the same enterprise or with
a similar text from anyone. The text search reuses the case search documents (app/tickets/search.py): for each
distinctive character pair of the title and the start of the description, the index hands over the newest
PER_TOKEN cases holding it; the cases sharing the most pairs are then scored by Dice similarity of their pairs.
The cost is bounded by the number of pairs, not by the number of cases.

A merged duplicate keeps its number, access code and personal links; its tracking page says it was merged, and
shows the kept case's progress only when both cases are the same enterprise's (another company's case is never
shown). Its running clocks stop (ended "merged"); undoing the merge restarts them, the merged stretch counting
as a pause. The monthly assessment leaves merged duplicates out (app/assessment/facts.py), so the pair counts
once, as the kept case.
"""
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.enums import ENDED_UNHANDLED, EventKind, OPEN_STATES, TicketState as S
from app.errors import EditConflict, NotAllowed, TransitionRefused, ValidationFailed
from app.extensions import db
from app.journal import commit, record_event
from app.messaging import tell
from app.models import ClockPause, Ticket
from app.text import clean_text
from app.timesource import utcnow
from app.tickets import access, search, workflow
from app.tickets.codes import normalize_number
from app.tickets.services import save, stage

RECENT_DAYS = 90          # a closed case older than this is no longer a candidate, nor a case to merge into
PER_TOKEN = 100           # newest index entries read per character pair
MAX_TOKENS = 16           # pairs searched per case: the title's first, then the description's
TEXT_CHARS = 400          # of the description, compared and searched (a duplicate shows itself early)
KEEP = 300                # cases sharing the most pairs, scored in Python
SAME_ENTERPRISE = 20      # newest open or recent cases of the same enterprise considered
SHOWN = 8
MIN_SIMILARITY = 0.3      # another enterprise's case is shown from this Dice similarity up
CLOCK_MERGED = "merged"   # TicketClock.outcome of a clock the merge stopped (undo restarts exactly these)

# Pairs nearly every case holds: they would find everything and tell nothing.
COMMON = frozenset({"企业", "问题", "有限", "限公", "公司", "申请", "办理", "咨询", "反映", "需要", "希望", "相关",
                    "情况", "我们", "我司", "目前", "已经", "协调", "帮助", "解决"})


@dataclass
class Candidate:
    """A possible duplicate: the case, its text similarity (0–1) and whether it is the same enterprise's."""

    ticket: Ticket
    similarity: float
    same_enterprise: bool

    @property
    def percent(self) -> int:
        """The similarity as a whole percentage."""
        return round(self.similarity * 100)


def bigrams(value: str) -> set[str]:
    """The character pairs of a text (the search documents' tokens, without lone characters)."""
    return {t for t in search.pairs(value) if len(t) == 2}


def dice(a: set, b: set) -> float:
    """Dice similarity of two sets of pairs: twice the shared over the sum of sizes."""
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def _text(title, description) -> str:
    return f"{title or ''} {(description or '')[:TEXT_CHARS]}"


def similarity(title, description, other: Ticket) -> float:
    """How alike a text is to a case: the better of title against title and title + description against both."""
    return max(dice(bigrams(title), bigrams(other.title)),
               dice(bigrams(_text(title, description)), bigrams(_text(other.title, other.description))))


def search_tokens(title, description) -> list[str]:
    """The pairs to look up: the title's, then the description's, distinct, common ones left out."""
    tokens = [t for t in search.pairs(title) + search.pairs((description or "")[:TEXT_CHARS])
              if len(t) == 2 and t not in COMMON]
    return list(dict.fromkeys(tokens))[:MAX_TOKENS]


def candidate_filter(user, now):
    """Cases that may be offered as duplicates to `user`: visible, not refused or merged, open or recent."""
    since = now - timedelta(days=RECENT_DAYS)
    return (access.visible_filter(user), Ticket.state.not_in([S.MERGED.value, *ENDED_UNHANDLED]),
            or_(Ticket.state.in_(OPEN_STATES), Ticket.created_at >= since, Ticket.closed_at >= since))


def possible_duplicates(user, *, title, description="", enterprise_id=None, now, exclude_id=None,
                        limit=SHOWN) -> list[Candidate]:
    """The possible duplicates of a case (or a text being typed in), best first: the same enterprise's cases,
    then other cases by similarity; each at most once."""
    conditions = candidate_filter(user, now)
    if exclude_id is not None:
        conditions += (Ticket.id != exclude_id,)
    found = {}
    shared = search.sharing_tokens(search_tokens(title, description), PER_TOKEN, KEEP)
    if shared:
        for t in db.session.scalars(select(Ticket).options(selectinload(Ticket.enterprise))
                                    .where(Ticket.id.in_([i for i, _n in shared]), *conditions)):
            found[t.id] = t
    if enterprise_id:
        for t in db.session.scalars(select(Ticket).options(selectinload(Ticket.enterprise))
                                    .where(Ticket.enterprise_id == int(enterprise_id), *conditions)
                                    .order_by(Ticket.id.desc()).limit(SAME_ENTERPRISE)):
            found[t.id] = t
    scored = []
    for t in found.values():
        same = enterprise_id is not None and t.enterprise_id == int(enterprise_id)
        sim = similarity(title, description, t)
        if same or sim >= MIN_SIMILARITY:
            scored.append(Candidate(t, sim, same))
    scored.sort(key=lambda c: (c.same_enterprise, c.similarity, c.ticket.id), reverse=True)
    return scored[:limit]


def duplicates_of(user, ticket, now) -> list[Candidate]:
    """The possible duplicates of a case, for its page (merged cases and the case itself left out)."""
    return possible_duplicates(user, title=ticket.title, description=ticket.description,
                               enterprise_id=ticket.enterprise_id, now=now, exclude_id=ticket.id)


def ticket_by_number(number) -> Ticket | None:
    """The case with this number (as typed: spaces and case forgiven), or None."""
    value = normalize_number(number or "")
    return db.session.scalar(select(Ticket).where(Ticket.number == value)) if value else None


def may_merge(user, kept, duplicate) -> bool:
    """Whether `user` may merge `duplicate` into `kept`: the kept case's secretary or a supervisor, seeing both."""
    if user is None or not user.is_authenticated or not (user.is_supervisor or user.is_secretary):
        return False
    if not (access.can_view(user, kept) and access.can_view(user, duplicate)):
        return False
    return user.is_supervisor or kept.secretary_id == user.id


def may_start_merge(user, ticket) -> bool:
    """Whether `user` may open the merge form on this case's page (the other case is checked when named)."""
    return (user is not None and user.is_authenticated and (user.is_supervisor or user.is_secretary)
            and ticket.state not in (S.MERGED, S.REJECTED) and access.can_view(user, ticket))


def _check_merge(kept, duplicate, actor, now):
    if kept.id == duplicate.id:
        raise ValidationFailed(_("不能把诉求并入它自己，请选择另一件诉求。"))
    if not may_merge(actor, kept, duplicate):
        raise NotAllowed(_("只有保留诉求的项目秘书或督办人员，并且能查看这两件诉求的，才可以并单。"))
    if duplicate.state == S.MERGED.value:
        raise TransitionRefused(_("诉求 %(n)s 已并入 %(k)s，不能再次并单。", n=duplicate.number,
                                  k=duplicate.merged_into.number))
    if kept.state == S.MERGED.value:
        raise TransitionRefused(_("诉求 %(k)s 本身已并入 %(into)s，不能并入已并单的诉求（不允许连环并单），请直接并入 %(into)s。",
                                  k=kept.number, into=kept.merged_into.number))
    if duplicate.duplicates:
        raise TransitionRefused(_("已有诉求并入 %(n)s，它不能再并入其他诉求（不允许连环并单）。请把它作为保留的诉求。",
                                  n=duplicate.number))
    if kept.state in ENDED_UNHANDLED:  # refused, or returned to the 12345 platform: nobody will handle it here
        raise TransitionRefused(_("诉求 %(k)s 已不予受理或已退回 12345 平台，不能作为保留的诉求。", k=kept.number))
    if kept.state == S.CLOSED.value and kept.closed_at and kept.closed_at < now - timedelta(days=RECENT_DAYS):
        raise TransitionRefused(_("诉求 %(k)s 已关闭超过 %(d)d 天，不能再并入。请单独办理本诉求。", k=kept.number,
                                  d=RECENT_DAYS))
    workflow.require("merge", duplicate.state)


def merge_tickets(kept, duplicate, actor, now, reason, version=None):
    """并单: close `duplicate` into `kept`. The duplicate becomes 已并单 (its clocks stop, it counts no more in
    the assessment), each case links to the other in an event, and both enterprises are told."""
    reason = clean_text(reason, _("并单理由"), 2000)
    _check_merge(kept, duplicate, actor, now)
    if version is not None and int(version) != duplicate.version:
        raise EditConflict(_("此诉求已被其他人修改（您看到的是旧版本）。请刷新页面后再操作，您填写的内容未保存。"))
    before = duplicate.state
    duplicate.merged_from, duplicate.merged_into_id, duplicate.merged_at = before, kept.id, now
    duplicate.merged_into = kept
    duplicate.closed_at = now
    duplicate.state, duplicate.updated_at, kept.updated_at = S.MERGED.value, now, now
    record_event(duplicate, actor, EventKind.MERGED, at=now, from_state=before, to_state=S.MERGED.value,
                 body=reason, data={"kept": kept.number})
    record_event(duplicate, actor, EventKind.PROGRESS, at=now, public=True,
                 body=_("您的诉求与反映同一问题的诉求合并办理，办理进展请见本页。"))
    record_event(kept, actor, EventKind.MERGE_KEPT, at=now, body=reason, data={"duplicate": duplicate.number})
    tell.merged(duplicate, now)
    tell.merged(kept, now)
    stage(duplicate, now)
    for clock in duplicate.clocks:
        if clock.stopped_at == now:
            clock.outcome = CLOCK_MERGED
    save(kept, now)


def merge_into(duplicate, actor, *, kept_number, reason, version=None):
    """并单 from the duplicate's page: the kept case is named by its number."""
    now = utcnow()  # one moment for the whole unit of work
    kept = ticket_by_number(kept_number)
    if kept is None or not access.can_view(actor, kept):
        raise ValidationFailed(_("没有找到编号为 %(n)s 的诉求，或您无权查看它。", n=(kept_number or "").strip()[:30]))
    merge_tickets(kept, duplicate, actor, now, reason, version)


def absorb(kept, actor, *, other_number, reason):
    """并单 from the kept case's page: the duplicate is named by its number."""
    now = utcnow()  # one moment for the whole unit of work
    duplicate = ticket_by_number(other_number)
    if duplicate is None or not access.can_view(actor, duplicate):
        raise ValidationFailed(_("没有找到编号为 %(n)s 的诉求，或您无权查看它。", n=(other_number or "").strip()[:30]))
    merge_tickets(kept, duplicate, actor, now, reason)


def unmerge_tickets(duplicate, actor, now, reason):
    """撤销并单 (supervisors): the duplicate returns to the state it was merged from, the clocks the merge stopped
    run again (the merged stretch counts as a pause), and both cases record it; its enterprise is told."""
    if not (actor.is_supervisor and access.can_view(actor, duplicate)):
        raise NotAllowed(_("只有督办人员可以撤销并单。"))
    if duplicate.state != S.MERGED.value or duplicate.merged_into is None:
        raise TransitionRefused(_("诉求 %(n)s 没有并入其他诉求，无需撤销。", n=duplicate.number))
    reason = clean_text(reason, _("撤销理由"), 2000)
    kept, merged_at = duplicate.merged_into, duplicate.merged_at
    restored = duplicate.merged_from or S.TRIAGE.value
    for clock in duplicate.clocks:
        if clock.outcome == CLOCK_MERGED:
            clock.stopped_at, clock.outcome = None, None
            db.session.add(ClockPause(clock=clock, started_at=merged_at or now, ended_at=now,
                                      reason=_("并单期间（已撤销）")[:200]))
    duplicate.state, duplicate.closed_at, duplicate.updated_at, kept.updated_at = restored, None, now, now
    duplicate.merged_into_id = duplicate.merged_at = duplicate.merged_from = None
    duplicate.merged_into = None
    record_event(duplicate, actor, EventKind.UNMERGED, at=now, from_state=S.MERGED.value, to_state=restored,
                 body=reason, data={"kept": kept.number})
    record_event(duplicate, actor, EventKind.PROGRESS, at=now, public=True,
                 body=_("您的诉求恢复单独办理。"))
    record_event(kept, actor, EventKind.UNMERGE_KEPT, at=now, body=reason, data={"duplicate": duplicate.number})
    tell.unmerged(duplicate, now)
    stage(duplicate, now)
    commit()


def unmerge(duplicate, actor, *, reason):
    """撤销并单 from the duplicate's page."""
    unmerge_tickets(duplicate, actor, utcnow(), reason)


def merged_duplicates(user, ticket) -> list[tuple[Ticket, bool]]:
    """The cases merged into this one, each with whether `user` may read it (its history is shown only then)."""
    return [(d, access.can_view(user, d)) for d in ticket.duplicates]
