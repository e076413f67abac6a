"""Admin pages for signed webhooks: endpoints, their secret (shown once), each endpoint's deliveries with replay,
and a test event. The verbs are in app/webhooks/services.py."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.admin.forms import WebhookForm
from app.auth.decorators import roles_required
from app.enums import Role
from app.errors import ServiceError
from app.extensions import db
from app.forms import first_error
from app.models import WebhookDelivery, WebhookEndpoint
from app.models.webhook import FAILED, PENDING
from app.timesource import utcnow
from app.webhooks import services
from app.webhooks.delivery import state_of
from app.webhooks.events import label_of

bp = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks")
PAGE = 50


def _endpoint(endpoint_id) -> WebhookEndpoint:
    return db.session.get(WebhookEndpoint, endpoint_id) or abort(404)


def _counts() -> dict:
    """{endpoint id: {status: count}} of the deliveries not yet delivered."""
    rows = db.session.execute(select(WebhookDelivery.endpoint_id, WebhookDelivery.status, func.count())
                              .where(WebhookDelivery.status.in_([PENDING, FAILED]))
                              .group_by(WebhookDelivery.endpoint_id, WebhookDelivery.status)).all()
    counts = {}
    for endpoint_id, status, n in rows:
        counts.setdefault(endpoint_id, {})[status] = n
    return counts


@bp.get("")
@roles_required(Role.ADMIN)
def index():
    """Every registered endpoint, with what waits and what failed."""
    rows = db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)).all()
    return render_template("admin/webhooks.html", endpoints=rows, counts=_counts(), label_of=label_of)


def _secret_page(endpoint, secret, renewed=False):
    return render_template("admin/webhook_secret.html", endpoint=endpoint, secret=secret, renewed=renewed)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new():
    """Register an endpoint; its secret is shown once, on the answer to this form."""
    form = WebhookForm()
    error = None
    if form.validate_on_submit():
        try:
            endpoint, secret = services.create_endpoint(current_user, name=form.name.data, url=form.url.data,
                                                        types=form.event_types.data, active=form.active.data,
                                                        hotline_only=form.hotline_only.data,
                                                        now=utcnow())
        except ServiceError as exc:
            db.session.rollback()
            error = exc.message
        else:
            return _secret_page(endpoint, secret)
    elif request.method == "POST":
        error = str(first_error(form))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/webhook_form.html", form=form, endpoint=None, error=error), status


@bp.route("/<int:endpoint_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def detail(endpoint_id):
    """An endpoint: change it, and its deliveries newest first (paginated), each replayable."""
    endpoint = _endpoint(endpoint_id)
    if request.method == "POST":
        form = WebhookForm()
    else:
        form = WebhookForm(data={"name": endpoint.name, "url": endpoint.url, "event_types": endpoint.types,
                                 "active": endpoint.is_active, "hotline_only": endpoint.hotline_only})
    error = None
    if form.validate_on_submit():
        try:
            services.update_endpoint(endpoint, name=form.name.data, url=form.url.data, types=form.event_types.data,
                                     active=form.active.data, hotline_only=form.hotline_only.data, now=utcnow(),
                                     actor=current_user)
        except ServiceError as exc:
            db.session.rollback()
            endpoint = _endpoint(endpoint_id)
            error = exc.message
        else:
            flash(_("已保存。"), "success")
            return redirect(url_for("webhooks.detail", endpoint_id=endpoint.id), 303)
    elif request.method == "POST":
        error = str(first_error(form))
    page = max(1, request.args.get("page", 1, type=int) or 1)
    total = db.session.scalar(select(func.count()).where(WebhookDelivery.endpoint_id == endpoint.id))
    deliveries = db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
                                    .order_by(WebhookDelivery.id.desc()).offset((page - 1) * PAGE).limit(PAGE)).all()
    status = 400 if request.method == "POST" else 200
    return render_template("admin/webhook_form.html", form=form, endpoint=endpoint, error=error,
                           deliveries=[(d, state_of(d)) for d in deliveries], page=page, total=total,
                           pages=max(1, -(-total // PAGE)), label_of=label_of), status


@bp.post("/<int:endpoint_id>/secret")
@roles_required(Role.ADMIN)
def rotate_secret(endpoint_id):
    """Give the endpoint a new secret, shown once on the answer."""
    endpoint = _endpoint(endpoint_id)
    return _secret_page(endpoint, services.rotate_secret(endpoint, utcnow(), actor=current_user), renewed=True)


def _outcome(delivery, ok: bool, what: str) -> None:
    if ok:
        flash(_("%(what)s已送达（HTTP %(code)s，%(ms)s 毫秒）。", what=what, code=delivery.last_status_code,
                ms=delivery.last_response_ms), "success")
    else:
        flash(_("%(what)s未送达：%(error)s", what=what, error=delivery.last_error), "danger")


@bp.post("/<int:endpoint_id>/test")
@roles_required(Role.ADMIN)
def send_test(endpoint_id):
    """Send a test event to the endpoint now and say how it went."""
    delivery = services.send_test(_endpoint(endpoint_id), utcnow())
    _outcome(delivery, delivery.delivered_at is not None, _("测试事件"))
    return redirect(url_for("webhooks.detail", endpoint_id=endpoint_id), 303)


@bp.post("/deliveries/<int:delivery_id>/replay")
@roles_required(Role.ADMIN)
def replay(delivery_id):
    """Send one delivery again now, with the same delivery id and body."""
    delivery = db.session.get(WebhookDelivery, delivery_id) or abort(404)
    ok = services.replay(delivery, utcnow())
    _outcome(delivery, ok, _("重新推送"))
    page = request.args.get("page", 1, type=int)
    return redirect(url_for("webhooks.detail", endpoint_id=delivery.endpoint_id, page=page), 303)
