"""Operations: the health check for the proxy, and consistent backups and restores."""
import os
import shutil
import sqlite3
import subprocess
from flask import Blueprint, current_app, jsonify
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from app.timesource import utcnow
from app.extensions import csrf, db, limiter
from app.models import WorkerHeartbeat

bp = Blueprint("ops", __name__)


def worker_health() -> dict:
    """The SLA worker's heartbeat: {"scheduler": "ok" | "stale" | "never ran", "scheduler_heartbeat_age_seconds": …}
    (the key monitoring already reads)."""
    beat = db.session.scalar(select(WorkerHeartbeat).where(WorkerHeartbeat.name == "sla-sweep"))
    if beat is None:
        return {"scheduler": "never ran"}
    age = (utcnow() - beat.beat_at).total_seconds()
    fresh = age <= current_app.config["HEARTBEAT_MAX_AGE_SECONDS"]
    return {"scheduler": "ok" if fresh else "stale", "scheduler_heartbeat_age_seconds": round(age, 1)}


@bp.get("/healthz")
@limiter.exempt
@csrf.exempt
def healthz():
    """This web host's own health, for the proxy: 200 when the process and the database answer.

    The SLA worker runs on one host only; its heartbeat must not take every web host out of the proxy's pool
    when it stops, so it is reported at /healthz/worker (and to admins in the app), not here."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 (any database failure is the answer)
        db.session.rollback()
        return jsonify(database=f"error: {type(exc).__name__}"), 503
    return jsonify(database="ok"), 200


@bp.get("/healthz/worker")
@limiter.exempt
@csrf.exempt
def worker_healthz():
    """The SLA worker's health, for monitoring and alerting: 503 when the sweep has not run recently."""
    try:
        body = worker_health()
    except Exception as exc:  # noqa: BLE001
        db.session.rollback()
        return jsonify(database=f"error: {type(exc).__name__}", scheduler="unknown"), 503
    return jsonify(body), 200 if body["scheduler"] == "ok" else 503


def _sqlite_path() -> str:
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        raise RuntimeError("not an SQLite database")
    return url.database


def backup_sqlite(target: str) -> dict:
    """Copy the live SQLite database with the online backup API (readers and writers keep going), then
    verify the copy with PRAGMA integrity_check."""
    source = sqlite3.connect(_sqlite_path(), timeout=30)
    os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
    partial = target + ".partial"
    dest = sqlite3.connect(partial)
    try:
        source.backup(dest, pages=1024)
        check = dest.execute("PRAGMA integrity_check").fetchone()[0]
        tickets = dest.execute("SELECT count(*) FROM ticket").fetchone()[0]
    finally:
        dest.close()
        source.close()
    if check != "ok":
        os.remove(partial)
        raise RuntimeError(f"backup failed its integrity check: {check}")
    os.replace(partial, target)
    return {"path": target, "integrity": check, "tickets": tickets}


def restore_sqlite(source_path: str) -> dict:
    """Replace the database with a checked backup (stop the web and worker processes first)."""
    check = sqlite3.connect(source_path)
    try:
        result = check.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        check.close()
    if result != "ok":
        raise RuntimeError(f"refusing to restore a damaged backup: {result}")
    db.engine.dispose()
    target = _sqlite_path()
    src, dst = sqlite3.connect(source_path), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return {"restored": target}


def backup_postgres(target: str) -> dict:
    """Run pg_dump (custom format) when it is installed; its snapshot is consistent while the app runs."""
    if shutil.which("pg_dump") is None:
        raise RuntimeError('pg_dump is not installed; run: pg_dump --format=custom --file=BACKUP "$DATABASE_URL"')
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    subprocess.run(["pg_dump", "--format=custom", f"--file={target}",
                    url.render_as_string(hide_password=False)], check=True)
    return {"path": target, "format": "pg_dump custom"}


def register_cli(app):
    """`flask backup PATH` and `flask restore PATH`."""
    import click

    @app.cli.command("backup")
    @click.argument("path")
    def backup_command(path):
        """Make a consistent copy of the database while the app runs."""
        if db.engine.dialect.name == "sqlite":
            click.echo(backup_sqlite(path))
        else:
            click.echo(backup_postgres(path))

    @app.cli.command("restore")
    @click.argument("path")
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    def restore_command(path, yes):
        """Replace the SQLite database with a backup (PostgreSQL: use pg_restore)."""
        if db.engine.dialect.name != "sqlite":
            raise click.ClickException("use: pg_restore --clean --dbname \"$DATABASE_URL\" BACKUP")
        if not yes:
            click.confirm("This replaces the current database. Continue?", abort=True)
        click.echo(restore_sqlite(path))

