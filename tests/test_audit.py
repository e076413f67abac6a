"""The audit trail (issue 15): each admin or supervisor change to accounts and configuration is one append-only,
hash-chained record with the changed fields before and after; passwords never appear; `flask audit verify` finds
an edited or deleted record by its id; the database itself refuses UPDATE and DELETE on the table."""
import io
import json
import time
from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, text

from app import audit
from app.enums import Role
from app.extensions import db
from app.models import AuditRecord, Category, Department, DutyShift, SlaPolicy, User
from tests.conftest import PASSWORD

SECRET = "Very-Secret-Pass-42"


def _records(app, after_id=0):
    """The records written after `after_id`, oldest first, as plain dicts."""
    with app.app_context():
        rows = db.session.scalars(select(AuditRecord).where(AuditRecord.id > after_id).order_by(AuditRecord.id)).all()
        return [dict(id=r.id, actor_id=r.actor_id, actor=r.actor_label, action=r.action, entity=r.entity_type,
                     entity_id=r.entity_id, before=json.loads(r.before_json), after=json.loads(r.after_json),
                     raw=r.before_json + r.after_json) for r in rows]


def _last_id(app):
    with app.app_context():
        return db.session.scalar(select(func.max(AuditRecord.id))) or 0


def _one(app, since, entity):
    new = [r for r in _records(app, since) if r["entity"] == entity]
    assert len(new) == 1, new
    return new[0]


@pytest.fixture
def admin_client(app, factory, login):
    admin = factory.user(Role.ADMIN)
    return admin, login(app.test_client(), admin)


def test_accounts_departments_and_categories_each_write_one_record(app, factory, admin_client):
    admin, client = admin_client
    mark = _last_id(app)
    assert client.post("/admin/departments", data={"name": "审计局", "active": "y"}).status_code == 303
    dept = _one(app, mark, "department")
    assert (dept["action"], dept["before"], dept["actor_id"]) == ("create", {}, admin.id)
    assert dept["after"]["name"] == "审计局" and dept["after"]["is_active"] is True
    with app.app_context():
        dept_id = db.session.scalar(select(Department.id).where(Department.name == "审计局"))

    mark = _last_id(app)
    client.post(f"/admin/departments/{dept_id}", data={"name": "审计监察局"})  # unticked: deactivated too
    rename = _one(app, mark, "department")
    # Only the two changed fields, each with its old and new value; the id did not change and is left out.
    assert rename["before"] == {"name": "审计局", "is_active": True}
    assert rename["after"] == {"name": "审计监察局", "is_active": False}

    mark = _last_id(app)
    client.post("/admin/categories", data={"name": "用地", "description": "土地", "active": "y"})
    with app.app_context():
        cat_id = db.session.scalar(select(Category.id).where(Category.name == "用地"))
    client.post(f"/admin/categories/{cat_id}", data={"name": "用地", "description": "土地与规划", "active": "y"})
    cats = [r for r in _records(app, mark) if r["entity"] == "category"]
    assert [c["action"] for c in cats] == ["create", "update"]
    assert cats[1]["before"] == {"description": "土地"} and cats[1]["after"] == {"description": "土地与规划"}

    mark = _last_id(app)
    assert client.post("/admin/users/new", data={
        "username": "audit.new", "display_name": "新人", "role": "secretary", "department_id": "",
        "password": SECRET, "active": "y"}).status_code == 303
    created = _one(app, mark, "user")
    assert created["action"] == "create" and created["after"]["username"] == "audit.new"
    assert created["after"]["password_hash"] == "[已修改]"
    with app.app_context():
        new_id = db.session.scalar(select(User.id).where(User.username == "audit.new"))

    mark = _last_id(app)
    client.post(f"/admin/users/{new_id}", data={"display_name": "新人甲", "role": "secretary", "department_id": "",
                                                "password": SECRET + "x", "active": "y"})
    changed = _one(app, mark, "user")
    assert changed["before"]["display_name"] == "新人" and changed["after"]["display_name"] == "新人甲"
    assert changed["before"]["password_hash"] == changed["after"]["password_hash"] == "[已修改]"

    mark = _last_id(app)
    client.post(f"/admin/users/{new_id}", data={"display_name": "新人甲", "role": "secretary", "department_id": "",
                                                "active": "y"})
    assert _records(app, mark) == []  # saving the form unchanged is no change: nothing recorded

    with app.app_context():
        stored = db.session.scalars(select(AuditRecord.before_json + AuditRecord.after_json)).all()
        hashes = db.session.scalars(select(User.password_hash)).all()
    assert not any(SECRET in row for row in stored)
    assert not any(h in row for h in hashes for row in stored)  # nor the password's hash


def test_deadline_settings_duty_and_calendar_each_write_one_record(app, factory, admin_client, clock):
    admin, client = admin_client
    secretary = factory.user(Role.SECRETARY)
    mark = _last_id(app)
    day = (clock.now() + timedelta(days=3)).date()  # Thursday 19 November 2026
    assert client.post("/admin/calendar", data={"day": day.isoformat(), "kind": "holiday", "note": "停电"}
                       ).status_code == 303
    override = _one(app, mark, "calendar_override")
    assert override["entity_id"] == "2026-11-19" and override["after"] == {
        "day": "2026-11-19", "is_workday": False, "note": "停电"}

    mark = _last_id(app)
    with app.app_context():
        from app.models import CalendarOverride
        override_id = db.session.scalar(select(CalendarOverride.id))
    client.post(f"/admin/calendar/{override_id}/delete")
    removed = _one(app, mark, "calendar_override")
    assert removed["action"] == "delete" and removed["after"] == {} and removed["before"]["note"] == "停电"

    mark = _last_id(app)
    client.post("/admin/duty", data={"day": day.isoformat(), "user_id": str(secretary.id)})
    shift = _one(app, mark, "duty_shift")
    assert shift["after"] == {"day": "2026-11-19", "user_id": secretary.id}
    with app.app_context():
        shift_id = db.session.scalar(select(DutyShift.id))
    mark = _last_id(app)
    client.post(f"/admin/duty/{shift_id}/delete")
    assert _one(app, mark, "duty_shift")["before"] == {"day": "2026-11-19", "user_id": secretary.id}

    mark = _last_id(app)
    client.post("/admin/policies/rating", data={"default_after_days": "10"})
    rating = _one(app, mark, "rating_policy")
    assert rating["after"] == {"default_after_days": 10}

    with app.test_request_context():
        from app.supervision import services
        actor = db.session.get(User, admin.id)
        values = dict(acknowledge_hours=24, first_reply_wd=1, sign_off_wd=1, resolution_wd=5, convened_wd=25,
                      follow_up_wd=3, remediation_wd=15, warning_percent=75, supervise_after_wd=2,
                      escalate_after_wd=5)
        mark = _last_id(app)
        policy = services.save_policy(actor, None, name="加急", category_id=None, urgency="urgent", **values)
        services.save_policy(actor, db.session.get(SlaPolicy, policy.id), name="加急", category_id=None,
                             urgency="urgent", **{**values, "resolution_wd": 3})
    policies = [r for r in _records(app, mark) if r["entity"] == "sla_policy"]
    assert [p["action"] for p in policies] == ["create", "update"]
    assert policies[1]["before"] == {"resolution_wd": 5} and policies[1]["after"] == {"resolution_wd": 3}


def test_weights_procedures_templates_and_exclusions_each_write_one_record(app, factory, admin_client):
    admin, _client = admin_client
    supervisor = factory.user(Role.SUPERVISOR)
    ticket = factory.ticket("processing")
    with app.test_request_context():
        from app.assessment import appeals, rules
        from app.messaging import texts
        from app.models import Ticket
        from app.projects import services as projects
        actor = db.session.get(User, admin.id)
        mark = _last_id(app)
        rule = rules.rule_for("secretary")
        weights = dict(rule.weights)
        first, second = list(weights)[:2]
        weights[first], weights[second] = weights[first] + 5, weights[second] - 5
        rules.save_rule("secretary", actor, weights, rule.min_tickets, 95, rule.visit_target)
        scoring = _one(app, mark, "scoring_rule")
        assert scoring["entity_id"] == "secretary" and scoring["action"] == "create"
        assert scoring["after"]["gold_min_score"] == 95 and scoring["after"]["weights"][first] == weights[first]

        mark = _last_id(app)
        kind = projects.add_procedure_type(actor, "排污许可", None, 20)
        projects.update_procedure_type(actor, kind, name="排污许可证", department_id=None, standard_wd=15, active=True)
        projects.add_stage(actor, "达产")
        types = [r for r in _records(app, mark) if r["entity"] == "procedure_type"]
        assert [t["action"] for t in types] == ["create", "update"]
        assert types[1]["before"] == {"name": "排污许可", "standard_wd": 20}
        assert types[1]["after"] == {"name": "排污许可证", "standard_wd": 15}
        assert _one(app, mark, "project_stage")["after"]["name"] == "达产"

        mark = _last_id(app)
        accepted = texts.KINDS["accepted"]
        texts.save_template(actor, accepted, "诉求{number}已受理", "已受理{number}：{link}", now=datetime.now(timezone.utc))
        texts.reset_template(actor, accepted)
        wording = [r for r in _records(app, mark) if r["entity"] == "message_template"]
        assert [w["action"] for w in wording] == ["update", "reset"]
        assert wording[0]["before"] == {"text": accepted.text} and wording[0]["after"] == {"text": "已受理{number}：{link}"}
        assert wording[1]["after"] == {"text": accepted.text}

        mark = _last_id(app)
        boss = db.session.get(User, supervisor.id)
        appeals.exclude_ticket(db.session.get(Ticket, ticket.id), boss, "企业重复反映")
        appeals.include_ticket(db.session.get(Ticket, ticket.id), boss, "核实后纳入")
        excl = [r for r in _records(app, mark) if r["entity"] == "score_exclusion"]
        assert [e["action"] for e in excl] == ["create", "delete"]
        assert excl[0]["after"] == {"ticket_id": ticket.id, "reason": "企业重复反映"} and excl[0]["actor_id"] == supervisor.id
        assert excl[1]["after"] == {"include_reason": "核实后纳入"}


def test_the_chain_verifies_and_the_cli_finds_an_edited_record(app, factory, admin_client):
    _admin, client = admin_client
    for n in range(4):
        client.post("/admin/departments", data={"name": f"部门{n}", "active": "y"})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "audit trail ok" in result.output
    with app.app_context():
        ids = db.session.scalars(select(AuditRecord.id).order_by(AuditRecord.id)).all()
        assert ids == list(range(1, len(ids) + 1))  # no gaps: a gap is a deleted record
        victim = ids[-3]
        db.session.rollback()  # outside a request every transaction takes SQLite's write lock: end this one first
        with db.engine.begin() as conn:
            audit.drop_guard(conn)  # what someone with the database owner's rights could do
            conn.execute(text("UPDATE audit_record SET after_json = :j WHERE id = :id"),
                         {"j": '{"name":"篡改"}', "id": victim})
            audit.create_guard(conn)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN at record {victim} (changed)" in result.output


def test_the_cli_finds_a_record_recomputed_or_deleted(app, factory, admin_client):
    _admin, client = admin_client
    for n in range(5):
        client.post("/admin/categories", data={"name": f"类别{n}", "description": "", "active": "y"})
    runner = app.test_cli_runner()
    with app.app_context():
        ids = db.session.scalars(select(AuditRecord.id).order_by(AuditRecord.id)).all()
        middle, newest = ids[len(ids) // 2], ids[-1]
        row = db.session.get(AuditRecord, middle)
        forged_after = '{"name":"伪造"}'
        # A forger who also recomputes the edited record's own hash breaks the next record's link.
        forged_hash = audit.record_hash(row.id, row.at, row.actor_id, row.actor_label, row.via, row.action,
                                        row.entity_type, row.entity_id, row.before_json, forged_after, row.prev_hash)
        db.session.rollback()
        with db.engine.begin() as conn:
            audit.drop_guard(conn)
            conn.execute(text("UPDATE audit_record SET after_json = :j, hash = :h WHERE id = :id"),
                         {"j": forged_after, "h": forged_hash, "id": middle})
            audit.create_guard(conn)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"BROKEN at record {middle + 1} (link)" in result.output

    with app.app_context():
        with db.engine.begin() as conn:
            audit.drop_guard(conn)
            conn.execute(text("DELETE FROM audit_record WHERE id >= :id"), {"id": middle})  # the forged one onwards
            audit.create_guard(conn)
    result = runner.invoke(args=["audit", "verify"])
    # The head still names the newest record: the first missing one is reported.
    assert result.exit_code == 1 and f"BROKEN at record {middle} (missing)" in result.output


def test_deleting_the_newest_record_alone_is_found(app, factory, admin_client):
    _admin, client = admin_client
    client.post("/admin/departments", data={"name": "甲局", "active": "y"})
    newest = _last_id(app)
    with app.app_context():
        with db.engine.begin() as conn:
            audit.drop_guard(conn)
            conn.execute(text("DELETE FROM audit_record WHERE id = :id"), {"id": newest})
            audit.create_guard(conn)
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"BROKEN at record {newest} (missing)" in result.output


def test_the_database_refuses_update_and_delete(app, factory, admin_client):
    _admin, client = admin_client
    client.post("/admin/departments", data={"name": "乙局", "active": "y"})
    with app.app_context():
        for statement in ("UPDATE audit_record SET actor_label = 'x'", "DELETE FROM audit_record"):
            with pytest.raises(Exception, match="append-only"):
                with db.engine.begin() as conn:
                    conn.execute(text(statement))
        assert db.session.scalar(select(func.count(AuditRecord.id))) >= 1
        assert "x" not in db.session.scalars(select(AuditRecord.actor_label)).all()


def test_the_page_shows_filters_and_the_chain_state_and_exports(app, factory, admin_client, login):
    admin, client = admin_client
    client.post("/admin/departments", data={"name": "丙局", "active": "y"})
    client.post("/admin/categories", data={"name": "丁类", "description": "", "active": "y"})
    page = client.get("/admin/audit")
    html = page.get_data(as_text=True)
    # The chain is checked when asked (the button), not on every view.
    assert page.status_code == 200 and "审计链完整" not in html and "核对审计链" in html and "丙局" in html
    assert "审计链完整" in client.get("/admin/audit?verify=1").get_data(as_text=True)
    only_departments = client.get("/admin/audit?entity=department").get_data(as_text=True)
    assert "丙局" in only_departments and "丁类" not in only_departments
    assert "丙局" in client.get(f"/admin/audit?actor={admin.id}&since=2026-11-16&until=2026-11-16").get_data(
        as_text=True)
    assert "丙局" not in client.get("/admin/audit?since=2026-11-17").get_data(as_text=True)  # the day after
    for far in ("since=0001-01-01", "until=9999-12-31"):  # outside any record: reported, not a server error
        answer = client.get(f"/admin/audit?{far}")
        assert answer.status_code == 200 and "日期格式应为" in answer.get_data(as_text=True)
        assert client.get(f"/admin/audit.xlsx?{far}").status_code == 200
    bad = client.get("/admin/audit?since=16/11/2026").get_data(as_text=True)
    assert "日期格式应为" in bad and "丙局" in bad  # a bad date is said and ignored

    export = client.get("/admin/audit.xlsx?entity=department")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.data)).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0][0].startswith("审计链完整")
    assert any(row[4] == "部门" and "丙局" in (row[8] or "") for row in cells[2:])
    assert not any("丁类" in (row[8] or "") for row in cells[2:])

    with app.app_context():
        with db.engine.begin() as conn:
            audit.drop_guard(conn)
            conn.execute(text("UPDATE audit_record SET actor_label = '别人' WHERE id = 1"))
            audit.create_guard(conn)
    assert "审计链已断开：第 1 条记录" in client.get("/admin/audit?verify=1").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.SECRETARY, Role.OFFICER, Role.SUPERVISOR])
def test_non_admins_get_403(app, factory, login, role):
    client = login(app.test_client(), factory.user(role))
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit.xlsx").status_code == 403


def test_verifying_100000_records_takes_a_few_seconds(app, capsys):
    """100,000 records written through the chain's own hash, then verified; the figure is printed."""
    count = 100_000
    start = datetime(2026, 11, 16, 1, 0, tzinfo=timezone.utc)
    with app.app_context():
        prev, rows = audit.GENESIS, []
        for n in range(1, count + 1):
            values = dict(id=n, at=start + timedelta(seconds=n), actor_id=1, actor_label="管理员", via="web",
                          action="update", entity_type="department", entity_id=str(n % 50),
                          before_json='{"name":"旧"}', after_json=f'{{"name":"新{n}"}}', prev_hash=prev)
            values["hash"] = prev = audit.record_hash(n, *list(values.values())[1:])
            rows.append(values)
        db.session.execute(AuditRecord.__table__.insert(), rows)
        db.session.execute(audit.AuditHead.__table__.insert(), [{"id": 1, "last_id": count, "last_hash": prev}])
        db.session.commit()
        began = time.perf_counter()
        status = audit.verify_chain()
        took = time.perf_counter() - began
    with capsys.disabled():
        print(f"\nverify_chain: {status.count} records in {took:.2f} s")
    assert status.ok and status.count == count
    assert took < 10


def test_two_writers_at_once_never_fork_the_chain(app, factory):
    """Four threads each save five departments at the same time: 20 records, ids 1…20 with no gap or repeat, and
    each record linked to the one before it."""
    import threading

    admin = factory.user(Role.ADMIN)
    start = _last_id(app)
    errors = []

    def writer(n):
        try:
            for i in range(5):
                with app.app_context():
                    from app.admin.services import save_named
                    save_named(Department, None, f"并发{n}-{i}", True, actor=db.session.get(User, admin.id))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with app.app_context():
        rows = db.session.execute(select(AuditRecord.id, AuditRecord.prev_hash, AuditRecord.hash)
                                  .where(AuditRecord.id > start).order_by(AuditRecord.id)).all()
        assert [r.id for r in rows] == list(range(start + 1, start + 21))
        assert all(later.prev_hash == earlier.hash for earlier, later in zip(rows, rows[1:]))
        assert audit.verify_chain().ok


def test_verifying_a_contact_and_the_sms_switch_are_recorded(app, factory):
    supervisor = factory.user(Role.SUPERVISOR)
    enterprise_id = factory.enterprise()  # contact 王经理, 13812345678, not verified
    with app.test_request_context():
        from app.enterprises import services
        from app.models import Enterprise
        actor, company = db.session.get(User, supervisor.id), db.session.get(Enterprise, enterprise_id)
        mark = _last_id(app)
        services.verify_contact(actor, company, "李总", "13900001111")
        services.set_sms_opt_out(actor, company, True)
    contact, sms = [r for r in _records(app, mark) if r["entity"] == "enterprise"]
    assert contact["before"] == {"contact_name": "王经理", "mobile": "13812345678", "contact_verified": False}
    assert contact["after"] == {"contact_name": "李总", "mobile": "13900001111", "contact_verified": True}
    assert (sms["before"], sms["after"]) == ({"sms_opt_out": False}, {"sms_opt_out": True})


def test_the_guard_the_tests_restore_is_the_one_the_migration_creates():
    """conftest lifts and restores the triggers with app.audit's statements: they must be the migration's."""
    import importlib.util
    from pathlib import Path
    path = Path(__file__).resolve().parent.parent / "migrations" / "versions" / "f15audit0001_audit_trail.py"
    spec = importlib.util.spec_from_file_location("f15audit0001", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert migration.SQLITE_GUARD == audit.GUARD_SQL["sqlite"]
    assert migration.POSTGRESQL_GUARD == audit.GUARD_SQL["postgresql"]
