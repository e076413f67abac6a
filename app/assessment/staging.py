"""The lines of the months a centre publishes, kept ready for their publication.

Publishing a month wrote every line behind its figures in the request: 386,680 lines for October at 1,000,000 cases,
8-12 s (bench/README.md). The SLA worker now writes the lines of last month and of the two before it (MONTHS_KEPT:
last month is settled and published; an earlier one is published again after an appeal or a correction) under a
stage each, one month a minute once a month ends, and keeps them: database triggers note every case whose lines could
have changed (a change to its clocks, their pauses, its assignments, ratings, action items, exclusion or appeals, or
to its secretary or merge; migration f31stage0001), and every minute the worker rewrites those cases' lines in every
stage, and the lines of no case when a visit or an evaluation changed. Publishing brings the stages up to date the same
way, in its own transaction, and hands the month's stage's lines to the new version instead of writing them afresh;
the worker stages the month again a minute later. A month without a ready stage is published by a full tally.

The lines of a month that has ended do not depend on the moment they are tallied, only on the data: a clock counts
in the month its outcome was decided (stopped on time, or its due time passed while it was not standing still), and
every due time of an ended month has passed. So lines written when the stage was built, and rewritten case by case,
are the lines a full tally would write at publication (tests/test_staged_lines.py compares them).

A stage keeps the month's summary's per-case figures the same way (KEPT_PER_CASE): the cases its received-based 办结率
counts, whether each stood resolved at the month's end, and the clocks decided in the month (a case's state, closing
and insertion are noted too, since 退回 and 退单 take a case out of that 办结率; migration f38rcvd00001). At 1,000,000
cases they spared a publication 3.7 s and 2.3 s of reading on SQLite, and as much for the month before it when that
one is only staged (bench/README.md, stop 38)."""
from datetime import timedelta

from sqlalchemy import delete, insert, literal, or_, select
from sqlalchemy.exc import IntegrityError, OperationalError

from app.assessment.facts import CASELESS, facts
from app.assessment.metrics import METRICS, UNIT_KINDS
from app.assessment.period import Month
from app.assessment.report import decided_clocks, received_cases
from app.enums import ClockKind
from app.extensions import db
from app.models import AssessmentFact, AssessmentStage, CaseChange, StagedCase, StagedClock, Ticket

LINE_COLUMNS = ["run_id", "unit_kind", "metric", "unit_id", "ticket_id", "ref_id", "value", "counted", "reason",
                "note", "due_at", "done_at"]
WORKER_JOB = "month-lines"  # the SLA worker's job (and heartbeat) that keeps the stages
MONTHS_KEPT = 3  # last month and the two before it
CHUNK = 2_000  # changed cases rewritten per statement (each id is a bound parameter)
# Besides its lines, a stage keeps per case what the month's summary counts: its received-based 办结率 and on-time
# rates by kind of deadline (a probe of every case of the year, a read of every clock of the month, at publication).
KEPT_PER_CASE = (StagedCase.__table__, StagedClock.__table__)
# A build that has not finished within this long died with its worker: its stage is dropped and built again.
BUILD_ABANDONED = timedelta(minutes=30)


def write_lines(key: int, kind: str, month: Month, now, *, only=None, ticket_ids=None) -> None:
    """Write one kind's lines of the month (narrowed as `facts` narrows them) under `key`: a version's id or a stage's
    key."""
    f = facts(kind, month, now, only=only, ticket_ids=ticket_ids)
    db.session.execute(insert(AssessmentFact).from_select(
        LINE_COLUMNS, select(literal(key), literal(kind), f.c.metric, f.c.unit_id, f.c.ticket_id, f.c.ref_id, f.c.value,
                             f.c.counted, f.c.reason, f.c.note, f.c.due_at, f.c.done_at)))


def write_cases(stage_id: int, month: Month, **narrow) -> None:
    """Write the cases the month's received-based 办结率 counts under the stage `stage_id` (narrowed as
    `report.received_cases` narrows them)."""
    db.session.execute(insert(StagedCase).from_select(
        ["stage_id", "ticket_id", "in_month", "done"],
        select(literal(stage_id), *received_cases(month, **narrow).subquery().c)))


def write_clocks(stage_id: int, month: Month, now, **narrow) -> None:
    """Write the clocks decided in the month under the stage `stage_id` (narrowed as `report.decided_clocks` narrows
    them): the report's on-time rates by kind."""
    db.session.execute(insert(StagedClock).from_select(
        ["stage_id", "ticket_id", "clock_id", "kind", "on_time"],
        select(literal(stage_id), *decided_clocks(month, now, **narrow).subquery().c)))


def stored_lines(key: int, kind: str):
    """One kind's lines stored under `key` (a version's or a stage's), as a subquery shaped like `facts`."""
    return select(AssessmentFact).where(AssessmentFact.run_id == key, AssessmentFact.unit_kind == kind).subquery()


def kept_months(now) -> list[Month]:
    """The months whose lines the worker keeps staged at `now`, newest first: last month and the ones before it."""
    months = [Month.containing(now).previous()]
    while len(months) < MONTHS_KEPT:
        months.append(months[-1].previous())
    return months


def stage_of(month: Month):
    """The month's stage, as the database has it now, or None (`refresh` locks the stages it writes)."""
    query = select(AssessmentStage).where(AssessmentStage.month == str(month))
    return db.session.scalars(query.execution_options(populate_existing=True)).first()


def _stages() -> list:
    # Locked for the caller's transaction, in one order by every caller, so that two of them never wait for each other.
    query = select(AssessmentStage).order_by(AssessmentStage.month).with_for_update()
    return db.session.scalars(query.execution_options(populate_existing=True)).all()


def build(month: Month, now):
    """Write the month's lines under a new stage, one metric per transaction (on SQLite each holds the write lock for
    a second or two, not for the whole month), and mark it ready; None if another worker began it first."""
    stage = AssessmentStage(month=str(month), started_at=now, ready=False)
    db.session.add(stage)
    try:
        db.session.commit()
    except IntegrityError:  # another worker began the same month's stage at the same moment: it builds it
        db.session.rollback()
        return None
    # Cases changed before this are in the lines below, which read after it; those changed from here on are left
    # noted for the next refresh, which rewrites them. The notes so far are the other stages' to read, if any.
    if db.session.scalar(select(AssessmentStage.id).where(AssessmentStage.id != stage.id).limit(1)) is None:
        db.session.execute(delete(CaseChange.__table__))
    db.session.commit()
    for kind in UNIT_KINDS:
        for metric in METRICS[kind]:
            write_lines(stage.key, kind, month, now, only=[metric.key])
            db.session.commit()
    for received_in in _months_of_year_to(month):  # 40,000 cases a month, each probed: SQLite's lock a second at most
        write_cases(stage.id, month, received_in=received_in)
        db.session.commit()
    for kind in ClockKind:
        write_clocks(stage.id, month, now, kind=kind.value)
        db.session.commit()
    stage.ready, stage.refreshed_at = True, now
    db.session.commit()
    return stage


def _months_of_year_to(month: Month) -> list[Month]:
    months = [Month(month.year, 1)]
    while months[-1] != month:
        months.append(months[-1].next())
    return months


def _take_notes(rewritten: list) -> set:
    """The cases noted as changed (None: a visit or an evaluation), deleted as they are read unless a stage other
    than the `rewritten` ones exists (one being built began reading its lines before some of these changes, and
    rewrites them at its first refresh)."""
    table = CaseChange.__table__
    other = select(AssessmentStage.id).where(or_(AssessmentStage.ready.is_(False),
                                                 AssessmentStage.id.not_in(rewritten))).exists()
    # One statement, so that a build that begins after it read the stages began after these changes too.
    notes = set(db.session.scalars(delete(table).where(~other).returning(table.c.ticket_id)))
    return notes or set(db.session.scalars(select(table.c.ticket_id)))


def _arrivals(changed: list) -> dict:
    """When each of the `changed` cases reached the centre (received, or else recorded), by id; a deleted case has
    none."""
    arrived = {}
    for start in range(0, len(changed), CHUNK):
        for ticket_id, created_at, received_at in db.session.execute(
                select(Ticket.id, Ticket.created_at, Ticket.received_at)
                .where(Ticket.id.in_(changed[start:start + CHUNK]))):
            arrived[ticket_id] = min(created_at, received_at or created_at)
    return arrived


def _rewrite(stage: AssessmentStage, changed: list, arrived: dict, caseless: bool, now) -> None:
    """Rewrite the stage's lines of the `changed` cases (`arrived`: when each reached the centre), and of no case if
    `caseless`."""
    month = Month.parse(stage.month)
    lines = AssessmentFact.__table__
    for start in range(0, len(changed), CHUNK):
        chunk = changed[start:start + CHUNK]
        db.session.execute(delete(lines).where(lines.c.run_id == stage.key, lines.c.ticket_id.in_(chunk)))
        for table in KEPT_PER_CASE:
            db.session.execute(delete(table).where(table.c.stage_id == stage.id, table.c.ticket_id.in_(chunk)))
        # A case that reached the centre after the month ended has no line in it: none of its clocks, ratings or
        # items falls in it (after 1,600 submissions, every earlier stage would read them all for nothing), and the
        # month's 办结率 does not count it.
        chunk = [ticket_id for ticket_id in chunk if ticket_id in arrived and arrived[ticket_id] < month.end]
        if chunk:
            for kind in UNIT_KINDS:
                write_lines(stage.key, kind, month, now, ticket_ids=chunk)
            write_cases(stage.id, month, ticket_ids=chunk)
            write_clocks(stage.id, month, now, ticket_ids=chunk)
    if caseless:
        db.session.execute(delete(lines).where(lines.c.run_id == stage.key, lines.c.ticket_id.is_(None)))
        for kind in UNIT_KINDS:
            write_lines(stage.key, kind, month, now, only=CASELESS[kind])
    stage.refreshed_at = now


def refresh(now) -> tuple[list, int]:
    """Rewrite, in every ready stage, the lines of every case changed since the stages last read the notes (and the
    lines of no case if a visit or an evaluation changed), in the caller's transaction, the stages locked: the ready
    stages and how many cases were rewritten."""
    stages = [stage for stage in _stages() if stage.ready]
    if not stages:
        return [], 0
    # The notes are taken first: a change committed after this is noted again and read next time, and every change
    # whose note is taken here was committed before the lines below are read.
    notes = _take_notes([stage.id for stage in stages])
    changed = sorted(notes - {None})
    arrived = _arrivals(changed)  # read once for every stage
    for stage in stages:
        _rewrite(stage, changed, arrived, None in notes, now)
    return stages, len(changed)


def drop(stage: AssessmentStage) -> None:
    """Delete a stage, its lines and its cases (in the caller's transaction)."""
    lines = AssessmentFact.__table__
    db.session.execute(delete(lines).where(lines.c.run_id == stage.key))
    for table in KEPT_PER_CASE:
        db.session.execute(delete(table).where(table.c.stage_id == stage.id))
    db.session.delete(stage)


def _sweep_cases() -> None:
    """Delete the cases and clocks kept for stages that are gone (a publication took them: the version it made holds
    its figures and needs none of them)."""
    # Each stage's first row, one index probe a stage: a few probes where a NOT IN read every row of every stage.
    # A stage is looked up as its rows are found: a build writes its stage's row seconds before its first case.
    for table in KEPT_PER_CASE:
        after = None
        while True:
            query = select(db.func.min(table.c.stage_id))
            found = db.session.scalar(query if after is None else query.where(table.c.stage_id > after))
            if found is None:
                break
            if db.session.scalar(select(AssessmentStage.id).where(AssessmentStage.id == found)) is None:
                db.session.execute(delete(table).where(table.c.stage_id == found))
            after = found


def _caught_up(month: Month, now):
    """The month's ready stage after every ready stage was brought up to date (locked, in the caller's transaction),
    or None if it has none ready."""
    stage = stage_of(month)
    if stage is None or not stage.ready:
        return None
    stages, _count = refresh(now)
    return next((kept for kept in stages if kept.month == str(month)), None)


def catch_up(month: Month, now):
    """Bring the ready stages up to date and commit: the month's stage's key, or None if it has none ready (or the
    database was too busy to write). A draft of last month is then tallied from the stage's lines, the lines a live
    tally reads."""
    try:
        stage = _caught_up(month, now)
        if stage is None:
            db.session.rollback()
            return None
        key = stage.key
        db.session.commit()
        return key
    except OperationalError:  # SQLite's write lock held by another writer past the busy timeout: tallied live
        db.session.rollback()
        return None


def still_staged(key: int) -> bool:
    """The stage with this key is still there, and so are its lines and cases (a publication that took it keeps its
    lines, but the worker sweeps its cases)."""
    return db.session.scalar(select(AssessmentStage.id).where(AssessmentStage.id == -key)) is not None


def ready_stages() -> dict:
    """The id of every ready stage, by month text (after `refresh`, each is up to date in the caller's transaction)."""
    return dict(db.session.execute(select(AssessmentStage.month, AssessmentStage.id)
                                   .where(AssessmentStage.ready.is_(True))).all())


def take_for_publication(month: Month, now):
    """The month's ready stage brought up to date (with the others) and taken out of the stages (its lines are handed
    to the version being published, in the caller's transaction), or None if the month has none ready."""
    stage = _caught_up(month, now)
    if stage is None:
        return None
    db.session.delete(stage)
    return stage.key


def keep(now) -> str:
    """The SLA worker's job: drop stages of other months (and builds that died), then build the newest kept month that
    has no stage, or bring the stages up to date. Returns what it did, for the log."""
    months = kept_months(now)
    kept = {str(month) for month in months}
    # Locked before their lines are deleted, in the order every refresh locks them: a publication taking a stage
    # commits first (its version then holds the lines, and the stage is gone), and no refresh writes lines under a key
    # being dropped.
    for stage in _stages():
        if stage.month not in kept or (not stage.ready and now - stage.started_at > BUILD_ABANDONED):
            drop(stage)
    db.session.commit()
    stages = {stage.month: stage for stage in _stages()}
    _sweep_cases()
    db.session.commit()
    missing = next((month for month in months if str(month) not in stages), None)
    if missing is not None:  # one month a round: a build takes seconds, and last month's comes first
        db.session.commit()
        return f"built {missing}" if build(missing, now) is not None else f"building {missing}"
    if not any(stage.ready for stage in stages.values()):
        db.session.commit()
        return f"building {months[0]}"
    ready, changed = refresh(now)
    db.session.commit()
    return f"refreshed {','.join(sorted((stage.month for stage in ready), reverse=True))}: {changed} cases"
