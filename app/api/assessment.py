"""/api/v1/assessment: the published monthly results (the latest version of each month), never a draft."""
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.api import auth, schemas, serialize
from app.api.blueprint import api_blueprint
from app.api.errors import ApiError
from app.api.tokens import READ
from app.assessment.period import Month
from app.assessment.publishing import latest_run
from app.extensions import db
from app.models import AssessmentRun

bp = api_blueprint("api_assessment", __name__, "已发布的月度考评")


@bp.get("/assessment/months")
@auth.scope_required(READ)
@bp.response(200, schemas.MonthList)
def list_months():
    """Published months, newest first, each with its latest version."""
    latest = select(AssessmentRun.month, func.max(AssessmentRun.version).label("version")) \
        .group_by(AssessmentRun.month).subquery()
    runs = db.session.scalars(select(AssessmentRun).join(latest, (AssessmentRun.month == latest.c.month)
                                                         & (AssessmentRun.version == latest.c.version))
                              .order_by(AssessmentRun.month.desc())).all()
    return {"items": [{"month": r.month, "version": r.version, "published_at": r.published_at} for r in runs]}


@bp.get("/assessment/months/<month_text>", parameters=[{
    "in": "path", "name": "month_text", "required": True,
    "schema": {"type": "string", "pattern": r"^\d{4}-\d{2}$"}, "description": "YYYY-MM"}])
@auth.scope_required(READ)
@bp.response(200, schemas.MonthResult)
def get_month(month_text):
    """A published month as frozen: every secretary's and department's figures, score, rank and award, and the
    centre's 办结率. Exclusions and appeals stay on the staff pages."""
    month = Month.parse(month_text)
    run = latest_run(month) if month is not None else None
    if run is None:
        raise ApiError(404, "not_found", _("该月考评尚未发布。"))
    summary = run.summary
    units = summary.get("units", {})
    return {"month": run.month, "version": run.version, "published_at": run.published_at,
            "secretaries": [serialize.unit_result(u) for u in units.get("secretary", [])],
            "departments": [serialize.unit_result(u) for u in units.get("department", [])],
            "completion": summary.get("completion") or {}}
