"""The months' staged lines (app/assessment/staging.py): every table a line reads notes its case, the SLA worker
keeps a stage for last month and each of the two before it, and a month published from its stage freezes exactly the
lines a full tally writes, whatever changed after the stage was built."""
import random
import threading
import time
from datetime import date, datetime, timedelta

from sqlalchemy import select, text

from app.assessment import drafts, report, staging
from app.assessment.facts import CASELESS, facts
from app.assessment.metrics import UNIT_KINDS
from app.assessment.period import Month
from app.assessment.publishing import live_result, publish_month
from app.demo import seed_demo
from app.enums import Role, TicketState as S
from app.extensions import db
from app.models import (ActionItem, Appeal, Assignment, AssessmentFact, AssessmentRun, AssessmentStage, CaseChange,
                        ClockPause, EnterpriseEvaluation, Rating, ScoreExclusion, StagedCase, StagedClock, Ticket,
                        TicketClock, User, Visit)
from app.timesource import utcnow
from sla.calendar import SHANGHAI

OCTOBER = Month(2026, 10)
SEPTEMBER, AUGUST = Month(2026, 9), Month(2026, 8)


def bj(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)
LINE = ("unit_kind", "metric", "unit_id", "ticket_id", "ref_id", "value", "counted", "reason", "note", "due_at",
        "done_at")


def _noted() -> set:
    return set(db.session.scalars(select(CaseChange.ticket_id)))


def _forget() -> None:
    db.session.execute(CaseChange.__table__.delete())
    db.session.commit()


def test_every_table_a_line_reads_notes_its_case(app, factory, clock):
    sec = factory.user(Role.SECRETARY)
    resolved = factory.ticket(S.RESOLVED, secretary=sec)
    held = factory.ticket(S.ON_HOLD, secretary=sec)
    other = factory.ticket(S.TRIAGE, secretary=sec)
    with app.app_context():
        assert {resolved.id, held.id, other.id} <= _noted()  # their clocks were started, assigned, paused
        _forget()
        clock_ = db.session.scalars(select(TicketClock).where(TicketClock.ticket_id == resolved.id)).first()
        clock_.due_at += timedelta(days=1)
        db.session.commit()
        assert _noted() == {resolved.id}
        _forget()

        pause = db.session.scalars(select(ClockPause).join(TicketClock).where(TicketClock.ticket_id == held.id)).first()
        pause.ended_at = utcnow()
        db.session.commit()
        assert _noted() == {held.id}
        _forget()

        assignment = db.session.scalars(select(Assignment).where(Assignment.ticket_id == resolved.id)).first()
        assignment.returned_at = utcnow()
        db.session.commit()
        assert _noted() == {resolved.id}
        _forget()

        rating = Rating(ticket_id=resolved.id, satisfaction="5", solved="solved", created_at=utcnow())
        db.session.add(rating)
        db.session.commit()
        assert _noted() == {resolved.id}
        _forget()
        db.session.delete(rating)
        db.session.commit()
        assert _noted() == {resolved.id}
        _forget()

        supervisor = db.session.get(User, factory.user(Role.SUPERVISOR).id)
        db.session.add(ScoreExclusion(ticket_id=other.id, reason="企业撤回", created_by_id=supervisor.id,
                                      created_at=utcnow()))
        db.session.commit()
        assert _noted() == {other.id}
        _forget()
        db.session.add(Appeal(ticket_id=held.id, unit_kind="secretary", unit_id=sec.id, reason="企业原因",
                              filed_by_id=sec.id, filed_at=utcnow()))
        db.session.commit()
        assert _noted() == {held.id}
        _forget()

        # A case's own row counts for its secretary, its merge, and (for the received-based 办结率) its state and
        # closing time, not for its title.
        ticket = db.session.get(Ticket, other.id)
        ticket.title = "厂房施工许可办理咨询（补充）"
        db.session.commit()
        assert _noted() == set()
        ticket.state, ticket.closed_at = S.REJECTED.value, utcnow()
        db.session.commit()
        assert _noted() == {other.id}
        _forget()
        ticket.state, ticket.closed_at = S.TRIAGE.value, None
        db.session.commit()
        _forget()
        ticket.secretary_id = factory.user(Role.SECRETARY).id
        db.session.commit()
        assert _noted() == {other.id}
        _forget()
        ticket.merged_into_id, ticket.merged_at = held.id, utcnow()
        db.session.commit()
        assert _noted() == {other.id}
        _forget()

        # A visit or an evaluation is noted without a case: only the lines of no case are written again.
        visit = Visit(enterprise_id=resolved.enterprise_id, secretary_id=sec.id, kind="visit",
                      visited_on=date(2026, 11, 16), summary="走访", created_at=utcnow())
        db.session.add(visit)
        db.session.commit()
        assert _noted() == {None}
        _forget()
        db.session.add(EnterpriseEvaluation(enterprise_id=resolved.enterprise_id, month="2026-11",
                                            unit_kind="secretary", unit_id=sec.id, lawful=5, efficiency=4,
                                            execution=5, attitude=5, created_at=utcnow()))
        db.session.commit()
        assert _noted() == {None}
        _forget()

        # Every trigger is there, on both databases (a table rebuilt by a later migration would lose its own).
        if db.engine.dialect.name == "postgresql":
            names = db.session.scalars(text("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'tr_%_case_change'"))
            assert len(set(names)) == 8 + 2  # one a table: 6 by case, pauses, cases, visits, evaluations
        else:
            names = db.session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                            "AND name LIKE 'tr_%_case_change'"))
            assert len(set(names)) == (7 + 2) * 3 + 2  # insert, update, delete; a case's own row not on delete


def _staged_cases(stage_id) -> int:
    return sum(db.session.scalar(select(db.func.count()).select_from(table).where(table.stage_id == stage_id))
               for table in (StagedCase, StagedClock))


def _lines(key) -> list:
    rows = db.session.execute(select(*(getattr(AssessmentFact, c) for c in LINE))
                              .where(AssessmentFact.run_id == key)).all()
    return sorted(tuple(r) for r in rows)


def _full_tally(month, now) -> list:
    out = []
    for kind in UNIT_KINDS:
        f = facts(kind, month, now)
        rows = db.session.execute(select(f.c.metric, f.c.unit_id, f.c.ticket_id, f.c.ref_id, f.c.value, f.c.counted,
                                         f.c.reason, f.c.note, f.c.due_at, f.c.done_at)).all()
        out += [(kind, *r) for r in rows]
    return sorted(out)


class Changes:
    """Changes to October's cases of every kind a line reads, made straight in the tables (the triggers see every
    write, whichever code makes it)."""

    def __init__(self, rng, now):
        self.rng, self.now = rng, now
        self.start, self.end = OCTOBER.start, OCTOBER.end

    def clocks(self, *where):
        return db.session.scalars(select(TicketClock).where(*where).order_by(TicketClock.id)).all()

    def pick(self, rows, n):
        return self.rng.sample(rows, min(n, len(rows)))

    def one_round(self):
        rng, now, start, end = self.rng, self.now, self.start, self.end
        in_october = (TicketClock.due_at >= start, TicketClock.due_at < end)
        # Clocks due in October that were running: one is put on hold (it stands still, and leaves the month), the
        # others are stopped late. One stopped on time is found late after all. An open pause is ended.
        running = self.pick(self.clocks(*in_october, TicketClock.stopped_at.is_(None)), 3)
        for c in running[:1]:
            db.session.add(ClockPause(clock_id=c.id, started_at=now, reason="等待企业补充材料"))
        db.session.commit()
        for c in running[1:]:
            c.stopped_at = now
        for c in self.pick(self.clocks(TicketClock.stopped_at >= start, TicketClock.stopped_at < end,
                                       TicketClock.stopped_at <= TicketClock.due_at), 3):
            c.due_at = c.stopped_at - timedelta(hours=2)
        db.session.commit()
        for p in self.pick(db.session.scalars(select(ClockPause).where(ClockPause.ended_at.is_(None))).all(), 1):
            p.ended_at = now
        db.session.commit()
        # Ratings given in October (of cases received before it: a case's rating never predates it): a new one, one
        # that reads otherwise.
        resolved = db.session.scalars(select(Ticket.id).where(Ticket.state.in_(["resolved", "closed"]),
                                                              Ticket.created_at < start)).all()
        for tid in self.pick(resolved, 2):
            db.session.add(Rating(ticket_id=tid, satisfaction=rng.choice("12345"), solved=rng.choice(
                ["solved", "partly", "unsolved"]), created_at=start + timedelta(days=rng.randint(1, 28))))
        for r in self.pick(db.session.scalars(select(Rating).where(Rating.created_at >= start,
                                                                   Rating.created_at < end)).all(), 1):
            r.satisfaction, r.solved = ("1", "unsolved") if r.satisfaction in "45" else ("5", "solved")
        db.session.commit()
        # A lead department returns a case it held in October; another is dispatched to a second department.
        for a in self.pick(db.session.scalars(select(Assignment).where(
                Assignment.dispatched_at >= start, Assignment.dispatched_at < end,
                Assignment.returned_at.is_(None))).all(), 2):
            a.status, a.returned_at = "returned", a.dispatched_at + timedelta(hours=3)
        db.session.commit()
        # A case changes secretary; another is merged; one is excluded; an appeal is accepted.
        tickets = db.session.scalars(select(Ticket).join(TicketClock, TicketClock.ticket_id == Ticket.id)
                                     .where(*in_october, Ticket.merged_into_id.is_(None)).distinct()).all()
        secretaries = db.session.scalars(select(User.id).where(User.role == Role.SECRETARY.value)).all()
        moved, merged, excluded, appealed = self.pick(tickets, 4)
        moved.secretary_id = rng.choice([s for s in secretaries if s != moved.secretary_id])
        merged.merged_into_id, merged.merged_at = moved.id, start + timedelta(days=15)
        supervisor = db.session.scalar(select(User.id).where(User.role == Role.SUPERVISOR.value))
        if db.session.scalar(select(ScoreExclusion.id).where(ScoreExclusion.ticket_id == excluded.id)) is None:
            db.session.add(ScoreExclusion(ticket_id=excluded.id, reason="企业撤回诉求", created_by_id=supervisor,
                                          created_at=now))
        if appealed.secretary_id and db.session.scalar(select(Appeal.id).where(
                Appeal.ticket_id == appealed.id, Appeal.unit_kind == "secretary",
                Appeal.unit_id == appealed.secretary_id)) is None:
            db.session.add(Appeal(ticket_id=appealed.id, unit_kind="secretary", unit_id=appealed.secretary_id,
                                  reason="企业原因超时", status="accepted", filed_by_id=appealed.secretary_id,
                                  filed_at=now, decided_by_id=supervisor, decided_at=now, decision_reason="情况属实"))
        db.session.commit()
        # A case received in October is found refused at intake there (退回 on the 20th), and one refused in October
        # is taken up again: the received-based 办结率 no longer counts the first and counts the second.
        received = db.session.scalars(select(Ticket).where(
            Ticket.created_at >= start, Ticket.created_at < end - timedelta(days=12), Ticket.merged_into_id.is_(None),
            Ticket.state.not_in([S.REJECTED.value, S.RETURNED.value])).order_by(Ticket.id)).all()
        refused_before = db.session.scalars(select(Ticket).where(
            Ticket.state == S.REJECTED.value, Ticket.closed_at >= start, Ticket.closed_at < end)).all()
        for t in self.pick(received, 1):
            t.state, t.closed_at = S.REJECTED.value, start + timedelta(days=19)
        for t in self.pick(refused_before, 1):
            t.state, t.closed_at = S.TRIAGE.value, None
        db.session.commit()
        # A meeting's action item changes hands; a visit and an evaluation of October are recorded (no case).
        for item in self.pick(db.session.scalars(select(ActionItem)).all(), 1):
            others = [d for (d,) in db.session.execute(text("SELECT id FROM department")) if
                      d != item.owner_department_id]
            item.owner_department_id = rng.choice(others)
        visit = db.session.scalars(select(Visit).order_by(Visit.id)).first()
        db.session.add(Visit(enterprise_id=visit.enterprise_id, secretary_id=visit.secretary_id, kind=visit.kind,
                             visited_on=date(2026, 10, rng.randint(1, 31)), summary="回访", created_at=now))
        evaluation = db.session.scalars(select(EnterpriseEvaluation).order_by(EnterpriseEvaluation.id)).first()
        if evaluation is not None:
            evaluation.attitude = 1 + evaluation.attitude % 5
        db.session.commit()
        # Two clocks due in October run again (as if their stop was undone): the next round holds or stops them.
        for c in self.pick(self.clocks(*in_october, TicketClock.stopped_at.is_not(None)), 2):
            c.stopped_at = None
        db.session.commit()


def test_a_month_published_from_its_stage_freezes_the_lines_of_a_full_tally(app, clock):
    with app.app_context():
        seed_demo(ticket_count=150)
        runs_before = {m: db.session.scalar(select(db.func.count(AssessmentRun.id)).where(AssessmentRun.month == m))
                       for m in ("2026-10", "2026-09")}
    clock.set(bj(2026, 11, 17, 9))  # October is last month: the worker stages it, then September and August
    with app.test_request_context():
        assert staging.keep(utcnow()) == "built 2026-10"
        stage = staging.stage_of(OCTOBER)
        assert stage.ready and _lines(stage.key) == _full_tally(OCTOBER, utcnow())
        key = stage.key
        assert staging.keep(utcnow()) == "built 2026-09"
        assert staging.keep(utcnow()) == "built 2026-08"
        keys = {month: staging.stage_of(month).key for month in (OCTOBER, SEPTEMBER, AUGUST)}

        changes = Changes(random.Random(31), utcnow())
        for _round in range(3):
            before, september_before = _lines(key), _lines(keys[SEPTEMBER])
            changes.one_round()
            clock.advance(minutes=1)
            # The draft of October catches the stages up and ranks from its lines: as a live tally ranks.
            draft = drafts.refresh(OCTOBER, utcnow())
            assert draft["units"] == live_result(OCTOBER, with_report=False)["units"]
            assert staging.keep(utcnow()).startswith("refreshed 2026-10,2026-09,2026-08: ")
            # Every round changed October's lines and September's (a case that changes secretary, or is merged,
            # moves its earlier months' lines too), and every stage follows its month's full tally.
            assert _lines(key) != before and _lines(keys[SEPTEMBER]) != september_before
            for month, month_key in keys.items():
                assert _lines(month_key) == _full_tally(month, utcnow()), month
                # And its received-based 办结率, from the cases the stage keeps, is the one a probe of every case's
                # clocks gives.
                assert (report.completion_rates(month, utcnow(), -month_key)
                        == report.completion_rates(month, utcnow())), month
                # So are its on-time rates by kind of deadline, from the clocks it keeps.
                assert report.on_time_by_kind(month, utcnow(), -month_key) == report.on_time_by_kind(month, utcnow())
        changes.one_round()  # and these the publication itself catches up on

        clock.advance(minutes=1)
        supervisor = db.session.scalar(select(User).where(User.role == Role.SUPERVISOR.value))
        run = publish_month(OCTOBER, supervisor, note="申诉处理后更正" if runs_before["2026-10"] else "",
                            republish=bool(runs_before["2026-10"]))
        assert run.lines_key == key and staging.stage_of(OCTOBER) is None
        frozen = _lines(key)
        assert frozen == _full_tally(OCTOBER, utcnow())
        assert run.summary["completion"] == report.completion_rates(OCTOBER, utcnow())
        assert run.summary["center"] == report.month_figures(OCTOBER, utcnow())
        assert all(line[3] is not None or line[1] in CASELESS[line[0]] for line in frozen)
        # September, published again after an appeal, from its own stage, which that publication caught up too.
        september = publish_month(SEPTEMBER, supervisor, note="申诉处理后更正" if runs_before["2026-09"] else "",
                                  republish=bool(runs_before["2026-09"]))
        assert september.lines_key == keys[SEPTEMBER] and _lines(keys[SEPTEMBER]) == _full_tally(SEPTEMBER, utcnow())
        assert september.summary["completion"] == report.completion_rates(SEPTEMBER, utcnow())
        assert september.summary["previous"] == dict(report.month_figures(AUGUST, utcnow()),
                                                     completion=report.completion_rates(AUGUST, utcnow()))

        # Published again before the worker stages the month anew: a full tally, the very same lines.
        again = publish_month(OCTOBER, supervisor, note="复核", republish=True)
        assert again.lines_key is None and _lines(again.id) == frozen
        assert again.summary["units"] == run.summary["units"]
        # The worker stages the months again (for a further correction), the newest first; the published lines stay
        # as they are.
        assert _staged_cases(-key) > 0  # the cases of the stage it took stay until the worker's next round
        clock.advance(minutes=1)
        assert staging.keep(utcnow()) == "built 2026-10"
        assert staging.keep(utcnow()) == "built 2026-09"
        assert staging.stage_of(OCTOBER).key != key and _lines(key) == frozen
        # The cases of the stages the publications took are swept; those of the stages built again are there.
        assert _staged_cases(-key) == 0 and _staged_cases(-keys[SEPTEMBER]) == 0
        assert _staged_cases(staging.stage_of(OCTOBER).id) > 0


def test_the_worker_keeps_the_stages_of_last_month_and_the_two_before_it(app, clock, factory):
    resolved = factory.ticket(S.RESOLVED)
    clock.set(bj(2026, 12, 1, 0, 30))
    with app.test_request_context():
        # One month a round, last month first. The first build clears the notes; a later one leaves them to the
        # stages already built, which read them next.
        assert staging.keep(utcnow()) == "built 2026-11"
        november = staging.stage_of(Month(2026, 11))
        assert len(_lines(november.key)) > 0 and db.session.scalar(select(db.func.count(CaseChange.id))) == 0
        factory.ticket(S.TRIAGE)  # a change: noted, then read by the next refresh
        assert staging.keep(utcnow()) == "built 2026-10"
        assert staging.keep(utcnow()) == "built 2026-09"
        assert _noted() != set()
        assert staging.keep(utcnow()) == "refreshed 2026-11,2026-10,2026-09: 1 cases"
        assert staging.keep(utcnow()) == "refreshed 2026-11,2026-10,2026-09: 0 cases"

        # While a stage is being built its notes are kept, though the ready stages read them: it began reading its
        # lines before the change. Here November's stage is "being built" when its resolved case changes secretary,
        # which moves the case's November lines to the new secretary.
        november.ready = False
        db.session.commit()
        before = _lines(november.key)
        other = factory.user(Role.SECRETARY)
        db.session.execute(text("UPDATE ticket SET secretary_id = :s WHERE id = :t"), {"s": other.id, "t": resolved.id})
        db.session.commit()
        assert staging.keep(utcnow()) == "refreshed 2026-10,2026-09: 1 cases"
        assert _noted() == {resolved.id} and _lines(november.key) == before
        # The build finishes; its first refresh rewrites the case, whose lines now count for the new secretary.
        november.ready = True
        db.session.commit()
        assert staging.keep(utcnow()) == "refreshed 2026-11,2026-10,2026-09: 1 cases" and _noted() == set()
        assert _lines(november.key) != before and _lines(november.key) == _full_tally(Month(2026, 11), utcnow())
        # A build that died half-way is dropped after a while and built again; a month that ended is added and the
        # oldest dropped.
        november.ready = False
        db.session.commit()
        assert staging.keep(utcnow()) == "refreshed 2026-10,2026-09: 0 cases"
        clock.advance(minutes=31)
        assert staging.keep(utcnow()) == "built 2026-11"
        assert _lines(november.key) == []
        clock.set(bj(2027, 1, 2, 9))
        assert staging.keep(utcnow()) == "built 2026-12"
        assert [s.month for s in db.session.scalars(select(AssessmentStage).order_by(AssessmentStage.month))] == [
            "2026-10", "2026-11", "2026-12"]
        assert db.session.scalar(select(db.func.count(AssessmentFact.id)).where(AssessmentFact.run_id < 0)) == sum(
            len(_lines(stage.key)) for stage in db.session.scalars(select(AssessmentStage)))
        for table in (StagedCase, StagedClock):
            assert set(db.session.scalars(select(table.stage_id).distinct())) <= set(
                db.session.scalars(select(AssessmentStage.id)))


def test_a_call_received_in_a_staged_month_and_typed_in_later_gets_its_lines_there(app, clock, factory):
    """A case typed in after a month ended has no line in it, unless it was received in it (a call, a 12345 transfer):
    its clocks run from then. The stages skip the first kind and rewrite the second."""
    secretary = factory.user(Role.SECRETARY)
    enterprise_id = factory.enterprise(secretary)
    clock.set(bj(2026, 12, 1, 9))
    with app.test_request_context():
        assert staging.keep(utcnow()) == "built 2026-11"
        assert staging.keep(utcnow()) == "built 2026-10"
        assert staging.keep(utcnow()) == "built 2026-09"
        october = staging.stage_of(OCTOBER)
        assert _lines(october.key) == []
        # Received by phone on Friday 2026-10-09 at 10:00, typed in on 2026-12-01: its clocks ran from that call. Its
        # first reply (one working day) was due by the end of Saturday 10 October, a make-up working day, and its
        # resolution (five working days: 10, 12, 13, 14, 15 October) by the end of the 15th; both passed in October
        # with nothing done, so October's lines count it (its response, on-time and completion lines), and only it:
        # no other case was received. A case submitted on the web on 2026-12-01 has no line in October.
        factory.ticket(S.TRIAGE, secretary=secretary, enterprise_id=enterprise_id)
        from app.enums import Channel
        from app.models import Enterprise
        from app.tickets.intake import record_offline_ticket
        actor = db.session.get(User, secretary.id)
        ticket, *_rest = record_offline_ticket(
            actor, db.session.get(Enterprise, enterprise_id),
            {"title": "十月来电：用电报装进度", "description": "十月九日来电询问用电报装进度。", "contact_name": "王经理",
             "mobile": "13812345678", "category_id": factory.category(), "urgency": "normal"},
            [], channel=Channel.PHONE, received_at=bj(2026, 10, 9, 10))
        db.session.commit()
        assert staging.keep(utcnow()).startswith("refreshed 2026-11,2026-10,2026-09: ")
        lines = _lines(october.key)
        assert lines == _full_tally(OCTOBER, utcnow())
        assert {line[3] for line in lines} == {ticket.id}
        assert {line[1] for line in lines} == {"response", "on_time", "completion"}


def test_a_stage_a_publication_takes_keeps_its_lines_while_the_worker_drops_its_month(app, clock, factory):
    """The worker drops a month's stage once the month is no longer one of the three it keeps. A publication taking
    that stage at the same moment keeps its lines: the worker waits for the stage's lock, then finds it gone. (Before,
    on PostgreSQL, the worker read the stage without the lock, deleted its lines at once, and only its delete of the
    stage's row waited: the published version was left without lines.)"""
    supervisor = factory.user(Role.SUPERVISOR)
    factory.ticket(S.RESOLVED)
    clock.set(bj(2026, 12, 1, 9))
    with app.app_context():
        assert staging.keep(utcnow()) == "built 2026-11"
        key = staging.stage_of(Month(2026, 11)).key
        lines = _lines(key)
    assert lines
    taken, errors = threading.Event(), []

    def publication():
        try:
            with app.app_context():
                assert staging.take_for_publication(Month(2026, 11), utcnow()) == key
                taken.set()
                time.sleep(1)  # the worker's round begins meanwhile
                db.session.add(AssessmentRun(month="2026-11", version=1, published_at=utcnow(), note="",
                                             published_by_id=supervisor.id, summary_json="{}", lines_key=key))
                db.session.commit()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
            taken.set()

    thread = threading.Thread(target=publication)
    thread.start()
    assert taken.wait(10)
    with app.app_context():
        # In March November is no longer kept; February is built.
        assert staging.keep(bj(2027, 3, 2, 9)) == "built 2027-02"
    thread.join()
    assert not errors
    with app.app_context():
        assert _lines(key) == lines
        assert [s.month for s in db.session.scalars(select(AssessmentStage))] == ["2027-02"]
