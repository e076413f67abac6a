"""Monthly assessment (监督制): scoring rules, exclusions, appeals, enterprise evaluations and published months."""
import json

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.enums import AppealStatus
from app.extensions import db
from app.models.types import LabeledEnumColumn, UTCDateTime


class ScoringRule(db.Model):
    """How one kind of unit (secretaries or departments) is scored: weights per metric and the award bar."""

    unit_kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    weights_json: Mapped[str] = mapped_column(Text, default="{}")
    min_tickets: Mapped[int] = mapped_column(Integer, default=5)
    gold_min_score: Mapped[int] = mapped_column(Integer, default=90)
    visit_target: Mapped[int] = mapped_column(Integer, default=4)
    updated_at = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    @property
    def weights(self) -> dict:
        """Weight per metric key, in points out of 100."""
        return json.loads(self.weights_json or "{}")


class ScoreExclusion(db.Model):
    """不纳入考核: a supervisor took a ticket out of every unit's scores, with a reason."""

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at = mapped_column(UTCDateTime, nullable=False)

    ticket = relationship("Ticket")
    created_by = relationship("User")


class Appeal(db.Model):
    """申诉: a unit asks that one ticket not count against it; a supervisor accepts or rejects it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    unit_kind: Mapped[str] = mapped_column(String(12))
    unit_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[AppealStatus] = mapped_column(LabeledEnumColumn(AppealStatus, 10), default=AppealStatus.PENDING)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    filed_at = mapped_column(UTCDateTime, nullable=False)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("ticket_id", "unit_kind", "unit_id", name="uq_appeal_ticket_unit"),)

    ticket = relationship("Ticket")
    filed_by = relationship("User", foreign_keys=[filed_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])


class EnterpriseEvaluation(db.Model):
    """综合打分: an enterprise's monthly 1–5 marks for its secretary or a department it dealt with."""

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    unit_kind: Mapped[str] = mapped_column(String(12))
    unit_id: Mapped[int] = mapped_column(Integer)
    lawful: Mapped[int] = mapped_column(Integer)  # 依法履职
    efficiency: Mapped[int] = mapped_column(Integer)  # 办事效率
    execution: Mapped[int] = mapped_column(Integer)  # 执行力
    attitude: Mapped[int] = mapped_column(Integer)  # 服务态度
    comment: Mapped[str] = mapped_column(Text, default="")
    # The verified contact whose personal link gave the marks.
    contact_name: Mapped[str] = mapped_column(String(40), default="", server_default="")
    contact_mobile: Mapped[str] = mapped_column(String(20), default="", server_default="")
    created_at = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (UniqueConstraint("enterprise_id", "month", "unit_kind", "unit_id",
                                       name="uq_evaluation_once_a_month"),)

    enterprise = relationship("Enterprise")


class AssessmentRun(db.Model):
    """A published month: every figure frozen as it stood, one version per (re-)publication."""

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    version: Mapped[int] = mapped_column(Integer)
    published_at = mapped_column(UTCDateTime, nullable=False)
    published_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    summary_json: Mapped[str] = mapped_column(Text)  # rules, unit scores and the centre's figures
    # Lines of this version that calendar corrections made since would change (counted when a correction is
    # made; republishing applies them).
    pending_lines: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Where its lines are stored (assessment_fact.run_id) when they are not under its own id: the key of the stage
    # they were kept under until it was published (app/assessment/staging.py).
    lines_key: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("month", "version", name="uq_assessment_run_version"),)

    published_by = relationship("User")

    @property
    def lines_id(self) -> int:
        """The key its frozen lines are stored under."""
        return self.id if self.lines_key is None else self.lines_key

    @property
    def summary(self) -> dict:
        """The frozen results."""
        return json.loads(self.summary_json)


class DraftSnapshot(db.Model):
    """A tally computed at one moment and shared by every web worker: a draft month's figures (key "2026-10", see
    app/assessment/drafts.py) or the overdue board's counts (keys "board", "board:d<department id>", see
    app/supervision/board.py)."""

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    computed_at = mapped_column(UTCDateTime, nullable=False)
    payload: Mapped[str] = mapped_column(Text)


class AssessmentFact(db.Model):
    """One line behind a published figure: which ticket counted for which unit and metric, and why."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # The run that froze it. No foreign key: lines are written only by `publish_month`, in the transaction that
    # makes their run, and runs are never deleted; PostgreSQL's check of each line locked the run's row once a line,
    # 3.2 of the 7.1 s it took to write a month's 386,680 lines at 1,000,000 cases (bench/README.md).
    run_id: Mapped[int] = mapped_column(Integer)
    unit_kind: Mapped[str] = mapped_column(String(12))
    unit_id: Mapped[int] = mapped_column(Integer)
    metric: Mapped[str] = mapped_column(String(20))
    ticket_id: Mapped[int | None] = mapped_column(Integer)
    ref_id: Mapped[int | None] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    counted: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    due_at = mapped_column(UTCDateTime)
    done_at = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_assessment_fact_lookup", "run_id", "unit_kind", "unit_id", "metric"),)


class AssessmentStage(db.Model):
    """A month whose lines the SLA worker keeps up to date under the key -id (last month and the two before it) so
    that publishing it writes none (app/assessment/staging.py). `ready` once every metric's lines are written."""

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), unique=True)
    started_at = mapped_column(UTCDateTime, nullable=False)
    ready: Mapped[bool] = mapped_column(Boolean, default=False)
    refreshed_at = mapped_column(UTCDateTime)

    # Keys are never reused (AUTOINCREMENT on SQLite): a published stage's lines stay under its key.
    __table_args__ = {"sqlite_autoincrement": True}

    @property
    def key(self) -> int:
        """The key its lines are stored under in assessment_fact.run_id (negative: never a run's id)."""
        return -self.id


class CaseChange(db.Model):
    """A case whose month lines may have changed (or, without a case, a visit or an evaluation): written by database
    triggers on every table a line reads (migration f31stage0001), read and deleted by the staged lines."""

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(Integer)


class StagedCase(db.Model):
    """A case the received-based 办结率 of a staged month counts (received in the month's year by its end, not refused,
    merged or excluded), whether it was received in the month itself and whether it stood resolved at the month's end
    (app/assessment/staging.py). Kept by the stage with id `stage_id`, rewritten with its lines; no foreign key: a
    publication deletes the stage it takes and the worker sweeps its cases afterwards."""

    __tablename__ = "assessment_stage_case"
    stage_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    in_month: Mapped[bool] = mapped_column(Boolean)
    done: Mapped[bool] = mapped_column(Boolean)

    # Read whole, a stage's cases in key order (SQLite keeps the rows in the key's b-tree).
    __table_args__ = {"sqlite_with_rowid": False}


class StagedClock(db.Model):
    """A clock whose outcome was decided in a staged month (met or missed there; excluded and merged cases left out),
    its kind and whether it was met: the report's 按时率 by kind of deadline, kept by the stage with id `stage_id` as
    its cases are (app/assessment/staging.py)."""

    __tablename__ = "assessment_stage_clock"
    stage_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clock_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    on_time: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = {"sqlite_with_rowid": False}
