"""Counts SQL statements per request and reports them in an `X-Query-Count` header, for the benchmark runner.

Off unless QUERY_COUNT_HEADER is set: production leaves it off, `bench/run.py` turns it on to show that a page's
number of queries does not grow with its rows."""
from flask import g, has_request_context
from sqlalchemy import event

from app.extensions import db


def install(app):
    """Listen to the app's engine and add the header to every response."""
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _count(conn, cursor, statement, parameters, context, executemany):
        if has_request_context():
            g.jj_queries = g.get("jj_queries", 0) + 1

    @app.after_request
    def _header(response):
        response.headers["X-Query-Count"] = str(g.get("jj_queries", 0))
        return response
