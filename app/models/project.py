"""一表制 and 代办: investment projects with their stages, and the permits the center handles for enterprises."""
from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.enums import ProcedureStatus
from app.extensions import db
from app.models.types import LabeledEnumColumn, UTCDateTime

CONSTRUCTION_PERMIT = "construction_permit"  # the procedure type the sheet's 拿地 → 施工许可 figures count by


class ProjectStage(db.Model):
    """A column of the tracking sheet: 签约 → 拿地 → 开工 → 竣工 → 投产, and any stage the admin adds."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    position: Mapped[int] = mapped_column(Integer)


class Project(db.Model):
    """An investment project followed on the sheet (促建表)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    investment_wan: Mapped[int] = mapped_column(Integer, default=0)  # 万元
    industry: Mapped[str] = mapped_column(String(60), default="")
    park: Mapped[str] = mapped_column(String(60), default="")
    secretary_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    leader: Mapped[str] = mapped_column(String(60), default="")
    created_at = mapped_column(UTCDateTime)

    enterprise = relationship("Enterprise")
    secretary = relationship("User")
    milestones = relationship("Milestone", back_populates="project", order_by="Milestone.id")
    procedures = relationship("Procedure", back_populates="project", order_by="Procedure.id")
    tickets = relationship("Ticket", back_populates="project", order_by="Ticket.id")
    # Its history and that of its procedures, oldest first (written by the services, never changed).
    changes = relationship("ProjectChange", viewonly=True, order_by="ProjectChange.id")

    def milestone(self, code):
        """The project's milestone for a stage code, if planned."""
        return next((m for m in self.milestones if m.stage.code == code), None)

    def permit_approvals(self) -> list:
        """When its construction permits (施工许可证 procedures) were approved, in order (None: not yet)."""
        return [x.approved_on for x in self.procedures if x.type.code == CONSTRUCTION_PERMIT]


class Milestone(db.Model):
    """One stage of one project: planned and actual dates."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("project_stage.id"))
    planned_on: Mapped[date | None] = mapped_column(Date)
    actual_on: Mapped[date | None] = mapped_column(Date)
    owner: Mapped[str] = mapped_column(String(60), default="", server_default="")  # 责任人
    work_items: Mapped[str] = mapped_column(Text, default="", server_default="")  # 关键工作, one a line

    __table_args__ = (UniqueConstraint("project_id", "stage_id", name="uq_milestone_stage"),)

    project = relationship("Project", back_populates="milestones")
    stage = relationship("ProjectStage")


class ParkTarget(db.Model):
    """A park's targets for a year, set by supervisors: new starts (新开工), projects in production (投产) and the
    share of the year's signed projects that start (落地开工率, in percent)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    park: Mapped[str] = mapped_column(String(60))
    new_starts: Mapped[int] = mapped_column(Integer, default=0)
    in_production: Mapped[int] = mapped_column(Integer, default=0)
    start_rate: Mapped[int] = mapped_column(Integer, default=0)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("year", "park", name="uq_park_target_year_park"),)

    updated_by = relationship("User")


class ProcedureType(db.Model):
    """A permit or registration the center handles (工商注册, 施工许可证 …), who issues it, how long it takes."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    standard_wd: Mapped[int] = mapped_column(Integer, default=10)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    department = relationship("Department")


class Procedure(db.Model):
    """代办: one permit being handled for an enterprise (and maybe a project stage), with its due date."""

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"), index=True)
    stage_id: Mapped[int | None] = mapped_column(ForeignKey("project_stage.id"))
    type_id: Mapped[int] = mapped_column(ForeignKey("procedure_type.id"), index=True)
    secretary_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    status: Mapped[ProcedureStatus] = mapped_column(LabeledEnumColumn(ProcedureStatus, 12),
                                                    default=ProcedureStatus.NOT_STARTED)
    submitted_on: Mapped[date | None] = mapped_column(Date)
    approved_on: Mapped[date | None] = mapped_column(Date, index=True)
    due_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at = mapped_column(UTCDateTime)
    updated_at = mapped_column(UTCDateTime)
    # When its secretary was told it passed its due date (once per due date: a new due date clears it).
    overdue_notified_at = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("project_id", "type_id", name="uq_procedure_project_type"),)

    enterprise = relationship("Enterprise")
    project = relationship("Project", back_populates="procedures")
    stage = relationship("ProjectStage")
    type = relationship("ProcedureType")
    secretary = relationship("User")
    documents = relationship("ProcedureDocument", back_populates="procedure", order_by="ProcedureDocument.id")
    changes = relationship("ProjectChange", viewonly=True, order_by="ProjectChange.id")


class ProcedureDocument(db.Model):
    """A file kept with a procedure (application forms, approvals), stored like ticket attachments."""

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"), index=True)
    original_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at = mapped_column(UTCDateTime)

    procedure = relationship("Procedure", back_populates="documents")


class ProjectChange(db.Model):
    """One append-only entry of a project's or a procedure's history: who changed which field, when, from what to
    what. A procedure's entries also carry its project (if any), so the project page shows them too."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"), index=True)
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedure.id"), index=True)
    stage_id: Mapped[int | None] = mapped_column(ForeignKey("project_stage.id"))  # a milestone's stage
    at = mapped_column(UTCDateTime, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    actor_name: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(20))  # created, planned_on, actual_on, status, submitted_on …
    old_value: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[str] = mapped_column(Text, default="")

    project = relationship("Project")
    procedure = relationship("Procedure")
    stage = relationship("ProjectStage")
