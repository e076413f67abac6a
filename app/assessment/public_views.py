"""The enterprises' evaluation page (综合打分), opened through a personal link without an account. It imports only
the evaluation module; views.py routes it on the assessment blueprint, so its endpoint is `assessment.evaluate`."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.assessment import evaluation
from app.assessment.forms import EvaluationForm
from app.assessment.metrics import UNIT_LABELS
from app.assessment.units import unit_name
from app.errors import ServiceError
from app.extensions import db, limiter


def _evaluation_target(token):
    found = evaluation.evaluation_invitee(token)
    if found is None:
        abort(404)
    return found


@limiter.limit("30 per minute", methods=["POST"])
def evaluate(token):
    """综合打分: the enterprise's verified contact scores its secretary and the departments it dealt with, once a
    month each, through the personal link sent to them (never offered on a tracking page)."""
    enterprise, month = _evaluation_target(token)
    units = evaluation.evaluation_units(enterprise.id, month)
    done = evaluation.evaluations_done(enterprise.id, month)
    form = EvaluationForm()
    target = request.form.get("unit", "") if request.method == "POST" else ""
    status = 200
    if request.method == "POST":
        kind, _sep, raw_id = target.partition(":")
        unit_id = int(raw_id) if raw_id.isdigit() and len(raw_id) < 10 else 0
        if form.validate_on_submit():
            try:
                evaluation.submit_evaluation(enterprise, month, kind, unit_id,
                                             {k: getattr(form, k).data for k in evaluation.CRITERIA},
                                             form.comment.data)
            except ServiceError as exc:
                db.session.rollback()
                flash(exc.message, "danger")
                status = exc.status
            else:
                flash(_("感谢您的评价！"), "success")
                return redirect(url_for("assessment.evaluate", token=token), 303)
        else:
            status = 400
    return render_template("assessment/evaluate.html", enterprise=enterprise, month=month, form=form,
                           units=[(k, uid, unit_name(k, uid), (k, uid) in done) for k, uid in units],
                           target=target, labels=UNIT_LABELS), status
