"""What the workspace says about the assessment."""
from app.assessment.appeals import pending_appeals
from app.assessment.metrics import DEPARTMENT, SECRETARY
from app.assessment.publishing import current_month, latest_run


def workspace_note(user) -> dict | None:
    """What the workspace says about the assessment: for supervisors, appeals waiting and whether last month
    is still unpublished; for a secretary or officer, their unit's place in last month's published ranking."""
    month = current_month().previous()
    run = latest_run(month)
    if user.is_supervisor:
        pending = pending_appeals()
        if not pending and run is not None:
            return None
        return {"month": month, "pending": pending, "unpublished": run is None}
    unit = (SECRETARY, user.id) if user.is_secretary else (DEPARTMENT, user.department_id) if user.is_officer else None
    if run is None or unit is None:
        return None
    rows = run.summary["units"][unit[0]]
    mine = next((u for u in rows if u["unit_id"] == unit[1]), None)
    if mine is None:
        return None
    return {"month": month, "unit": mine, "ranked": sum(1 for u in rows if u["rank"] is not None), "kind": unit[0]}

