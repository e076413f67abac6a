"""Every route × every kind of visitor, against a table kept here. A route missing from the table fails."""
import io
import re

import pytest
from sqlalchemy import select

from app.enums import Role, TicketState as S
from tests.factories import verified_evaluation_token

ROLES = ["anonymous", "enterprise_right", "enterprise_wrong", "enterprise_sms", "secretary", "officer_lead",
         "officer_other", "supervisor", "admin", "disabled"]
CONTACT_MOBILE = "13812345678"  # the factory's contact mobile of every case
STAFF = {"secretary", "officer_lead", "officer_other", "supervisor", "admin"}
NOT_STAFF = set(ROLES) - STAFF

# Outcomes: ok (the view ran), login (sent to log in), 403, 404 (hidden), track (sent to enter a code first),
# signin (sent to the SMS sign-in page). enterprise_sms: signed in (我的诉求) with the case's contact mobile.


def everyone(outcome="ok"):
    return {r: outcome for r in ROLES}


def staff_only(allowed, denied="403"):
    """Non-staff are sent to log in; staff in `allowed` get through; other staff get `denied`."""
    table = {r: "login" for r in NOT_STAFF}
    table.update({r: ("ok" if r in allowed else denied) for r in STAFF})
    return table


def ticket_route(allowed_extra=()):
    """Ticket pages: hidden (404) from an officer of another department, open to the rest of the staff."""
    table = staff_only(STAFF - {"officer_other"} | set(allowed_extra))
    table["officer_other"] = "404"
    return table


def unlocked_only(locked="track"):
    table = everyone(locked)
    table["enterprise_right"] = table["enterprise_sms"] = "ok"
    return table


ALL_STAFF = STAFF
MATRIX = {
    ("public.home", "GET"): everyone(),
    ("public.submit", "GET"): everyone(),
    ("public.submit", "POST"): everyone(),
    ("public.track", "GET"): everyone(),
    ("public.track", "POST"): everyone(),
    ("public.tracked", "GET"): unlocked_only(),
    ("public.supplement", "POST"): unlocked_only(),
    ("public.rate", "POST"): unlocked_only(),
    ("public.public_file", "GET"): unlocked_only("404"),
    ("public.sms_preference", "POST"): unlocked_only(),
    # 我的诉求: the sign-in forms answer everyone alike; the page needs the SMS sign-in.
    ("my.signin_page", "GET"): everyone(),
    ("my.signin_page", "POST"): everyone(),
    ("my.verify", "GET"): everyone("signin"),  # no code asked in this browser: back to the first step
    ("my.verify", "POST"): everyone(),
    ("my.cases", "GET"): {**everyone("signin"), "enterprise_sms": "ok"},
    # Last of the enterprise's routes: opening the link unlocks its case in this browser for the rows after it.
    ("public.personal", "GET"): everyone(),  # whoever holds the link: that one case, nothing else
    ("auth.login", "GET"): everyone(),
    ("auth.login", "POST"): everyone(),
    ("auth.set_language", "POST"): everyone(),
    ("static", "GET"): everyone(),
    ("ops.healthz", "GET"): everyone(),
    ("ops.worker_healthz", "GET"): everyone(),
    ("vendor.asset", "GET"): everyone(),
    ("workspace.workspace", "GET"): staff_only(ALL_STAFF),
    ("tickets.ticket_list", "GET"): staff_only(ALL_STAFF),
    ("tickets.detail", "GET"): ticket_route(),
    ("tickets.history", "GET"): ticket_route(),
    ("tickets.download", "GET"): ticket_route(),
    ("tickets.act", "POST"): {**ticket_route(), "admin": "403"},
    # Personal links: the case's secretary and supervisors; a department that sees the case may not hand it out.
    ("tickets.issue_link", "POST"): {**ticket_route(), "admin": "403", "officer_lead": "403"},
    ("tickets.revoke_link", "POST"): {**ticket_route(), "admin": "403", "officer_lead": "403"},
    # The case's secretary or a supervisor: a department that sees the case does not message its enterprise.
    ("tickets.send_link", "POST"): {**ticket_route(), "admin": "403", "officer_lead": "403"},
    ("tickets.return_visit", "POST"): {**ticket_route(), "officer_lead": "403", "admin": "403"},
    # 并单: the possible duplicates of a case, to whoever sees it (only cases they may see are listed); the intake
    # check, to those who record offline cases; merging, to secretaries and supervisors; undoing, to supervisors.
    ("merging.duplicates", "GET"): ticket_route(),
    ("merging.check", "GET"): staff_only({"secretary", "supervisor"}),
    ("merging.merge", "POST"): {**ticket_route(), "admin": "403", "officer_lead": "403"},
    ("merging.unmerge", "POST"): {**ticket_route(), "admin": "403", "officer_lead": "403", "secretary": "403"},
    ("tickets.new_offline", "GET"): staff_only({"secretary", "supervisor"}),
    ("tickets.new_offline", "POST"): staff_only({"secretary", "supervisor"}),
    ("enterprises.enterprise_list", "GET"): staff_only({"secretary", "supervisor", "admin"}),
    ("enterprises.enterprise_options", "GET"): staff_only({"secretary", "supervisor", "admin"}),
    ("enterprises.enterprise_detail", "GET"): staff_only({"secretary", "supervisor", "admin"}),
    ("enterprises.verify_enterprise_contact", "POST"): staff_only({"supervisor"}),
    ("enterprises.sms_preference", "POST"): staff_only({"secretary", "supervisor"}),  # the company's own secretary
    # The desk: supervisors and admins create, edit and give enterprises a 联系秘书; the company's own secretary
    # edits its contacts too; a secretary takes a case from the pool or a colleague.
    ("enterprises.new_enterprise", "GET"): staff_only({"supervisor", "admin"}),
    ("enterprises.new_enterprise", "POST"): staff_only({"supervisor", "admin"}),
    ("enterprises.edit_enterprise", "GET"): staff_only({"supervisor", "admin"}),
    ("enterprises.edit_enterprise", "POST"): staff_only({"supervisor", "admin"}),
    ("enterprises.edit_contacts", "GET"): staff_only({"secretary", "supervisor", "admin"}),
    ("enterprises.edit_contacts", "POST"): staff_only({"secretary", "supervisor", "admin"}),
    ("enterprises.assign", "POST"): staff_only({"supervisor", "admin"}),
    ("tickets.take", "POST"): staff_only({"secretary"}),
    ("enterprises.visit_list", "GET"): staff_only({"secretary", "supervisor"}),
    ("enterprises.new_visit", "GET"): staff_only({"secretary"}),
    ("enterprises.new_visit", "POST"): staff_only({"secretary"}),
    ("admin.index", "GET"): staff_only({"admin"}),
    ("admin.users", "GET"): staff_only({"admin"}),
    ("admin.new_user", "GET"): staff_only({"admin"}),
    ("admin.new_user", "POST"): staff_only({"admin"}),
    ("admin.edit_user", "GET"): staff_only({"admin"}),
    ("admin.edit_user", "POST"): staff_only({"admin"}),
    ("admin.departments", "GET"): staff_only({"admin"}),
    ("admin.departments", "POST"): staff_only({"admin"}),
    ("admin.edit_department", "GET"): staff_only({"admin"}),
    ("admin.edit_department", "POST"): staff_only({"admin"}),
    ("admin.categories", "GET"): staff_only({"admin"}),
    ("admin.categories", "POST"): staff_only({"admin"}),
    ("admin.edit_category", "GET"): staff_only({"admin"}),
    ("admin.edit_category", "POST"): staff_only({"admin"}),
    ("admin.message_templates", "GET"): staff_only({"admin"}),
    ("admin.edit_message_template", "GET"): staff_only({"admin"}),
    ("admin.edit_message_template", "POST"): staff_only({"admin"}),
    ("admin.audit_trail", "GET"): staff_only({"admin"}),
    ("admin.audit_export", "GET"): staff_only({"admin"}),
    ("webhooks.index", "GET"): staff_only({"admin"}),
    ("webhooks.new", "GET"): staff_only({"admin"}),
    ("webhooks.new", "POST"): staff_only({"admin"}),
    ("webhooks.detail", "GET"): staff_only({"admin"}),
    ("webhooks.detail", "POST"): staff_only({"admin"}),
    ("webhooks.rotate_secret", "POST"): staff_only({"admin"}),
    ("webhooks.send_test", "POST"): staff_only({"admin"}),
    ("webhooks.replay", "POST"): staff_only({"admin"}),
    ("supervision.deadlines", "GET"): ticket_route(),
    ("supervision.urge", "POST"): staff_only({"supervisor"}),
    ("supervision.supervise", "POST"): staff_only({"supervisor"}),
    ("supervision.request_extension", "POST"): staff_only({"secretary", "supervisor"}),
    ("supervision.decide_extension", "POST"): staff_only({"supervisor"}),
    ("supervision.board", "GET"): staff_only({"supervisor"}),
    ("supervision.extensions", "GET"): staff_only({"supervisor"}),
    ("supervision.remediations", "GET"): staff_only({"supervisor"}),
    ("supervision.bell", "GET"): staff_only(ALL_STAFF),
    ("supervision.notifications", "GET"): staff_only(ALL_STAFF),
    ("supervision.open_notification", "POST"): staff_only({"supervisor"}, denied="404"),
    ("supervision.read_all", "POST"): staff_only(ALL_STAFF),
    ("supervision.calendar", "GET"): staff_only({"admin"}),
    ("supervision.calendar", "POST"): staff_only({"admin"}),
    ("supervision.calendar_notice", "GET"): staff_only({"admin"}),
    ("supervision.calendar_notice", "POST"): staff_only({"admin"}),
    ("supervision.delete_override", "POST"): staff_only({"admin"}),
    ("supervision.duty", "GET"): staff_only({"admin"}),
    ("supervision.duty", "POST"): staff_only({"admin"}),
    ("supervision.delete_duty", "POST"): staff_only({"admin"}),
    ("supervision.policies", "GET"): staff_only({"admin"}),
    ("supervision.new_policy", "GET"): staff_only({"admin"}),
    ("supervision.new_policy", "POST"): staff_only({"admin"}),
    ("supervision.edit_policy", "GET"): staff_only({"admin"}),
    ("supervision.edit_policy", "POST"): staff_only({"admin"}),
    ("supervision.recompute", "POST"): staff_only({"admin"}),
    ("supervision.rating_policy_form", "POST"): staff_only({"admin"}),
    ("supervision.outbox", "GET"): staff_only({"admin"}),
    ("meetings.convene", "GET"): {**staff_only({"secretary", "supervisor"}), "officer_other": "403"},
    ("meetings.convene", "POST"): {**staff_only({"secretary", "supervisor"}), "officer_other": "403"},
    ("meetings.meeting_list", "GET"): staff_only(ALL_STAFF),
    ("meetings.detail", "GET"): {**staff_only(ALL_STAFF), "officer_other": "404"},
    ("meetings.confirm", "POST"): {**staff_only({"officer_lead"}), "officer_other": "404"},
    ("meetings.minutes", "POST"): staff_only({"secretary", "supervisor"}),
    ("meetings.add_item", "POST"): staff_only({"secretary", "supervisor"}),
    ("meetings.item_done", "POST"): {**staff_only({"secretary", "supervisor", "officer_lead"}),
                                     "officer_other": "404"},
    ("meetings.plan", "POST"): staff_only({"secretary", "supervisor"}),
    ("projects.sheet", "GET"): staff_only({"secretary", "supervisor", "admin"}),
    ("projects.figure", "GET"): staff_only({"secretary", "supervisor", "admin"}),
    ("projects.gantt", "GET"): staff_only({"secretary", "supervisor", "admin"}),
    ("projects.targets", "GET"): staff_only({"supervisor"}),
    ("projects.targets", "POST"): staff_only({"supervisor"}),
    ("projects.export", "GET"): staff_only({"secretary", "supervisor", "admin"}),
    ("projects.new_project", "GET"): staff_only({"secretary", "supervisor"}),
    ("projects.new_project", "POST"): staff_only({"secretary", "supervisor"}),
    ("projects.detail", "GET"): staff_only({"secretary", "supervisor", "admin"}),
    ("projects.milestones", "POST"): staff_only({"secretary", "supervisor", "admin"}),
    ("projects.procedures", "GET"): staff_only(ALL_STAFF),
    ("projects.new_procedure", "GET"): staff_only({"secretary", "supervisor"}),
    ("projects.new_procedure", "POST"): staff_only({"secretary", "supervisor"}),
    ("projects.update_procedure", "POST"): {**staff_only({"secretary", "supervisor", "admin", "officer_lead"}),
                                            "officer_other": "404"},
    ("projects.procedure_types", "GET"): staff_only({"admin"}),
    ("projects.procedure_types", "POST"): staff_only({"admin"}),
    ("projects.edit_procedure_type", "POST"): staff_only({"admin"}),
    ("projects.upload_documents", "POST"): {**staff_only({"secretary", "supervisor", "admin", "officer_lead"}),
                                            "officer_other": "404", "admin": "ok"},
    ("projects.download_document", "GET"): {**staff_only({"secretary", "supervisor", "admin", "officer_lead"}),
                                            "officer_other": "404"},
    ("assessment.index", "GET"): staff_only(ALL_STAFF),
    ("assessment.month_page", "GET"): staff_only(ALL_STAFF),  # others read "not published yet"
    ("assessment.publish", "POST"): staff_only({"supervisor"}),
    ("assessment.recompute", "POST"): staff_only({"supervisor"}),
    ("assessment.drill", "GET"): staff_only({"supervisor"}, denied="404"),  # a draft: supervisors only
    ("assessment.report_page", "GET"): staff_only({"supervisor"}, denied="404"),
    ("assessment.report_excel", "GET"): staff_only({"supervisor"}, denied="404"),
    ("assessment.appeals", "GET"): staff_only(ALL_STAFF),
    ("assessment.decide", "POST"): staff_only({"supervisor"}),
    ("assessment.exclude", "POST"): staff_only({"supervisor"}),
    ("assessment.include", "POST"): staff_only({"supervisor"}),
    ("assessment.appeal", "POST"): {**staff_only({"secretary", "officer_lead"}), "officer_other": "404"},
    ("assessment.invitations", "GET"): staff_only({"supervisor"}),
    ("assessment.send_invitations", "POST"): staff_only({"supervisor"}),
    ("assessment.evaluate", "GET"): everyone(),
    ("assessment.evaluate", "POST"): everyone(),
    ("assessment.scoring_rules", "GET"): staff_only({"admin"}),
    ("assessment.scoring_rules", "POST"): staff_only({"admin"}),
    ("assessment.hall", "GET"): staff_only(ALL_STAFF),
    ("assessment.hall_panel", "GET"): staff_only(ALL_STAFF, denied="403") | {r: "403" for r in NOT_STAFF},
    # 系统管理 → API 令牌.
    ("api_tokens.token_list", "GET"): staff_only({"admin"}),
    ("api_tokens.new_token", "GET"): staff_only({"admin"}),
    ("api_tokens.new_token", "POST"): staff_only({"admin"}),
    ("api_tokens.revoke_token", "POST"): staff_only({"admin"}),
    # /api/v1 answers only a bearer token: every kind of visitor, a staff session cookie included, gets 401 JSON.
    ("api_tickets.list_tickets", "GET"): everyone("401"),
    ("api_tickets.get_ticket", "GET"): everyone("401"),
    ("api_tickets.get_deadlines", "GET"): everyone("401"),
    ("api_tickets.create_ticket", "POST"): everyone("401"),
    ("api_tickets.act", "POST"): everyone("401"),
    ("api_exchange.receive_order", "POST"): everyone("401"),
    ("api_exchange.read_order", "GET"): everyone("401"),
    ("api_reference.list_enterprises", "GET"): everyone("401"),
    ("api_reference.list_departments", "GET"): everyone("401"),
    ("api_reference.list_categories", "GET"): everyone("401"),
    ("api_assessment.list_months", "GET"): everyone("401"),
    ("api_assessment.get_month", "GET"): everyone("401"),
    # The API's description (no data): the OpenAPI document and its Swagger UI page.
    ("api_docs.openapi", "GET"): everyone(),
    ("api_docs.docs", "GET"): everyone(),
    # Last: they end the session they are called in.
    ("my.signout", "POST"): everyone("signin"),
    ("auth.logout", "POST"): staff_only(ALL_STAFF),
}

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def world(app, factory, login):
    """One ticket in processing, with an internal and a public attachment, and a person of every kind."""
    lead_dept, other_dept = factory.department("住建局"), factory.department("税务局")
    people = {
        "secretary": factory.user(Role.SECRETARY),
        "officer_lead": factory.user(Role.OFFICER, department_id=lead_dept),
        "officer_other": factory.user(Role.OFFICER, department_id=other_dept),
        "supervisor": factory.user(Role.SUPERVISOR),
        "admin": factory.user(Role.ADMIN),
        "disabled": factory.user(Role.SECRETARY),
    }
    ref = factory.ticket(S.PROCESSING, secretary=people["secretary"], lead_officer=people["officer_lead"])
    staff = login(app.test_client(), people["secretary"])
    response = staff.post(f"/tickets/{ref.id}/actions/note", content_type="multipart/form-data",
                          data={"body": "内部材料", "attachments": [(io.BytesIO(PDF), "内部.pdf")]})
    assert response.status_code == 303
    public = app.test_client()
    public.post("/track", data={"number": ref.number, "code": ref.code})
    public.post(f"/track/{ref.number}/supplement", content_type="multipart/form-data",
                data={"attachments": [(io.BytesIO(PDF), "公开.pdf")]})
    from app.models import Attachment, Visit
    with app.app_context():
        internal = Attachment.query.filter_by(is_public=False).one().id
        public_file = Attachment.query.filter_by(is_public=True).one().id
    visit_client = login(app.test_client(), people["secretary"])
    visit_client.post("/visits/new", data={"enterprise_id": str(ref.enterprise_id), "kind": "visit",
                                           "visited_on": "2026-11-15", "summary": "走访"})
    with app.app_context():
        assert Visit.query.count() == 1
    extension = staff.post(f"/tickets/{ref.id}/extensions", data={
        "clock_id": str(_running_clock(app, ref.id)), "days": "2", "reason": "需第三方检测"})
    assert extension.status_code == 303, extension.get_data(as_text=True)[:300]
    from app.models import CalendarOverride, Extension, Notification, SlaPolicy
    from datetime import date
    with app.app_context():
        from app.supervision.sweep import sweep
        from app.extensions import db
        db.session.add(CalendarOverride(day=date(2027, 1, 4), is_workday=False, note="测试"))
        from app.models import DutyShift
        db.session.add(DutyShift(day=date(2027, 1, 4), user_id=people["supervisor"].id))
        db.session.commit()
        sweep(app.extensions["jj_clock"].now())  # a fresh heartbeat keeps /healthz/worker at 200
    second = factory.ticket(S.PROCESSING, secretary=people["secretary"], lead_officer=people["officer_lead"])
    with app.test_request_context():
        from app.meetings import services as meetings
        from app.models import Ticket, User
        sec = db.session.get(User, people["secretary"].id)
        meeting = meetings.convene_meeting(sec, [db.session.get(Ticket, second.id)], subject="会办",
                                           starts_at=app.extensions["jj_clock"].now(), place="会议室", agenda="",
                                           lead_department_id=lead_dept)
        item = meetings.add_action_item(sec, meeting, second.id, "出具意见", lead_dept, 3)
        meeting_id, item_id = meeting.id, item.id
        from app.models import Enterprise, ProcedureType
        from app.projects import services as projects
        project = projects.create_project(sec, db.session.get(Enterprise, ref.enterprise_id), name="新厂房项目",
                                          investment_wan=50000, industry="", park="", leader="")
        kind = ProcedureType.query.filter_by(code="construction_permit").one()
        kind.department_id = lead_dept
        procedure = projects.create_procedure(sec, project.enterprise, kind.id, project=project)
        project_id, procedure_id, type_id = project.id, procedure.id, kind.id
        from werkzeug.datastructures import FileStorage
        projects.attach_documents(sec, procedure, [FileStorage(io.BytesIO(PDF), "批复.pdf")])
        document_id = procedure.documents[0].id
        from app.assessment.appeals import file_appeal
        from app.assessment.period import Month
        from app.models import TrackingLink
        appeal = file_appeal(db.session.get(Ticket, ref.id), sec, "企业撤回诉求")
        token = verified_evaluation_token(ref.enterprise_id, Month(2026, 11))
        from app.models import WebhookDelivery, WebhookEndpoint
        # A receiver nobody listens on (port 9, discard): the admin's test and replay are refused at once.
        endpoint = WebhookEndpoint(name="接收方", url="http://127.0.0.1:9/hook", secret="whsec_test",
                                   event_types='["ticket.created"]', is_active=False,
                                   created_at=app.extensions["jj_clock"].now())
        db.session.add(endpoint)
        db.session.flush()
        delivery = WebhookDelivery(uid="dlv_matrix", endpoint_id=endpoint.id, event_type="ticket.created", body="{}",
                                   status="failed", created_at=app.extensions["jj_clock"].now())
        db.session.add(delivery)
        db.session.commit()
        from app.api import tokens as api_tokens
        api_token, _raw = api_tokens.issue(db.session.get(User, people["admin"].id), name="对接系统", scopes=["read"],
                                           user_id=people["supervisor"].id)
        ids = {"endpoint": endpoint.id, "api_token": api_token.id, "delivery": delivery.id, "extension": Extension.query.one().id, "override": CalendarOverride.query.one().id,
               "duty": DutyShift.query.one().id,
               "policy": SlaPolicy.query.first().id,
               "note": Notification.query.filter_by(user_id=people["supervisor"].id).first().id,
               "meeting": meeting_id, "item": item_id, "project": project_id, "procedure": procedure_id,
               "document": document_id, "type": type_id, "appeal": appeal.id, "token": token,
               "link": db.session.scalar(select(TrackingLink.id).where(TrackingLink.ticket_id == ref.id))}
    return {"people": people, "ticket": ref, "internal": internal, "public_file": public_file,
            "dept": lead_dept, "category": factory.category(), "ids": ids}


def _running_clock(app, ticket_id):
    from app.models import TicketClock
    with app.app_context():
        return TicketClock.query.filter_by(ticket_id=ticket_id, kind="resolution", stopped_at=None).one().id


def url_args(endpoint, w):
    t = w["ticket"]
    return {
        "public.tracked": {"number": t.number}, "public.supplement": {"number": t.number},
        "public.rate": {"number": t.number}, "public.sms_preference": {"number": t.number},
        "tickets.send_link": {"ticket_id": t.id}, "enterprises.sms_preference": {"enterprise_id": t.enterprise_id},
        "admin.edit_message_template": {"kind_key": "accepted"},
        "webhooks.detail": {"endpoint_id": w["ids"]["endpoint"]}, "webhooks.rotate_secret": {"endpoint_id": w["ids"]["endpoint"]},
        "webhooks.send_test": {"endpoint_id": w["ids"]["endpoint"]}, "webhooks.replay": {"delivery_id": w["ids"]["delivery"]}, "assessment.send_invitations": {"month_text": "2026-11"},
        "public.public_file": {"number": t.number, "attachment_id": w["public_file"]},
        "static": {"filename": "app.css"}, "vendor.asset": {"package": "htmx", "filename": "htmx.min.js"},
        "tickets.detail": {"ticket_id": t.id}, "tickets.history": {"ticket_id": t.id},
        "merging.duplicates": {"ticket_id": t.id}, "merging.merge": {"ticket_id": t.id},
        "merging.unmerge": {"ticket_id": t.id},
        "tickets.download": {"ticket_id": t.id, "attachment_id": w["internal"]},
        "public.personal": {"token": t.link},
        "tickets.issue_link": {"ticket_id": t.id},
        "tickets.revoke_link": {"ticket_id": t.id, "link_id": w["ids"]["link"]},
        "tickets.act": {"ticket_id": t.id, "action": "note"}, "tickets.return_visit": {"ticket_id": t.id},
        "enterprises.enterprise_detail": {"enterprise_id": t.enterprise_id},
        "enterprises.verify_enterprise_contact": {"enterprise_id": t.enterprise_id},
        "enterprises.edit_enterprise": {"enterprise_id": t.enterprise_id},
        "enterprises.edit_contacts": {"enterprise_id": t.enterprise_id}, "tickets.take": {"ticket_id": t.id},
        "admin.edit_user": {"user_id": w["people"]["secretary"].id},
        "admin.edit_department": {"obj_id": w["dept"]}, "admin.edit_category": {"obj_id": w["category"]},
        "supervision.deadlines": {"ticket_id": t.id}, "supervision.urge": {"ticket_id": t.id}, "supervision.supervise": {"ticket_id": t.id},
        "supervision.request_extension": {"ticket_id": t.id}, "supervision.decide_extension": {"extension_id": w["ids"]["extension"]},
        "supervision.open_notification": {"note_id": w["ids"]["note"]},
        "supervision.delete_override": {"override_id": w["ids"]["override"]},
        "supervision.delete_duty": {"shift_id": w["ids"]["duty"]},
        "supervision.edit_policy": {"policy_id": w["ids"]["policy"]},
        "meetings.convene": {"ticket_id": t.id}, "meetings.detail": {"meeting_id": w["ids"]["meeting"]},
        "meetings.confirm": {"meeting_id": w["ids"]["meeting"]}, "meetings.minutes": {"meeting_id": w["ids"]["meeting"]},
        "meetings.add_item": {"meeting_id": w["ids"]["meeting"]}, "meetings.plan": {"meeting_id": w["ids"]["meeting"]},
        "meetings.item_done": {"item_id": w["ids"]["item"]},
        "projects.figure": {"key": "start_rate"}, "projects.detail": {"project_id": w["ids"]["project"]},
        "projects.milestones": {"project_id": w["ids"]["project"]},
        "projects.update_procedure": {"procedure_id": w["ids"]["procedure"]},
        "projects.edit_procedure_type": {"type_id": w["ids"]["type"]},
        "projects.upload_documents": {"procedure_id": w["ids"]["procedure"]},
        "projects.download_document": {"procedure_id": w["ids"]["procedure"], "document_id": w["ids"]["document"]},
        "assessment.month_page": {"month_text": "2026-10"}, "assessment.publish": {"month_text": "2026-10"},
        "assessment.recompute": {"month_text": "2026-10"},
        "assessment.drill": {"month_text": "2026-10", "kind": "secretary", "unit_id": w["people"]["secretary"].id,
                             "metric": "response"},
        "assessment.report_page": {"month_text": "2026-10"}, "assessment.report_excel": {"month_text": "2026-10"},
        "assessment.invitations": {"month_text": "2026-11"}, "assessment.decide": {"appeal_id": w["ids"]["appeal"]},
        "assessment.exclude": {"ticket_id": t.id}, "assessment.include": {"ticket_id": t.id},
        "assessment.appeal": {"ticket_id": t.id}, "assessment.evaluate": {"token": w["ids"]["token"]},
        "api_tokens.revoke_token": {"token_id": w["ids"]["api_token"]},
        "api_tickets.get_ticket": {"ticket_id": t.id}, "api_tickets.get_deadlines": {"ticket_id": t.id},
        "api_tickets.act": {"ticket_id": t.id, "action": "note"},
        "api_exchange.read_order": {"source": "12345", "order_no": "GD-1"}, "api_assessment.get_month": {"month_text": "2026-10"},
    }.get(endpoint, {})


def client_for(role, app, w, login, factory, sms_gateway=None):
    client = app.test_client()
    t = w["ticket"]
    if role == "enterprise_sms":
        app.config.update(SMS_GATEWAY_URL=sms_gateway.url, SMS_GATEWAY_KEY=sms_gateway.key)
        client.post("/my/signin", data={"mobile": CONTACT_MOBILE}).close()  # closed: the code leaves
        code = re.search(r"验证码：(\d{6})", sms_gateway.texts_to(CONTACT_MOBILE)[-1]).group(1)
        assert client.post("/my/signin/code", data={"mobile": CONTACT_MOBILE, "code": code}).status_code == 303
    elif role == "enterprise_right":
        assert client.post("/track", data={"number": t.number, "code": t.code}).status_code == 303
    elif role == "enterprise_wrong":
        client.post("/track", data={"number": t.number, "code": "WRONG-CODE-0000-0000-0000-0000-0000"})
    elif role == "disabled":
        login(client, w["people"]["disabled"])
        factory.set_active(w["people"]["disabled"], False)
    elif role in STAFF:
        login(client, w["people"][role])
    return client


def outcome(response):
    location = response.headers.get("Location", "")
    if response.status_code in (301, 302, 303) and "/login?next=" in location:
        return "login"
    if response.status_code in (301, 302, 303) and location.endswith("/track"):
        return "track"
    if response.status_code in (301, 302, 303) and location.endswith("/my/signin"):
        return "signin"
    if response.status_code in (403, 404):
        return str(response.status_code)
    if response.status_code == 401 and response.is_json and "error" in response.json:
        return "401"  # the API's answer without a bearer token
    if response.status_code in (200, 201, 204, 301, 302, 303, 400, 401, 409):
        return "ok"
    return f"unexpected {response.status_code}"


def test_every_route_is_in_the_table(app):
    routes = {(r.endpoint, m) for r in app.url_map.iter_rules() for m in r.methods - {"HEAD", "OPTIONS"}}
    missing = routes - set(MATRIX)
    assert not missing, f"routes without an access rule in the permission matrix: {sorted(missing)}"
    assert not set(MATRIX) - routes, "the matrix names routes that no longer exist"


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(role, app, world, login, factory, sms_gateway):
    from flask import url_for
    client = client_for(role, app, world, login, factory, sms_gateway)
    mismatches = []
    for (endpoint, method), expected_by_role in MATRIX.items():
        with app.test_request_context():
            url = url_for(endpoint, **url_args(endpoint, world))
        response = client.open(url, method=method, data={})
        got = outcome(response)
        if got != expected_by_role[role]:
            mismatches.append(f"{method} {url}: expected {expected_by_role[role]}, got {got}")
    assert not mismatches, f"{role}:\n" + "\n".join(mismatches)


def test_lists_and_counts_do_not_leak_across_departments(app, factory, login):
    mine = factory.user(Role.OFFICER)
    other = factory.user(Role.OFFICER)
    visible = factory.ticket(S.PROCESSING, lead_officer=mine, title="本部门的诉求标题")
    hidden = factory.ticket(S.PROCESSING, lead_officer=other, title="其他部门的机密标题")
    client = login(app.test_client(), mine)
    for url in ("/tickets", "/tickets?q=机密", "/workspace", "/tickets?state=processing"):
        html = client.get(url, headers={"HX-Request": "true", "HX-Target": "ticket-list"}).get_data(as_text=True)
        assert "其他部门的机密标题" not in html and hidden.number not in html, url
    html = client.get("/tickets").get_data(as_text=True)
    assert "本部门的诉求标题" in html and "共 1 件" in html
    assert visible.number in html


def test_secretary_sees_intake_queue_and_own_enterprises_only(app, factory, login):
    me, colleague = factory.user(Role.SECRETARY), factory.user(Role.SECRETARY)
    intake = factory.ticket(S.INTAKE, secretary=colleague)
    theirs = factory.ticket(S.PROCESSING, secretary=colleague, title="同事企业的诉求")
    mine = factory.ticket(S.PROCESSING, secretary=me)
    client = login(app.test_client(), me)
    html = client.get("/tickets").get_data(as_text=True)
    assert intake.number in html and mine.number in html and theirs.number not in html
    assert client.get(f"/tickets/{theirs.id}").status_code == 404
