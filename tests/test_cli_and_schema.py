"""Commands an administrator runs, and the migrations that build the schema."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
import pytest
from sqlalchemy import func, inspect, select

from app.enums import TicketState
from app.extensions import db
from app.models import Enterprise, Ticket, User
from app.validators import is_valid_credit_code


def test_create_user_with_and_without_a_password_prompt(app, factory):
    factory.department("住建局")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "zhang.wei", "--role", "officer", "--department", "住建局",
                                 "--password", "a-long-password"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["create-user", "li.na", "--role", "secretary"], input="pass-word-123\npass-word-123\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        officer = db.session.scalar(select(User).where(User.username == "zhang.wei"))
        assert officer.department.name == "住建局" and officer.check_password("a-long-password")
        assert db.session.scalar(select(User).where(User.username == "li.na")).check_password("pass-word-123")


def test_create_user_refuses_bad_input(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["create-user", "x1", "--role", "root", "--password", "long-enough"]).exit_code != 0
    assert runner.invoke(args=["create-user", "x2", "--role", "officer", "--department", "无此部门",
                               "--password", "long-enough"]).exit_code != 0
    assert runner.invoke(args=["create-user", "x3", "--role", "admin", "--password", "short"]).exit_code != 0
    runner.invoke(args=["create-user", "dup", "--role", "admin", "--password", "long-enough"])
    result = runner.invoke(args=["create-user", "DUP", "--role", "admin", "--password", "long-enough"])
    assert result.exit_code != 0 and "已被使用" in result.output


def test_seed_demo_is_realistic_and_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--tickets", "60"])
    assert first.exit_code == 0 and "demo data loaded" in first.output
    with app.app_context():
        counts = {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                  for model in (Ticket, Enterprise, User)}
        states = set(db.session.scalars(select(Ticket.state)))
        codes = db.session.scalars(select(Enterprise.credit_code)).all()
    # 40 companies with a 联系秘书 and 2 without (the pool); 60 cases and one pool case from each of those 2.
    assert counts == {"Ticket": 62, "Enterprise": 42, "User": 18}
    assert {TicketState.CLOSED.value, TicketState.PROCESSING.value, TicketState.INTAKE.value} <= states
    assert all(is_valid_credit_code(c) for c in codes)
    second = runner.invoke(args=["seed-demo", "--tickets", "60"])
    assert second.exit_code == 0 and "nothing changed" in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Ticket.id))) == 62
        from app.models import EnterpriseContact
        pooled = db.session.scalar(select(func.count(Ticket.id)).where(Ticket.secretary_id.is_(None),
                                                                        Ticket.state == TicketState.INTAKE.value))
        assert pooled == 2 and db.session.scalar(select(func.count(Enterprise.id)).where(
            Enterprise.secretary_id.is_(None))) == 2
        # Every company has its primary contact row; every third one a second contact.
        assert db.session.scalar(select(func.count(EnterpriseContact.id)).where(EnterpriseContact.is_primary)) == 42
        assert db.session.scalar(select(func.count(EnterpriseContact.id))) == 42 + 14  # i = 0, 3, … 39
        from app.models import AssessmentRun, EnterpriseEvaluation
        assert [r.month for r in db.session.scalars(select(AssessmentRun))] == ["2026-10"]  # last month, published
        assert db.session.scalar(select(func.count(EnterpriseEvaluation.id))) > 0
    invitations = runner.invoke(args=["assessment", "invitations", "2026-10", "--base-url", "https://jj.example.cn/"])
    lines = invitations.stdout.strip().splitlines()
    assert invitations.exit_code == 0 and lines[0] == "enterprise,contact,mobile,link" and len(lines) > 5
    assert all(",https://jj.example.cn/evaluate/" in line for line in lines[1:])
    # The demo leaves one enterprise in ten with an unverified contact: no link for them, and stderr says so.
    assert "have no verified contact and get no link" in invitations.stderr
    assert runner.invoke(args=["assessment", "invitations", "2026-13"]).exit_code != 0
    logins = runner.invoke(args=["demo-logins"])
    assert "secretary1" in logins.output and "supervisor" in logins.output and "admin" in logins.output


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping")
def test_migrations_match_the_models(app):
    """`flask db upgrade` (run by the session fixture) builds exactly what the models describe.

    Expression indexes are invisible to reflection on SQLite, so the deadline-order index is checked by name."""
    with app.app_context(), db.engine.connect() as conn:
        from app.tickets.search import include_name
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_name": include_name}), db.metadata)
        index_names = {ix["name"] for ix in inspect(conn).get_indexes("ticket")}
        if conn.dialect.name == "sqlite":
            index_names |= set(conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'ticket'").scalars())
    assert diff == []
    assert {"ix_ticket_due_order", "ix_ticket_created_order", "ix_ticket_state_due"} <= index_names
