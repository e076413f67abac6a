"""The enterprises' evaluation page (综合打分), opened through a personal link without an account. It imports only
the evaluation module; views.py routes it on the assessment blueprint, so its endpoint is `assessment.evaluate`."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.assessment import evaluation
from app.assessment.forms import unit_entries, unit_key
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
    """综合打分: the enterprise's verified contact scores its secretary and the departments that worked on its
    cases, once a month each, in one form with a fieldset per unit, through the personal link sent to them
    (never offered on a tracking page). One press saves every complete unit; an incomplete one stays as typed."""
    enterprise, month = _evaluation_target(token)
    units = evaluation.evaluation_units(enterprise.id, month)
    entries, problems, status = {}, {}, 200
    if request.method == "POST":  # CSRF is checked for every POST by CSRFProtect
        entries = unit_entries(request.form, units)
        try:
            result = evaluation.submit_evaluations(enterprise, month, entries)
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            status = exc.status
        else:
            if not result.problems:
                flash(_("感谢您的评价！"), "success")
                return redirect(url_for("assessment.evaluate", token=token), 303)
            if result.saved:
                flash(_("已保存 %(n)d 个单位的评价，感谢您的反馈。", n=len(result.saved)), "success")
            problems, status = result.problems, 400
    given = evaluation.evaluations_given(enterprise.id, month)
    rows = [{"kind": kind, "key": unit_key(kind, uid), "name": unit_name(kind, uid), "given": given.get((kind, uid)),
             "entry": entries.get((kind, uid)) or {}, "problem": problems.get((kind, uid))} for kind, uid in units]
    return render_template("assessment/evaluate.html", enterprise=enterprise, month=month, units=rows,
                           problems=list(problems.values()), labels=UNIT_LABELS,
                           criteria=list(evaluation.CRITERION_LABELS.items())), status
