"""Command-line tools: create accounts, load demo data, print the demo logins."""
import click
from flask import current_app
from sqlalchemy import select

from app.admin.services import create_user
from app.enums import Role
from app.errors import ServiceError
from app.extensions import db
from app.models import Department


def register(app):
    """Attach the commands to `flask --app wsgi ...`."""
    from app.ops import register_cli
    register_sla(app)
    register_assessment(app)
    register_audit(app)
    register_cli(app)

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
    @click.option("--department", default=None, help="Department name (required for officers).")
    @click.option("--name", "display_name", default=None, help="Display name (defaults to the username).")
    @click.option("--password", default=None, help="Prompted for when not given.")
    def create_user_command(username, role, department, display_name, password):
        """Create a staff account."""
        dept_id = None
        if department:
            dept = db.session.scalar(select(Department).where(Department.name == department))
            if dept is None:
                raise click.ClickException(f"no department named {department!r}")
            dept_id = dept.id
        if password is None:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        if len(password) < 8:
            raise click.ClickException("the password must have at least 8 characters")
        try:
            with current_app.test_request_context():
                user = create_user(username, display_name or username, role, password, department_id=dept_id,
                                   via="cli")
        except ServiceError as exc:
            raise click.ClickException(exc.message) from exc
        click.echo(f"created {user.role} {user.username} (id {user.id})")

    @app.cli.command("seed-demo")
    @click.option("--tickets", default=300, show_default=True, help="How many demo tickets to create.")
    def seed_demo_command(tickets):
        """Load realistic demo data once (running it again changes nothing)."""
        from app.demo import seed_demo
        summary = seed_demo(ticket_count=tickets)
        click.echo(summary)

    @app.cli.command("demo-logins")
    def demo_logins_command():
        """Print the demo accounts and their password."""
        from app.demo import DEMO_PASSWORD, demo_accounts
        click.echo("\n件件 Jianjian is running at http://127.0.0.1:5000")
        click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for username, role, name, dept in demo_accounts():
            click.echo(f"  {username:<12} {role:<11} {name} {dept or ''}")
        click.echo("Enterprises need no account: open http://127.0.0.1:5000/submit\n")


def register_sla(app):
    """`flask sla sweep` (once, by hand) and `flask sla worker` (the one scheduler process)."""
    from flask.cli import AppGroup

    sla = AppGroup("sla", help="SLA deadlines: sweep once, or run the scheduler worker.")

    @sla.command("sweep")
    def sweep_command():
        """Run one SLA sweep now and print what it did."""
        from app.supervision.scheduler import run_delivery, run_sweep, run_webhooks
        click.echo(f"sweep: {run_sweep(app)}")
        click.echo(f"delivery: {run_delivery(app)}")
        click.echo(f"webhooks: {run_webhooks(app)}")

    @sla.command("worker")
    def worker_command():
        """Run the SLA scheduler in the foreground (exactly one per deployment)."""
        from app.supervision.scheduler import build_scheduler
        click.echo("SLA worker: sweeping every minute; Ctrl+C to stop")
        build_scheduler(app, blocking=True).start()

    app.cli.add_command(sla)


def register_assessment(app):
    """`flask assessment invitations YYYY-MM`: the enterprises' evaluation links, as CSV for a mail merge."""
    from flask.cli import AppGroup

    group = AppGroup("assessment", help="Monthly assessment: evaluation invitations.")

    @group.command("invitations")
    @click.argument("month")
    @click.option("--base-url", default="http://127.0.0.1:5000", show_default=True,
                  help="The address enterprises open, e.g. https://jianjian.example.gov.cn")
    def invitations_command(month, base_url):
        """Print enterprise, contact, mobile and personal evaluation link for every enterprise active in MONTH
        whose contact staff have verified (the others are counted on stderr: verify them first)."""
        import sys

        from app.assessment import evaluation
        from app.assessment.period import Month
        from app.excel import csv_text
        parsed = Month.parse(month)
        if parsed is None:
            raise click.BadParameter("write the month as YYYY-MM", param_hint="MONTH")
        with app.test_request_context():
            rows = evaluation.enterprises_to_invite(parsed)
        invited = [r for r in rows if r["token"]]
        sys.stdout.write(csv_text([["enterprise", "contact", "mobile", "link"]] + [
            [r["name"], r["contact"], r["mobile"], f"{base_url.rstrip('/')}/evaluate/{r['token']}"] for r in invited]))
        if len(invited) < len(rows):
            click.echo(f"{len(rows) - len(invited)} active enterprises have no verified contact and get no link",
                       err=True)

    app.cli.add_command(group)


def register_audit(app):
    """`flask audit verify`: re-hash the audit trail and name the first broken record."""
    from flask.cli import AppGroup

    group = AppGroup("audit", help="The audit trail of configuration changes.")

    @group.command("verify")
    def verify_command():
        """Check every record of the audit trail against the hash chain; exit 1 at the first broken record."""
        import time

        from app.audit import verify_chain
        started = time.perf_counter()
        status = verify_chain()
        took = time.perf_counter() - started
        if status.ok:
            click.echo(f"audit trail ok: {status.count} records verified in {took:.2f} s")
            return
        click.echo(f"audit trail BROKEN at record {status.broken_id} ({status.reason}); "
                   f"{status.count} records before it verified", err=True)
        raise SystemExit(1)

    app.cli.add_command(group)
