"""SQLite as a serious embedded database: WAL, foreign keys, a busy timeout and BEGIN IMMEDIATE for writes."""
from contextlib import contextmanager
from contextvars import ContextVar

from flask import has_request_context, request
from sqlalchemy import event

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_READING = ContextVar("jj_sqlite_reading", default=False)


@contextmanager
def reading():
    """Transactions begun inside only read (plain BEGIN, even in a job): a tally that takes seconds must not hold
    the write lock, which every other writer would wait for."""
    token = _READING.set(True)
    try:
        yield
    finally:
        _READING.reset(token)


def read_apart(session, compute):
    """compute() in a transaction of its own that only reads (plain BEGIN on SQLite, even in a POST or a job), ended
    before anything is written after it: the work before it is committed first, its own transaction rolled back."""
    # Only if there is any: a commit with nothing to commit would still expire every row the caller holds (a new
    # case's receipt read it all back).
    current = session() if callable(session) else session  # a scoped session, or a session
    if current.in_transaction() or current.new or current.dirty or current.deleted:
        session.commit()
    with reading():
        try:
            return compute()
        finally:
            session.rollback()


def _wants_write() -> bool:
    # A request that may write takes the write lock up front, so two writers queue on the busy timeout
    # instead of failing with "database is locked" when one upgrades a read lock.
    if _READING.get():
        return False
    return not has_request_context() or request.method in WRITE_METHODS


def configure(engine) -> None:
    """Install the connection and transaction hooks on an SQLite engine."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=15000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write() else "BEGIN")
