"""一表制 and 代办 verbs, the procedure catalogue and the sheet's stages, the sheet's cell colours and the figures the
zone reports."""
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import func, select

from app.audit import record_change, snapshot
from app.timesource import utcnow
from app.deadlines.calendar import current_calendar
from app.enums import CellStatus, ProcedureStatus, Role
from app.errors import NotAllowed, ValidationFailed
from app.extensions import db
from app.text import clean_text
from app.attachments import check_uploads, discard_files, write_file
from app.models import Department, Milestone, Procedure, ProcedureDocument, ProcedureType, Project, ProjectStage
from app.models.project import ProjectChange
from sla.calendar import SHANGHAI
from sla.dayindex import index_for

DEFAULT_STAGES = [("sign", "签约"), ("land", "拿地"), ("start", "开工"), ("complete", "竣工"), ("production", "投产")]
DEFAULT_TYPES = [("business_registration", "工商注册", 3, "市场监管局"), ("project_filing", "项目备案", 5, "行政审批局"),
                 ("land_planning_permit", "用地规划许可证", 20, "规划自然资源局"),
                 ("works_planning_permit", "工程规划许可证", 20, "规划自然资源局"),
                 ("construction_drawing_review", "施工图审查", 10, "住建局"),
                 ("construction_permit", "施工许可证", 7, "住建局"), ("completion_acceptance", "竣工验收", 15, "住建局"),
                 ("property_registration", "不动产登记", 5, "规划自然资源局")]
DUE_SOON_DAYS = 10
# The dates a person may type. Nothing the centre handles happened before 2000, what already happened (an actual
# date, a submission, an approval) cannot be after today, and nobody plans a stage more than ten years ahead.
EARLIEST = date(2000, 1, 1)
PLAN_YEARS = 10


def ensure_reference_data() -> None:
    """The default stages and procedure types (the migration adds them; this restores any that are missing and
    links types to departments of the same name)."""
    stages = {s.code for s in db.session.scalars(select(ProjectStage))}
    for i, (code, name) in enumerate(DEFAULT_STAGES):
        if code not in stages:
            db.session.add(ProjectStage(code=code, name=name, position=i))
    departments = {d.name: d.id for d in db.session.scalars(select(Department))}
    types = {t.code: t for t in db.session.scalars(select(ProcedureType))}
    names = {t.name for t in types.values()}
    for code, name, days, dept in DEFAULT_TYPES:
        if code not in types and name in names:
            continue  # an admin already keeps a type of that name
        row = types.get(code) or ProcedureType(code=code, name=name, standard_wd=days, is_active=True)
        row.department_id = row.department_id or departments.get(dept)
        db.session.add(row)
    db.session.commit()


def today() -> date:
    """Today in Beijing."""
    return utcnow().astimezone(SHANGHAI).date()


def stages():
    """The sheet's columns in order."""
    return db.session.scalars(select(ProjectStage).order_by(ProjectStage.position, ProjectStage.id)).all()


# ---- the dates a person may type ------------------------------------------------------------------------------

@lru_cache(maxsize=16)  # the sheet's figures ask it for every date they test, always with today
def latest_plan(on: date) -> date:
    """The last date a stage may be planned for: ten years after `on` (28 February for a 29th)."""
    try:
        return on.replace(year=on.year + PLAN_YEARS)
    except ValueError:
        return on.replace(year=on.year + PLAN_YEARS, day=28)


def sane(value: date | None, on: date) -> bool:
    """Whether a stored date lies in the range a person could have typed (older rows may not)."""
    return value is not None and EARLIEST <= value <= latest_plan(on)


def _check_planned(value, label, on):
    if value is not None and not EARLIEST <= value <= latest_plan(on):
        raise ValidationFailed(_("%(label)s应在 %(start)s 至 %(end)s 之间。", label=label,
                                 start=EARLIEST.isoformat(), end=latest_plan(on).isoformat()))


def _check_past(value, label, on):
    if value is not None and not EARLIEST <= value <= on:
        raise ValidationFailed(_("%(label)s不能早于 %(start)s，也不能晚于今天。", label=label,
                                 start=EARLIEST.isoformat()))


# ---- who may change what, and the record of every change --------------------------------------------------------

def _require_staff(actor):
    if not actor.has_role(Role.SECRETARY, Role.SUPERVISOR, Role.ADMIN):
        raise NotAllowed(_("您没有权限修改项目。"))


def can_edit_project(actor, project) -> bool:
    """The project's own secretary and supervisors; admins too, to correct data (every change is recorded)."""
    if actor.has_role(Role.SUPERVISOR, Role.ADMIN):
        return True
    return actor.is_secretary and project.secretary_id is not None and project.secretary_id == actor.id


def can_update_procedure(actor, procedure) -> bool:
    """The procedure's own secretary, officers of the issuing department, supervisors and admins."""
    if actor.has_role(Role.SUPERVISOR, Role.ADMIN):
        return True
    if actor.is_secretary:
        return procedure.secretary_id is not None and procedure.secretary_id == actor.id
    department_id = procedure.type.department_id
    return actor.is_officer and department_id is not None and actor.department_id == department_id


def require_project_edit(actor, project):
    """Refuse (403, with the reason) anyone but those who may change the project."""
    if not can_edit_project(actor, project):
        raise NotAllowed(_("只有该项目的项目秘书和督办可以修改此项目。"))


def require_procedure_update(actor, procedure):
    """Refuse (403, with the reason) anyone but those who may move the procedure on."""
    if not can_update_procedure(actor, procedure):
        raise NotAllowed(_("只有该事项的项目秘书、审批部门和督办可以更新状态。"))


def _text(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def _record(actor, field_name, old, new, *, project=None, procedure=None, stage=None, now=None):
    """Append one entry to the history (only when something changed), stamped `now` (the unit of work's)."""
    old, new = _text(old), _text(new)
    if old == new:
        return
    db.session.add(ProjectChange(project=project if project is not None else getattr(procedure, "project", None),
                                 procedure=procedure, stage=stage, at=now or utcnow(), actor_id=actor.id,
                                 actor_name=actor.display_name, field=field_name, old_value=old, new_value=new))


FIELD_LABELS = {"created": _l("登记"), "planned_on": _l("计划日期"), "actual_on": _l("实际日期"),
                "status": _l("状态"), "submitted_on": _l("报审日期"), "approved_on": _l("办结日期"),
                "due_on": _l("应办结日期"), "note": _l("备注"), "document": _l("上传材料"),
                "overdue": _l("超过办理时限"), "owner": _l("责任人"), "work_items": _l("关键工作"),
                "order_confirmed": _l("确认日期顺序")}


def describe_change(change) -> dict:
    """What a person reads in a history list: what was changed (stage, procedure or project), which field,
    before and after, statuses by their label."""
    def shown(value):
        if change.field == "status" and ProcedureStatus.get(value):
            return ProcedureStatus.get(value).label
        return value or "—"
    if change.stage is not None:
        subject = change.stage.name
    elif change.procedure is not None:
        subject = change.procedure.type.name
    else:
        subject = _("项目")
    return {"at": change.at, "who": change.actor_name, "subject": subject,
            "field": str(FIELD_LABELS.get(change.field, change.field)),
            "old": "" if change.field in ("created", "overdue", "order_confirmed") else shown(change.old_value),
            "new": shown(change.new_value)}


def create_project(actor, enterprise, *, name, investment_wan, industry, park, leader, secretary_id=None):
    """Put a project on the sheet, with an empty milestone for every stage."""
    _require_staff(actor)
    if enterprise is None:
        raise ValidationFailed(_("请选择企业。"))
    if not isinstance(investment_wan, int) or not 0 <= investment_wan <= 10_000_000:
        raise ValidationFailed(_("总投资应为 0–10000000 万元。"))
    project = Project(enterprise=enterprise, name=clean_text(name, _("项目名称"), 120),
                      investment_wan=investment_wan, industry=clean_text(industry, _("行业"), 60, False),
                      park=clean_text(park, _("园区"), 60, False), leader=clean_text(leader, _("联系领导"), 60, False),
                      secretary_id=secretary_id or (actor.id if actor.is_secretary else enterprise.secretary_id),
                      created_at=utcnow())
    db.session.add(project)
    _record(actor, "created", "", project.name, project=project)
    for stage in stages():
        db.session.add(Milestone(project=project, stage=stage))
    db.session.commit()
    return project


# The stages whose dates must come in this order (admins' added stages have no known place in it).
STAGE_ORDER = ("sign", "land", "start", "complete", "production")


class OrderUnconfirmed(ValidationFailed):
    """Stage dates out of order (开工 before 拿地 …), saved only when confirmed with a reason."""

    def __init__(self, problems: list[str]):
        super().__init__(_("阶段日期顺序不符：%(p)s。如确属实际情况，请填写原因后再次保存。", p="；".join(problems)))
        self.problems = problems


def order_problems(dates_by_code: dict, names: dict, changed: set) -> list[tuple[str, str]]:
    """[(later stage code, what is wrong)] for every stage of STAGE_ORDER dated before an earlier stage of the
    same kind (planned against planned, actual against actual); only pairs where one of the two dates is being
    changed (`changed`: {(code, kind)}), so a confirmed old pair is not asked about again at every save."""
    problems = []
    for kind, label in (("planned", _("计划")), ("actual", _("实际"))):
        for i, later in enumerate(STAGE_ORDER):
            late_day = dates_by_code.get(later, {}).get(kind)
            if late_day is None:
                continue
            for earlier in STAGE_ORDER[:i]:
                early_day = dates_by_code.get(earlier, {}).get(kind)
                if early_day is not None and late_day < early_day and (
                        (later, kind) in changed or (earlier, kind) in changed):
                    problems.append((later, _("“%(a)s”%(k)s日期 %(d1)s 早于“%(b)s”%(k)s日期 %(d2)s", a=names[later],
                                              b=names[earlier], k=label, d1=late_day.isoformat(),
                                              d2=early_day.isoformat())))
    return problems


def set_milestones(actor, project, dates: dict, *, details: dict | None = None, order_reason: str = ""):
    """Record planned and actual dates: {stage_id: (planned, actual)}, and each stage's responsible person and key
    work items: {stage_id: (owner, work_items)}, by the project's secretary or a supervisor.

    A planned date lies between 2000-01-01 and ten years from today, an actual date between 2000-01-01 and today;
    one date out of range refuses the whole form. Stages of STAGE_ORDER dated before an earlier stage (开工 before
    拿地) are refused unless `order_reason` says why; the reason is recorded with each such stage. Every changed
    date, owner and work item is recorded (who, when, before, after)."""
    _require_staff(actor)
    require_project_edit(actor, project)
    now = today()
    all_stages = stages()
    details = details or {}
    for stage in all_stages:
        planned, actual = dates.get(stage.id, (None, None))
        _check_planned(planned, _("“%(s)s”的计划日期", s=stage.name), now)
        _check_past(actual, _("“%(s)s”的实际日期", s=stage.name), now)
    by_stage = {m.stage_id: m for m in project.milestones}
    cleaned = {}
    for stage in all_stages:
        milestone = by_stage.get(stage.id)
        owner, work = details.get(stage.id, (milestone.owner if milestone else "",
                                             milestone.work_items if milestone else ""))
        cleaned[stage.id] = (clean_text(owner, _("“%(s)s”的责任人", s=stage.name), 60, False, single_line=True),
                             clean_text(work, _("“%(s)s”的关键工作", s=stage.name), 2000, False))
    by_code = {s.code: s for s in all_stages}
    dated, changed = {}, set()
    for stage in all_stages:
        planned, actual = dates.get(stage.id, (None, None))
        dated[stage.code] = {"planned": planned, "actual": actual}
        milestone = by_stage.get(stage.id)
        if planned != (milestone.planned_on if milestone else None):
            changed.add((stage.code, "planned"))
        if actual != (milestone.actual_on if milestone else None):
            changed.add((stage.code, "actual"))
    problems = order_problems(dated, {c: s.name for c, s in by_code.items()}, changed)
    reason = clean_text(order_reason, _("原因"), 500, False)
    if problems and not reason:
        raise OrderUnconfirmed([text for _code, text in problems])
    stamp = utcnow()
    for stage in all_stages:
        planned, actual = dates.get(stage.id, (None, None))
        owner, work = cleaned[stage.id]
        milestone = by_stage.get(stage.id) or Milestone(project=project, stage=stage, owner="", work_items="")
        _record(actor, "planned_on", milestone.planned_on, planned, project=project, stage=stage, now=stamp)
        _record(actor, "actual_on", milestone.actual_on, actual, project=project, stage=stage, now=stamp)
        _record(actor, "owner", milestone.owner or "", owner, project=project, stage=stage, now=stamp)
        _record(actor, "work_items", milestone.work_items or "", work, project=project, stage=stage, now=stamp)
        milestone.planned_on, milestone.actual_on = planned, actual
        milestone.owner, milestone.work_items = owner, work
        db.session.add(milestone)
    for code, text in problems:
        _record(actor, "order_confirmed", "", _("%(p)s；原因：%(r)s", p=text, r=reason), project=project,
                stage=by_code[code], now=stamp)
    db.session.commit()


def create_procedure(actor, enterprise, type_id, *, project=None, stage_id=None, note=""):
    """Start handling a permit for an enterprise (and a project stage)."""
    _require_staff(actor)
    kind = db.session.get(ProcedureType, type_id)
    if kind is None or not kind.is_active:
        raise ValidationFailed(_("请选择代办事项类型。"))
    if enterprise is None:
        raise ValidationFailed(_("请选择企业。"))
    if project is not None:
        require_project_edit(actor, project)
        if any(p.type_id == kind.id for p in project.procedures):
            raise ValidationFailed(_("该项目已有“%(n)s”代办记录。", n=kind.name))
        if stage_id is not None and stage_id not in {m.stage_id for m in project.milestones}:
            raise ValidationFailed(_("请选择该项目的阶段。"))
    elif stage_id is not None:
        raise ValidationFailed(_("只有项目的代办事项可以对应阶段。"))
    now = utcnow()
    procedure = Procedure(enterprise=enterprise, project=project, stage_id=stage_id, type=kind,
                          secretary_id=actor.id if actor.is_secretary else enterprise.secretary_id,
                          note=clean_text(note, _("备注"), 2000, False), created_at=now, updated_at=now)
    db.session.add(procedure)
    _record(actor, "created", "", kind.name, project=project, procedure=procedure)
    db.session.commit()
    return procedure


def update_procedure(actor, procedure, *, status, submitted_on=None, approved_on=None, note=None):
    """Move a procedure on: the due date runs the standard working days from submission (Chinese calendar).

    Only its own secretary, officers of the issuing department, supervisors and admins; submission and approval
    dates lie between 2000-01-01 and today. Every changed field is recorded (who, when, before, after)."""
    require_procedure_update(actor, procedure)
    state = ProcedureStatus.get(status)
    if state is None:
        raise ValidationFailed(_("请选择状态。"))
    now = today()
    _check_past(submitted_on, _("报审日期"), now)
    _check_past(approved_on, _("办结日期"), now)
    if state in (ProcedureStatus.SUBMITTED, ProcedureStatus.APPROVED, ProcedureStatus.REJECTED) and not submitted_on:
        raise ValidationFailed(_("请填写报审日期。"))
    if state is ProcedureStatus.APPROVED and not approved_on:
        raise ValidationFailed(_("请填写办结日期。"))
    if approved_on and submitted_on and approved_on < submitted_on:
        raise ValidationFailed(_("办结日期不能早于报审日期。"))
    new = {"status": state.value, "submitted_on": submitted_on,
           "approved_on": approved_on if state is ProcedureStatus.APPROVED else None,
           "due_on": (current_calendar().add_working_days(submitted_on, procedure.type.standard_wd)
                      if submitted_on else None),
           "note": procedure.note if note is None else clean_text(note, _("备注"), 2000, False)}
    if new["due_on"] != procedure.due_on:
        procedure.overdue_notified_at = None  # a new due date: its secretary is told again if it passes
    for name, value in new.items():
        _record(actor, name, getattr(procedure, name), value, procedure=procedure)
        setattr(procedure, name, value)
    procedure.updated_at = utcnow()
    db.session.commit()


def attach_documents(actor, procedure, files):
    """Keep files with a procedure (checked by content like every upload); nothing is stored if one fails.
    Only those who may move the procedure on upload, and every file is recorded in its history."""
    now = utcnow()  # one moment for the whole unit of work
    require_procedure_update(actor, procedure)  # the same people who move it on; others are refused (403)
    uploads = check_uploads(files)
    if not uploads:
        raise ValidationFailed(_("请选择要上传的材料。"))
    names = []
    try:
        for up in uploads:
            names.append(write_file(up))
            db.session.add(ProcedureDocument(procedure=procedure, original_name=up.name, stored_name=names[-1],
                                             content_type=up.content_type, size=len(up.data),
                                             uploaded_by_id=actor.id, created_at=now))
            _record(actor, "document", "", up.name, procedure=procedure, now=now)
        procedure.updated_at = now
        db.session.commit()
    except Exception:
        db.session.rollback()
        discard_files([ProcedureDocument(stored_name=n) for n in names])
        raise


# ---- the procedure catalogue and the sheet's stages (admins) ------------------------------------------------------

def _require_admin(actor):
    if not actor.is_admin:
        raise NotAllowed(_("您没有权限执行此操作。"))


def _name_taken(model, name, but=None) -> bool:
    clash = db.session.scalar(select(model.id).where(model.name == name))
    return bool(clash) and clash != but


def add_stage(actor, name: str) -> ProjectStage:
    """A new column at the end of the sheet; existing projects get its milestone when their dates are next saved."""
    _require_admin(actor)
    if _name_taken(ProjectStage, name):
        raise ValidationFailed(_("名称“%(name)s”已存在。", name=name))
    position = (db.session.scalar(select(func.max(ProjectStage.position))) or 0) + 1
    stage = ProjectStage(code=f"custom_{position}", name=name, position=position)
    db.session.add(stage)
    db.session.flush()
    record_change(actor, "create", "project_stage", stage.id, {}, snapshot(stage), utcnow())
    db.session.commit()
    return stage


def add_procedure_type(actor, name: str, department_id: int | None, standard_wd: int) -> ProcedureType:
    """A new kind of procedure in the catalogue: who issues it and its standard working days."""
    _require_admin(actor)
    if _name_taken(ProcedureType, name):
        raise ValidationFailed(_("名称“%(name)s”已存在。", name=name))
    position = db.session.scalar(select(func.count(ProcedureType.id))) + 1
    kind = ProcedureType(code=f"custom_{position}", name=name, department_id=department_id, standard_wd=standard_wd,
                         is_active=True)
    db.session.add(kind)
    db.session.flush()
    record_change(actor, "create", "procedure_type", kind.id, {}, snapshot(kind), utcnow())
    db.session.commit()
    return kind


def update_procedure_type(actor, kind, *, name: str, department_id: int | None, standard_wd: int,
                          active: bool) -> ProcedureType:
    """Rename a procedure type, change who issues it or its standard working days, or retire it."""
    _require_admin(actor)
    if _name_taken(ProcedureType, name, but=kind.id):
        raise ValidationFailed(_("名称“%(name)s”已存在。", name=name))
    before = snapshot(kind)
    kind.name, kind.standard_wd = name, standard_wd
    kind.department_id = department_id
    kind.is_active = active
    record_change(actor, "update", "procedure_type", kind.id, before, snapshot(kind), utcnow())
    db.session.commit()
    return kind

def cell_state(milestone, on: date) -> CellStatus:
    """How a stage stands: done (on time or late), late, due soon, planned, or nothing planned."""
    if milestone is None or (milestone.planned_on is None and milestone.actual_on is None):
        return CellStatus.EMPTY
    if milestone.actual_on:
        late = milestone.planned_on and milestone.actual_on > milestone.planned_on
        return CellStatus.DONE_LATE if late else CellStatus.DONE
    if milestone.planned_on < on:
        return CellStatus.LATE
    if milestone.planned_on <= on + timedelta(days=DUE_SOON_DAYS):
        return CellStatus.SOON
    return CellStatus.PLANNED


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (the way the zone counts 拿地 → 施工许可)."""
    # one subtraction on the calendar's day index: the sheet's figures ask this for every project
    one = timedelta(days=1)
    return index_for(current_calendar()).workdays_between(start + one, end + one)


@dataclass
class SheetFigure:
    """One reported figure and the projects behind it."""

    key: str
    label: str
    value: float | None
    unit: str
    projects: list = field(default_factory=list)
    detail: dict = field(default_factory=dict)  # project id -> what it contributed, with its dates
    target: int | None = None  # the year's target, where one is set
    progress: int | None = None  # value against the target, in whole percent
    counted: int | None = None  # how many projects it counts, when `projects` was not read (the sheet's kept figures)

    def project_count(self) -> int:
        """How many projects the figure counts."""
        return len(self.projects) if self.counted is None else self.counted


def figures(projects, year: int, *, details: bool = True) -> list[SheetFigure]:
    """The zone's figures over `projects` for `year`, each with the projects it counts, and with `details` what each
    of them contributed (the drill-down's words; the sheet shows the values alone)."""
    land_to_permit, sign_to_start = SheetFigure("land_to_permit", _("拿地到施工许可平均工作日"), None, _("个工作日")), \
        SheetFigure("sign_to_start", _("签约到开工平均工作日"), None, _("个工作日"))
    on = today()

    def done(project, code):  # an actual date in the range a person could type (older rows may hold others)
        m = project.milestone(code)
        return m.actual_on if m and sane(m.actual_on, on) else None

    spans = {"land_to_permit": {}, "sign_to_start": {}}
    for p in projects:
        land, start, sign = done(p, "land"), done(p, "start"), done(p, "sign")
        permit = next((day for day in p.permit_approvals() if sane(day, on)), None)
        if land and permit and permit.year == year:
            land_to_permit.projects.append(p)
            spans["land_to_permit"][p.id] = days = working_days_between(land, permit)
            if details:
                land_to_permit.detail[p.id] = _("拿地 %(a)s，施工许可 %(b)s，%(d)d 个工作日", a=land.isoformat(),
                                                b=permit.isoformat(), d=days)
        if sign and start and start.year == year:
            sign_to_start.projects.append(p)
            spans["sign_to_start"][p.id] = days = working_days_between(sign, start)
            if details:
                sign_to_start.detail[p.id] = _("签约 %(a)s，开工 %(b)s，%(d)d 个工作日", a=sign.isoformat(),
                                               b=start.isoformat(), d=days)
    for fig in (land_to_permit, sign_to_start):
        counted = spans[fig.key]
        fig.value = round(sum(counted.values()) / len(counted), 1) if counted else None
    signed = [p for p in projects if (d := done(p, "sign")) and d.year == year]
    started = [p for p in signed if (d := done(p, "start")) and d.year == year]
    start_rate = SheetFigure("start_rate", _("落地开工率（本年签约项目中已开工）"),
                             round(100 * len(started) / len(signed), 1) if signed else None, "%", signed)
    producing = [p for p in projects if (d := done(p, "production")) and d.year == year]
    in_production = SheetFigure("in_production", _("本年投产项目"), len(producing), _("个"), producing)
    if details:
        started_ids = {p.id for p in started}  # a set: testing the list for each signed project was quadratic
        start_rate.detail = {p.id: _("签约 %(a)s，开工 %(b)s", a=done(p, "sign").isoformat(),
                                     b=done(p, "start").isoformat()) if p.id in started_ids
                             else _("签约 %(a)s，未开工", a=done(p, "sign").isoformat()) for p in signed}
        in_production.detail = {p.id: _("投产 %(a)s", a=done(p, "production").isoformat()) for p in producing}
    return [land_to_permit, sign_to_start, start_rate, in_production]
