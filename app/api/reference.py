"""/api/v1 reference data: enterprises (for those whose web role lists them), departments and categories."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from app.api import auth, schemas, serialize
from app.api.blueprint import api_blueprint, decode_cursor, encode_cursor
from app.api.tokens import READ
from app.enums import Role
from app.extensions import db
from app.models import Category, Department, Enterprise

bp = api_blueprint("api_reference", __name__, "企业、部门、诉求类别")


@bp.get("/enterprises")
@auth.scope_required(READ)
@auth.roles_required(Role.SECRETARY, Role.SUPERVISOR, Role.ADMIN, message=_l("部门令牌不能查看企业名录。"))
@bp.arguments(schemas.EnterpriseArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.EnterprisePage)
def list_enterprises(limit, q=None, cursor=None):
    """Enterprises by id, searchable by name or credit code: for tokens of a secretary or supervisor (as the web's
    enterprise pages); a department's token gets 403."""
    query = select(Enterprise).options(joinedload(Enterprise.secretary))
    if q and q.strip():
        like = f"%{q.strip().replace('%', '').replace('_', '')}%"
        query = query.where(or_(Enterprise.name.ilike(like), Enterprise.credit_code.ilike(like)))
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(Enterprise.id > after)
    items = db.session.scalars(query.order_by(Enterprise.id).limit(limit + 1)).all()
    more = len(items) > limit
    items = items[:limit]
    return {"items": [serialize.enterprise(e) for e in items],
            "next_cursor": encode_cursor(items[-1].id) if more else None}


def _named(model):
    rows = db.session.scalars(select(model).order_by(model.id)).all()
    return {"items": [{"id": r.id, "name": r.name, "active": bool(r.is_active)} for r in rows]}


@bp.get("/departments")
@auth.scope_required(READ)
@bp.response(200, schemas.NamedList)
def list_departments():
    """Every department (the ones tickets are dispatched to), stopped ones marked."""
    return _named(Department)


@bp.get("/categories")
@auth.scope_required(READ)
@bp.response(200, schemas.NamedList)
def list_categories():
    """Every category of problem, stopped ones marked."""
    return _named(Category)
