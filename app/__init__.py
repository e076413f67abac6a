"""Jianjian (件件): the enterprise service center's issue tracker."""
import os

from flask import Flask, has_request_context, request, session
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.engine import make_url

from app.timesource import SystemClock
from app.errors import ValidationFailed
from app.extensions import babel, csrf, db, htmx, limiter, login_manager, migrate
from config import BASE_DIR, INSTANCE_DIR, Config, check_production


def select_locale():
    """Chinese unless the person chose English with the language switch (background jobs speak Chinese)."""
    if not has_request_context():
        return "zh"
    lang = session.get("lang")
    return lang if lang in ("zh", "en") else "zh"


def create_app(config_object=Config, **overrides):
    """Build the Flask application: settings, extensions, blueprints, error pages and commands."""
    app = Flask(__name__, template_folder=str(BASE_DIR / "templates"), instance_path=str(INSTANCE_DIR))
    app.config.from_object(config_object)
    app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        from config import instance_secret_key
        app.config["SECRET_KEY"], app.config["SECRET_KEY_GENERATED"] = instance_secret_key(), True
    check_production(app.config)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_prefix=n)
    os.makedirs(app.instance_path, exist_ok=True)
    _postgres_session_settings(app.config)
    app.extensions["jj_clock"] = overrides.get("CLOCK") or SystemClock()

    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_timezone=app.config["TIMEZONE"])
    htmx.init_app(app)
    limiter.init_app(app)

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            from app import sqlite_tuning
            sqlite_tuning.configure(db.engine)

    from app import models  # noqa: F401  (registers the tables)
    from app.tickets import search
    search.install()
    from app.auth.login import load_user
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    _register_blueprints(app)
    from app.api import setup as api_setup
    api_setup.init_app(app)
    from app import errors_pages, redaction, template_helpers, cli
    redaction.install(app)
    errors_pages.register(app)
    template_helpers.register(app)
    cli.register(app)

    @app.before_request
    def _refuse_nul_bytes():
        # No text field anywhere accepts NUL (PostgreSQL cannot even store it): refuse the request up front.
        sources = [request.args] + ([request.form] if request.method in ("POST", "PUT", "PATCH") else [])
        if any("\x00" in value for source in sources for _key, values in source.lists() for value in values):
            raise ValidationFailed(_("提交的内容含有无效字符，请删除后重试。"))

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if current_user.is_authenticated or request.path.startswith(("/track", "/t/", "/my")):
            response.headers["Cache-Control"] = "no-store"
        return response

    if app.config.get("QUERY_COUNT_HEADER"):
        from app import querycount
        querycount.install(app)
    _maybe_start_scheduler(app)
    return app


def _postgres_session_settings(config):
    # PostgreSQL's JIT compiles the assessment's large aggregate queries on every run and spends more time
    # compiling than executing: with jit off the draft month page went from 3.3 s to 0.7 s (bench/README.md).
    if not config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    # The driver takes `options` from connect_args over the one in the URL: both are kept, the URL's last, so that
    # a setting given in DATABASE_URL (`?options=-c statement_timeout=…`) is not silently dropped and wins.
    from_url = make_url(config["SQLALCHEMY_DATABASE_URI"]).query.get("options")
    from_url = " ".join(from_url) if isinstance(from_url, tuple) else from_url
    if "options" not in connect_args:
        connect_args["options"] = " ".join(part for part in ("-c jit=off", from_url) if part)
    options["connect_args"] = connect_args
    config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _maybe_start_scheduler(app):
    # Only when asked (SCHEDULER=1: `make run`), never under the reloader's watcher process, never in tests.
    if not app.config["SCHEDULER"] or app.testing:
        return
    if app.debug and os.environ.get("WERKZEUG_RUN_MAIN") != "true":
        return
    from app.supervision.scheduler import build_scheduler
    scheduler = build_scheduler(app)
    scheduler.start()
    app.extensions["jj_scheduler"] = scheduler


def _register_blueprints(app):
    from app.admin.views import bp as admin_bp
    from app.api.admin_views import bp as api_tokens_bp
    from app.admin.webhook_views import bp as webhooks_bp
    from app.assessment.views import bp as assessment_bp, panel_context
    from app.auth.views import bp as auth_bp
    from app.supervision.views import bp as sla_bp
    from app.enterprises.views import bp as enterprises_bp
    from app.meetings.views import bp as meetings_bp
    from app.ops import bp as ops_bp
    from app.projects.views import bp as projects_bp
    from app.public.my_views import bp as my_bp
    from app.public.views import bp as public_bp
    from app.tickets.views import bp as tickets_bp
    from app.tickets.merge_views import bp as merging_bp
    from app.vendor import bp as vendor_bp
    from app.workspace.views import bp as workspace_bp
    for bp in (public_bp, my_bp, auth_bp, workspace_bp, tickets_bp, merging_bp, sla_bp, meetings_bp, projects_bp,
               enterprises_bp, admin_bp, api_tokens_bp, webhooks_bp, assessment_bp, vendor_bp, ops_bp):
        app.register_blueprint(bp)
    app.add_template_global(panel_context, "assessment_panel")
