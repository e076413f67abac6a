"""The audit trail: every change admins and supervisors make to accounts and configuration is one append-only
`AuditRecord` (who, when, what, the changed fields before and after), chained by SHA-256 so that an edited or
deleted record is found by `verify_chain` (`flask audit verify`, the chain status on /admin/audit).

Call `record_change` in the same unit of work as the change, just before its commit, with `snapshot(obj)` taken
before and after: only the fields that differ are kept, and passwords and secrets are written "[已修改]".
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from enum import Enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, func, insert, inspect, select, text, type_coerce, update

from app.enums import Role
from app.extensions import db
from app.models import AuditHead, AuditRecord

GENESIS = "0" * 64  # the "previous hash" of the first record
MASK = "[已修改]"  # written instead of a password or secret, before and after
HEAD_ID = 1
PG_LOCK_KEY = 0x4A4A_A0D1  # pg_advisory_xact_lock key: one writer of the chain at a time

# Field names that hold a secret (or its hash): their values never enter the trail.
_SECRET_PARTS = ("password", "secret", "token", "_hash", "api_key")

ENTITY_LABELS = {
    "user": _l("账号"), "department": _l("部门"), "category": _l("诉求类别"), "sla_policy": _l("时限标准"),
    "rating_policy": _l("好差评设置"), "calendar_override": _l("工作日历"), "calendar_notice": _l("放假安排"),
    "duty_shift": _l("值班表"), "scoring_rule": _l("考核权重"), "procedure_type": _l("代办事项类型"),
    "project_stage": _l("一表制阶段"), "score_exclusion": _l("不纳入考核"), "message_template": _l("企业消息模板"),
    "assessment_month": _l("月度考评发布"), "sla_recompute": _l("按现行标准重算"),
    "enterprise": _l("企业联系人与短信设置"), "api_token": _l("API 令牌"), "webhook_endpoint": _l("推送接口"),
}
ACTION_LABELS = {
    "create": _l("新建"), "update": _l("修改"), "delete": _l("删除"), "reset": _l("恢复默认"),
    "import": _l("导入"), "recompute": _l("重算"), "publish": _l("发布"),
}
VIA_LABELS = {"web": _l("网页"), "cli": _l("命令行"), "api": _l("接口")}


def is_secret(field: str) -> bool:
    """Whether a field holds a password, a secret or a hash of one."""
    name = field.lower()
    return any(part in name for part in _SECRET_PARTS)


def _plain(value):
    """A value as JSON can hold it, the same way every time."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return str(value)


def snapshot(obj, fields=None, *, skip=("updated_at", "updated_by_id")) -> dict:
    """A model's column values by attribute name (only `fields` if given), as JSON-ready values; None gives {}.
    Bookkeeping columns (`updated_at`, `updated_by_id`) are left out: the record itself says who and when."""
    if obj is None:
        return {}
    mapper = inspect(obj).mapper
    names = fields or [attr.key for attr in mapper.column_attrs if attr.key not in skip]
    return {name: _plain(getattr(obj, name)) for name in names}


def changed_fields(before: dict, after: dict) -> tuple[dict, dict]:
    """The fields that differ, before and after; a secret's value is replaced by "[已修改]" on both sides."""
    before, after = before or {}, after or {}
    old, new = {}, {}
    for key in sorted(set(before) | set(after)):
        if key in before and key in after and before[key] == after[key]:
            continue
        if (key not in before and after[key] in (None, "")) or (key not in after and before[key] in (None, "")):
            continue  # an empty field of a new or removed row says nothing
        if key in before:
            old[key] = MASK if is_secret(key) else before[key]
        if key in after:
            new[key] = MASK if is_secret(key) else after[key]
    return old, new


def _canonical_json(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def _stamp(at: datetime) -> str:
    """The moment as naive UTC text with microseconds (verifying reads the stored naive value as it is)."""
    if at.tzinfo is not None:
        at = at.astimezone(timezone.utc).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def record_hash(record_id, at, actor_id, actor_label, via, action, entity_type, entity_id, before_json, after_json,
                prev_hash) -> str:
    """SHA-256 over the canonical serialization of a record's own fields and the previous record's hash."""
    payload = [record_id, _stamp(at), actor_id, actor_label, via, action, entity_type, entity_id, before_json,
               after_json, prev_hash]
    return hashlib.sha256(_ENCODE(payload).encode()).hexdigest()


def _actor(actor, actor_id):
    if actor is None:
        return actor_id, "系统"
    if isinstance(actor, str):
        return actor_id, actor[:120]
    return getattr(actor, "id", actor_id), (getattr(actor, "display_name", None) or str(actor))[:120]


def _lock_chain() -> tuple[int, str]:
    """Take the chain's write lock for this transaction and return the last id and hash.
    PostgreSQL: an advisory transaction lock, so two writers never read the same head. SQLite: the writer holds
    (or, upgrading, must take) the database's one write lock, so a second writer cannot commit on a stale head."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})
    head = connection.execute(select(AuditHead.last_id, AuditHead.last_hash).where(AuditHead.id == HEAD_ID)).first()
    if head is not None:
        return head.last_id, head.last_hash
    last = connection.execute(select(AuditRecord.id, AuditRecord.hash).order_by(AuditRecord.id.desc()).limit(1)).first()
    last_id, last_hash = (last.id, last.hash) if last else (0, GENESIS)
    connection.execute(insert(AuditHead).values(id=HEAD_ID, last_id=last_id, last_hash=last_hash))
    return last_id, last_hash


def record_change(actor, action: str, entity: str, entity_id, before: dict | None, after: dict | None, now, via="web",
                  *, actor_id: int | None = None) -> AuditRecord | None:
    """Append one record of a change to the trail, in the caller's transaction (commit it with the change).

    actor: a User, or a text label (an API token's name, "命令行") with an optional `actor_id`, or None (system).
    action: "create", "update", "delete" or a named act ("reset", "import", "recompute", "publish").
    entity: the entity type ("user", "sla_policy" …, see ENTITY_LABELS); entity_id: its id or key.
    before / after: the fields as they were and are (`snapshot`), {} or None for nothing; only the fields that
    differ are kept and secrets are masked. An "update" that changes nothing writes nothing and returns None.
    now: the unit of work's moment; via: "web", "cli" or "api".
    """
    old, new = changed_fields(before, after)
    if action == "update" and not old and not new:
        return None
    user_id, label = _actor(actor, actor_id)
    last_id, last_hash = _lock_chain()
    values = dict(id=last_id + 1, at=now, actor_id=user_id, actor_label=label, via=via, action=action,
                  entity_type=entity, entity_id=str(entity_id if entity_id is not None else "")[:64],
                  before_json=_canonical_json(old), after_json=_canonical_json(new), prev_hash=last_hash)
    values["hash"] = record_hash(**{("record_id" if k == "id" else k): v for k, v in values.items()})
    record = AuditRecord(**values)
    db.session.add(record)
    db.session.flush()
    db.session.execute(update(AuditHead).where(AuditHead.id == HEAD_ID).values(last_id=record.id,
                                                                               last_hash=record.hash))
    return record


@dataclass
class ChainStatus:
    """What verifying the chain found: ok, how many records were read, and the first broken record and why."""

    ok: bool
    count: int
    broken_id: int | None = None
    reason: str = ""  # "changed", "link", "missing", "head"


VERIFY_BATCH = 5000
_COLUMNS = (AuditRecord.id, type_coerce(AuditRecord.at, DateTime()).label("at"), AuditRecord.actor_id,
            AuditRecord.actor_label, AuditRecord.via, AuditRecord.action, AuditRecord.entity_type,
            AuditRecord.entity_id, AuditRecord.before_json, AuditRecord.after_json, AuditRecord.prev_hash,
            AuditRecord.hash)


def verify_chain() -> ChainStatus:
    """Re-hash every record in order: the first record whose content changed, whose link to the previous one is
    broken, or that is missing (ids run 1, 2, 3 … and the head names the newest) makes the chain broken there."""
    expected_id, prev, count = 1, GENESIS, 0
    # Core rows, naive UTC times: no ORM loading or time-zone conversion per row (100,000 rows in about a second).
    rows = db.session.connection().execute(select(*_COLUMNS).order_by(AuditRecord.id)
                                           .execution_options(yield_per=VERIFY_BATCH))
    for row in rows:
        if row.id != expected_id:
            return ChainStatus(False, count, expected_id, "missing")
        if row.prev_hash != prev:
            return ChainStatus(False, count, row.id, "link")
        if record_hash(*row[:11]) != row.hash:
            return ChainStatus(False, count, row.id, "changed")
        prev, expected_id, count = row.hash, expected_id + 1, count + 1
    head = db.session.execute(select(AuditHead.last_id, AuditHead.last_hash).where(AuditHead.id == HEAD_ID)).first()
    last_id = expected_id - 1
    if head is None:
        return ChainStatus(count == 0, count, None if count == 0 else last_id, "" if count == 0 else "head")
    if head.last_id > last_id:  # the newest records were deleted
        return ChainStatus(False, count, last_id + 1, "missing")
    if head.last_id < last_id:  # records appended past the head, not through record_change
        return ChainStatus(False, count, head.last_id + 1, "head")
    if head.last_hash != prev:
        return ChainStatus(False, count, last_id or None, "head")
    return ChainStatus(True, count)


REASON_LABELS = {"changed": _l("内容被修改"), "link": _l("与上一条的链接断开"), "missing": _l("记录被删除"),
                 "head": _l("链尾与记录不符")}


# ---- reading the trail (the admin page and its export) ---------------------------------------------------------

def filtered(entity_type=None, actor_id=None, since=None, until=None):
    """The records matching the filters (since/until: aware datetimes, until exclusive), newest first."""
    query = select(AuditRecord)
    if entity_type:
        query = query.where(AuditRecord.entity_type == entity_type)
    if actor_id:
        query = query.where(AuditRecord.actor_id == actor_id)
    if since is not None:
        query = query.where(AuditRecord.at >= since)
    if until is not None:
        query = query.where(AuditRecord.at < until)
    return query.order_by(AuditRecord.id.desc())


def entity_types() -> dict:
    """Every entity type to filter by, with its label: the known ones and any other found in the trail (a type
    added by a later feature reads as its name until it has a label)."""
    found = db.session.scalars(select(AuditRecord.entity_type).distinct()).all()
    return {**ENTITY_LABELS, **{t: t for t in sorted(found) if t not in ENTITY_LABELS}}


def actors() -> list[tuple[int, str]]:
    """Everyone who appears in the trail with a user id, with the latest name recorded for them."""
    rows = db.session.execute(select(AuditRecord.actor_id, func.max(AuditRecord.id)).where(
        AuditRecord.actor_id.is_not(None)).group_by(AuditRecord.actor_id)).all()
    if not rows:
        return []
    names = dict(db.session.execute(select(AuditRecord.id, AuditRecord.actor_label).where(
        AuditRecord.id.in_([r[1] for r in rows]))).all())
    return sorted(((actor, names[last]) for actor, last in rows), key=lambda pair: pair[1])


def diff_rows(record) -> list[tuple[str, str, str]]:
    """(field, before, after) for each changed field of a record, values as text."""
    before, after = json.loads(record.before_json or "{}"), json.loads(record.after_json or "{}")
    return [(field_label(key), value_text(before.get(key), key in before, key),
             value_text(after.get(key), key in after, key)) for key in sorted(set(before) | set(after))]


def value_text(value, present=True, key="") -> str:
    """A recorded value as a person reads it (a role by its name)."""
    if not present or value is None or value == "":
        return "—"
    if key == "role" and Role.get(value) is not None:
        return Role(value).label
    if value is True:
        return str(_l("是"))
    if value is False:
        return str(_l("否"))
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


FIELD_LABELS = {
    "name": _l("名称"), "username": _l("用户名"), "display_name": _l("姓名"), "role": _l("角色"),
    "department_id": _l("部门"), "email": _l("邮箱"), "mobile": _l("手机"), "office_phone": _l("办公电话"),
    "is_active_account": _l("启用"), "is_active": _l("启用"), "password_hash": _l("密码"),
    "session_version": _l("会话版本"), "description": _l("说明"), "day": _l("日期"), "is_workday": _l("工作日"),
    "note": _l("说明"), "user_id": _l("人员"), "category_id": _l("诉求类别"), "urgency": _l("紧急程度"),
    "weights": _l("权重"), "min_tickets": _l("最低件数"), "gold_min_score": _l("金牌最低分"),
    "visit_target": _l("走访目标"), "standard_wd": _l("标准工作日"), "subject": _l("邮件标题"), "text": _l("内容"),
    "reason": _l("原因"), "ticket_id": _l("诉求"), "default_after_days": _l("默认评价期限（天）"),
    "contact_name": _l("联系人"), "contact_verified": _l("已核实"), "sms_opt_out": _l("退订短信"),
}


def field_label(key: str) -> str:
    """A field's label, or its name when it has none."""
    label = FIELD_LABELS.get(key)
    return str(label) if label else key


# ---- the database's own guard: triggers refusing UPDATE and DELETE (created by migration f15audit0001) ----------

GUARD_SQL = {
    "sqlite": [
        "CREATE TRIGGER audit_record_no_update BEFORE UPDATE ON audit_record "
        "BEGIN SELECT RAISE(ABORT, 'audit_record is append-only'); END",
        "CREATE TRIGGER audit_record_no_delete BEFORE DELETE ON audit_record "
        "BEGIN SELECT RAISE(ABORT, 'audit_record is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_record_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'audit_record is append-only'; END $$",
        "CREATE TRIGGER audit_record_append_only BEFORE UPDATE OR DELETE ON audit_record "
        "FOR EACH ROW EXECUTE FUNCTION audit_record_refuse()",
        "CREATE TRIGGER audit_record_no_truncate BEFORE TRUNCATE ON audit_record "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_record_refuse()",
    ],
}
UNGUARD_SQL = {
    "sqlite": ["DROP TRIGGER IF EXISTS audit_record_no_update", "DROP TRIGGER IF EXISTS audit_record_no_delete"],
    "postgresql": ["DROP TRIGGER IF EXISTS audit_record_append_only ON audit_record",
                   "DROP TRIGGER IF EXISTS audit_record_no_truncate ON audit_record"],
}


def drop_guard(connection) -> None:
    """Remove the append-only triggers (what an attacker with the database's owner rights could do; the tests
    use it to show that the chain still finds the change, and to empty the table between tests)."""
    for statement in UNGUARD_SQL.get(connection.dialect.name, []):
        connection.exec_driver_sql(statement)


def create_guard(connection) -> None:
    """Put the append-only triggers back."""
    for statement in GUARD_SQL.get(connection.dialect.name, []):
        connection.exec_driver_sql(statement)
