"""The enterprise side: no account, a tracking number and an access code."""
from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.attachments import check_uploads, send_stored
from app.enums import TicketState
from app.errors import ServiceError
from app.extensions import db, limiter
from app.forms import id_arg
from app.models import Attachment, Ticket
from app.reference import active_categories
from app.sqlite_tuning import read_apart
from app.public import mine, signin
from app.public.forms import RatingForm, SmsPreferenceForm, SubmitForm, SupplementForm, TrackForm
from app.qr import qr_svg
from app.tickets import links, workflow
from app.tickets.codes import code_matches, new_submission_key, normalize_number
from app.tickets.contact import case_contact
from app.tickets.intake import submit_public_ticket
from app.tickets.services import rate_ticket, set_sms_preference, supplement_ticket
from app.timesource import utcnow

bp = Blueprint("public", __name__)

TRACKED_KEY = "tracked_tickets"  # tickets this browser unlocked with number and access code
LINKS_KEY = "tracking_links"     # personal links this browser opened (ids): each is checked again on every visit
MAX_TRACKED = 20


@bp.get("/")
def home():
    """Landing page: submit a problem, or look one up."""
    return render_template("public/home.html")


@bp.route("/submit", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SUBMIT_RATE_LIMIT"], methods=["POST"])
def submit():
    """The enterprise's problem form; a resubmitted form answers with the ticket it already made."""
    if request.method == "GET":
        form = SubmitForm(categories=active_categories())
        form.submission_key.data = new_submission_key()
        _prefill(form)
        return render_template("public/submit.html", form=form)
    # On SQLite a POST's transactions take the write lock up front (sqlite_tuning), and a submission held it from
    # reading the categories to drawing the receipt's QR code, so every other submission waited: only the writing
    # holds it now (16 clients on the demo data: 38-50 -> 53-63 a second, bench/README.md).
    form, refused = read_apart(db.session, _checked_form)
    if refused is not None:
        return refused
    data = {k: getattr(form, k).data for k in ("enterprise_name", "credit_code", "contact_name", "mobile", "email",
                                               "title", "description", "urgency")}
    data["category_id"] = int(form.category_id.data)
    ticket, code, created = submit_public_ticket(data, form.uploads, form.submission_key.data)
    # The receipt reads apart too (a form sent again ends its transaction, which wrote nothing, before it).
    return links.private_page(read_apart(db.session, lambda: _receipt(ticket, code, form.submission_key.data,
                                                                      created)))


def _checked_form():
    """The posted form and, when the submission cannot be taken, the page that says why (see _refused)."""
    form = SubmitForm(categories=active_categories())
    return form, _refused(form)


def _receipt(ticket, code, submission_key, created):
    """The page that confirms a submission: its number, access code, personal link and its QR code."""
    _remember(ticket)
    # A case made by this very request has the link it just wrote; a form sent again shows its link unless staff
    # revoked it since.
    token = links.receipt_token(submission_key) if created else links.receipt_link_token(ticket, submission_key)
    link = links.link_url(token) if token else None
    return render_template("public/submitted.html", ticket=ticket, code=code, link=link,
                           qr=qr_svg(link, title=_("个人跟踪链接二维码")) if link else None,
                           contact=case_contact(ticket))


def _refused(form):
    """The form page answered with 400 when the submission cannot be taken (a bot's hidden field filled in, a field
    invalid, an upload refused), else None with the checked uploads on `form.uploads`."""
    if form.homepage.data:
        return render_template("public/submit.html", form=form, error=_("提交未成功，请刷新页面后重试。")), 400
    if not form.validate_on_submit():
        if form.submission_key.errors:
            form.submission_key.data = new_submission_key()
        return render_template("public/submit.html", form=form), 400
    try:
        form.uploads = check_uploads(request.files.getlist(form.attachments.name))
    except ServiceError as exc:
        form.attachments.errors = [exc.message]
        return render_template("public/submit.html", form=form), 400
    return None


def _prefill(form) -> None:
    """An enterprise signed in by SMS (我的诉求) finds its company and contact filled in: the company it chose
    (?enterprise=<id>, one of its own), or its only one."""
    holder = signin.current_holder(utcnow())
    details = mine.prefill(holder.mobile, id_arg("enterprise")) if holder is not None else None
    for name in ("enterprise_name", "credit_code", "contact_name", "mobile") if details else ():
        getattr(form, name).data = details[name]


def _remember(ticket, key=TRACKED_KEY, value=None):
    value = ticket.id if value is None else value
    kept = [i for i in session.get(key, []) if i != value]
    session[key] = ([value] + kept)[:MAX_TRACKED]


def _tracked_ticket(number):
    """The case this browser may open: unlocked with its code, opened through a live personal link, or seen by the
    mobile number it signed in with (我的诉求)."""
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == normalize_number(number)))
    if ticket is None:
        return None
    if ticket.id in session.get(TRACKED_KEY, []) or links.opens(ticket.id, session.get(LINKS_KEY)):
        return ticket
    holder = signin.current_holder(utcnow())
    if holder is not None and mine.may_see(holder.mobile, ticket):
        return ticket
    return None


@bp.route("/track", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["TRACK_RATE_LIMIT"], methods=["POST"])
def track():
    """Look up a ticket by number and access code; a wrong number and a wrong code answer alike."""
    form = TrackForm()
    if form.validate_on_submit():
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == normalize_number(form.number.data)))
        if code_matches(form.code.data, ticket.access_code_hash if ticket else None):
            _remember(ticket)
            return redirect(url_for("public.tracked", number=ticket.number), 303)
        # Keep the number as typed (people retype only the code) and never echo the code. The page reads the
        # same whether the number or the code was wrong: only what the person typed comes back.
        form.code.data = ""
        return render_template("public/track.html", form=form, failed=True), 200
    return render_template("public/track.html", form=form)


def merged_view(ticket):
    """What a merged duplicate's tracking page shows of the case it was merged into (并单): the kept case's public
    progress when it is the same enterprise's; for another enterprise's case only that it is handled there and
    its state, never its number, title, company or replies."""
    kept = ticket.merged_into if ticket.state == TicketState.MERGED else None
    if kept is None:
        return None
    return {"kept": kept, "same_enterprise": kept.enterprise_id == ticket.enterprise_id}


def _tracking_page(ticket, *, supplement_form=None, rating_form=None, status=200):
    return render_template(
        "public/ticket.html", ticket=ticket, contact=case_contact(ticket), merged=merged_view(ticket),
        supplement_form=supplement_form or SupplementForm(), rating_form=rating_form or RatingForm(),
        sms_form=SmsPreferenceForm(),
        can_supplement=workflow.allowed("supplement", ticket.state),
        can_rate=workflow.allowed("rate", ticket.state)), status


@bp.get("/t/<token>")
@limiter.limit(lambda: current_app.config["TRACK_RATE_LIMIT"])
def personal(token):
    """A personal tracking link: the case's public page, no number or code needed. A revoked, unknown or
    malformed token gets the same 404 page."""
    link = links.find_active(token)
    if link is None:
        return links.private_page((render_template("public/link_invalid.html"), 404))
    _remember(link.ticket, LINKS_KEY, link.id)  # its forms and files work in this browser while the link lives
    return links.private_page(_tracking_page(link.ticket))


@bp.get("/track/<number>")
def tracked(number):
    """The public view of a ticket this browser has unlocked with its code."""
    ticket = _tracked_ticket(number)
    if ticket is None:
        return redirect(url_for("public.track"))
    return _tracking_page(ticket)


@bp.post("/track/<number>/supplement")
@limiter.limit(lambda: current_app.config["SUBMIT_RATE_LIMIT"])
def supplement(number):
    """The enterprise adds information or files to its ticket."""
    ticket = _tracked_ticket(number)
    if ticket is None:
        return redirect(url_for("public.track"))
    form = SupplementForm()
    if not form.validate_on_submit():
        return _tracking_page(ticket, supplement_form=form, status=400)
    try:
        supplement_ticket(ticket, form.body.data, request.files.getlist(form.attachments.name))
    except ServiceError as exc:
        form.body.errors = [exc.message]
        return _tracking_page(ticket, supplement_form=form, status=exc.status)
    return redirect(url_for("public.tracked", number=ticket.number), 303)


@bp.post("/track/<number>/rate")
def rate(number):
    """The enterprise confirms and rates a resolved ticket."""
    ticket = _tracked_ticket(number)
    if ticket is None:
        return redirect(url_for("public.track"))
    form = RatingForm()
    if not form.validate_on_submit():
        return _tracking_page(ticket, rating_form=form, status=400)
    try:
        rate_ticket(ticket, form.satisfaction.data, form.solved.data, form.comment.data)
    except ServiceError as exc:
        form.comment.errors = [exc.message]
        return _tracking_page(ticket, rating_form=form, status=exc.status)
    return redirect(url_for("public.tracked", number=ticket.number), 303)


@bp.post("/track/<number>/sms")
@limiter.limit(lambda: current_app.config["SUBMIT_RATE_LIMIT"])
def sms_preference(number):
    """The enterprise holding the case stops SMS about its cases, or takes them back (email still goes)."""
    ticket = _tracked_ticket(number)
    if ticket is None:
        return redirect(url_for("public.track"))
    form = SmsPreferenceForm()
    if form.validate_on_submit():
        set_sms_preference(ticket, form.choice.data == "off")
    return redirect(url_for("public.tracked", number=ticket.number, _anchor="sms"), 303)


@bp.get("/track/<number>/files/<int:attachment_id>")
def public_file(number, attachment_id):
    """A public attachment of a ticket this browser has unlocked, always as a download."""
    ticket = _tracked_ticket(number)
    attachment = db.session.get(Attachment, attachment_id)
    if ticket is None or attachment is None or attachment.ticket_id != ticket.id or not attachment.is_public:
        abort(404)
    return send_stored(attachment)
