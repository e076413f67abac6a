"""The ticket state machine: every action in every state is either carried out or refused without change."""
from datetime import datetime, timezone

import pytest
from sqlalchemy.orm import Session

from app.enums import AssignmentStatus, EventKind, Role, TicketState as S
from app.errors import EditConflict, NotAllowed, TransitionRefused, ValidationFailed
from app.extensions import db
from app.meetings import services as meetings
from app.models import Meeting, Ticket, TicketEvent, User
from app.tickets import links, merging, services, workflow

# The lifecycle as DESIGN.md draws it, written out by hand: where each action leads from each state it is
# allowed in (None: the state does not change). The workflow table must say the same, and the verbs must do it.
EXPECTED = {
    "accept": {S.INTAKE: S.TRIAGE},
    "reject": {S.INTAKE: S.REJECTED},
    "dispatch": {S.TRIAGE: S.PROCESSING},
    "sign": {S.PROCESSING: None},
    "return": {S.PROCESSING: S.TRIAGE},  # the lead department returns it
    "progress": {S.PROCESSING: None, S.CONVENED: None},
    "hold": {S.TRIAGE: S.ON_HOLD, S.PROCESSING: S.ON_HOLD, S.CONVENED: S.ON_HOLD},
    "resume": {S.ON_HOLD: S.PROCESSING},  # factory tickets are held from processing
    "resolve": {S.TRIAGE: S.RESOLVED, S.PROCESSING: S.RESOLVED, S.CONVENED: S.RESOLVED},
    "reopen": {S.RESOLVED: S.PROCESSING},
    "close": {S.RESOLVED: S.CLOSED},
    "reply": {s: None for s in (S.TRIAGE, S.PROCESSING, S.CONVENED, S.ON_HOLD, S.RESOLVED)},
    "note": {s: None for s in S},
    "edit": {s: None for s in (S.INTAKE, S.TRIAGE, S.PROCESSING, S.CONVENED, S.ON_HOLD)},
    "supplement": {s: None for s in (S.INTAKE, S.TRIAGE, S.PROCESSING, S.CONVENED)} | {S.ON_HOLD: S.PROCESSING},
    "rate": {S.RESOLVED: S.CLOSED},
    "convene": {S.PROCESSING: S.CONVENED},
    "plan": {S.CONVENED: S.PROCESSING},
    # Personal tracking links: issued and revoked in any state (a closed case's outcome is still worth reading).
    "link": {s: None for s in S},
    "unlink": {s: None for s in S},
    "send_link": {s: None for s in S if s not in (S.CLOSED, S.REJECTED, S.RETURNED, S.MERGED)},
    # 退单: a 12345 case goes back to the platform before the centre has an outcome (ended, not 办结).
    "platform_return": {S.INTAKE: S.RETURNED, S.TRIAGE: S.RETURNED},
    # 并单: a case still being worked on is closed into another; a supervisor undoes it (factory merged cases
    # were merged from triage).
    "merge": {s: S.MERGED for s in (S.INTAKE, S.TRIAGE, S.PROCESSING, S.CONVENED, S.ON_HOLD)},
    "unmerge": {S.MERGED: S.TRIAGE},
}


def test_the_table_covers_every_action():
    assert set(EXPECTED) == set(workflow.ACTIONS)
    for action, targets in EXPECTED.items():
        spec = workflow.ACTIONS[action]
        assert {s for s in S if workflow.allowed(action, s.value)} == set(targets), action
        # A fixed target in the table is where the drawing says the action leads (resume: the held-from state).
        if isinstance(spec.target, S):
            assert spec.target in set(targets.values()), action
        elif spec.target is None:
            assert set(targets.values()) <= {None, S.TRIAGE, S.PROCESSING}, action  # return / supplement
    assert set(workflow.PAGE_ACTIONS) == set(services.VERBS)  # every page action has its verb


def _run(action, ticket, ref, supervisor, officer, category_id, kept_id=None):
    v = ticket.version
    calls = {
        "accept": lambda: services.accept_ticket(ticket, supervisor, v),
        "reject": lambda: services.reject_ticket(ticket, supervisor, v, "理由"),
        "dispatch": lambda: services.dispatch_ticket(ticket, supervisor, v, ref.lead_department_id, [], "请办理"),
        "sign": lambda: services.sign_assignment(ticket, officer, v),
        "return": lambda: services.return_assignment(ticket, officer, v, "不属于本部门职责"),
        "progress": lambda: services.report_progress(ticket, officer, "已对接企业"),
        "hold": lambda: services.hold_ticket(ticket, supervisor, v, "等待企业材料"),
        "resume": lambda: services.resume_ticket(ticket, supervisor, v),
        "resolve": lambda: services.resolve_ticket(ticket, supervisor, v, "已解决"),
        "reopen": lambda: services.reopen_ticket(ticket, supervisor, v, "企业反映未解决"),
        "close": lambda: services.close_ticket(ticket, supervisor, v),
        "reply": lambda: services.reply_to_enterprise(ticket, supervisor, "您好，已收到。"),
        "note": lambda: services.add_note(ticket, supervisor, "内部备注"),
        "edit": lambda: services.edit_ticket(ticket, supervisor, v, title="新标题", description=ticket.description,
                                             category_id=category_id, urgency="urgent"),
        "supplement": lambda: services.supplement_ticket(ticket, "补充材料说明"),
        "rate": lambda: services.rate_ticket(ticket, "5", "solved", "满意"),
        "convene": lambda: meetings.convene_meeting(
            supervisor, [ticket], subject="用电增容会办", starts_at=datetime(2026, 11, 18, 2, tzinfo=timezone.utc),
            place="三楼会议室", agenda="", lead_department_id=ref.lead_department_id),
        "plan": lambda: _decide(ticket, supervisor),
        "link": lambda: links.issue_link(ticket, supervisor),
        "unlink": lambda: links.revoke_link(ticket, supervisor, ticket.links[0].id),  # the receipt's link
        "send_link": lambda: services.send_tracking_link(ticket, supervisor),
        "platform_return": lambda: _return_to_platform(ticket, supervisor),
        "merge": lambda: merging.merge_tickets(db.session.get(Ticket, kept_id), ticket, supervisor,
                                               datetime(2026, 11, 16, 2, tzinfo=timezone.utc), "同一问题", v),
        "unmerge": lambda: merging.unmerge_tickets(ticket, supervisor, datetime(2026, 11, 16, 2, tzinfo=timezone.utc),
                                                   "并错了"),
    }
    calls[action]()


def _return_to_platform(ticket, supervisor):
    ticket.channel = "hotline"  # only a 12345 case may go back (a refusal rolls this back with the rest)
    services.return_to_platform(ticket, supervisor, ticket.version, "不属于本中心职责，请平台改派")


def _decide(ticket, supervisor):
    meeting = ticket.meetings[-1] if ticket.meetings else None
    if meeting is None:  # a ticket that was never convened: a held meeting that names it, to be refused
        meeting = Meeting(subject="x", starts_at=ticket.created_at, place="x", convened_by_id=supervisor.id,
                          status="held", tickets=[ticket])
        db.session.add(meeting)
    elif meeting.status != "held":
        meetings.record_minutes(supervisor, meeting, "会议纪要", "会办结论：由住建局牵头办理")
    meetings.decide_plan(supervisor, meeting)


@pytest.mark.parametrize("state", list(S), ids=lambda s: s.value)
@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_every_action_in_every_state(action, state, factory, app):
    officer = factory.user(Role.OFFICER)
    ref = factory.ticket(state, lead_officer=officer)
    supervisor = factory.user(Role.SUPERVISOR)
    category_id = factory.category()
    kept_id = factory.ticket(S.TRIAGE).id if action == "merge" else None
    if action == "progress" and state in (S.PROCESSING, S.CONVENED):
        with app.test_request_context():  # progress is reported by a department that has signed
            db.session.get(Ticket, ref.id).lead_assignment.status = AssignmentStatus.SIGNED.value
            db.session.commit()
    before = factory.get_ticket(ref.id)
    with app.test_request_context():
        ticket = db.session.get(Ticket, ref.id)
        sup, off = db.session.get(User, supervisor.id), db.session.get(User, officer.id)
        if state in EXPECTED[action]:
            _run(action, ticket, ref, sup, off, category_id, kept_id)
        else:
            with pytest.raises((TransitionRefused, NotAllowed)):
                _run(action, ticket, ref, sup, off, category_id, kept_id)
            db.session.rollback()
    after = factory.get_ticket(ref.id)
    if state in EXPECTED[action]:
        assert after["state"] == (EXPECTED[action][state] or state).value
        assert len(after["events"]) > len(before["events"]), "an action left no event"
    else:
        assert after == before, "a refused action changed the ticket"


def test_refused_transition_message_is_clear(ctx, factory):
    ref = factory.ticket(S.CLOSED)
    ticket = db.session.get(Ticket, ref.id)
    sup = db.session.get(User, factory.user(Role.SUPERVISOR).id)
    with pytest.raises(TransitionRefused) as err:
        services.resolve_ticket(ticket, sup, ticket.version, "再次办结")
    assert "已关闭" in err.value.message and err.value.status == 409


def test_happy_path_records_every_step(ctx, factory):
    officer = factory.user(Role.OFFICER)
    ref = factory.ticket(S.INTAKE, lead_officer=officer)
    t = lambda: db.session.get(Ticket, ref.id)  # noqa: E731
    sec, off = db.session.get(User, ref.secretary.id), db.session.get(User, officer.id)
    services.accept_ticket(t(), sec, t().version)
    services.reply_to_enterprise(t(), sec, "已受理，正在协调。")
    services.dispatch_ticket(t(), sec, t().version, officer.department_id, [], "请三日内反馈")
    services.sign_assignment(t(), off, t().version)
    services.report_progress(t(), off, "已现场核实", public=True)
    services.resolve_ticket(t(), sec, t().version, "已办结")
    services.rate_ticket(t(), "5", "solved", "感谢")
    ticket = t()
    assert ticket.state == S.CLOSED.value
    assert ticket.first_replied_at is not None and ticket.closed_at is not None
    kinds = [e.kind for e in ticket.events]
    assert kinds == ["created", "accepted", "replied", "dispatched", "progress", "signed", "progress", "resolved",
                     "rated", "closed"]
    assert [(e.from_state, e.to_state) for e in ticket.events if e.kind == "resolved"] == [("processing", "resolved")]


def test_lead_return_sends_ticket_back_to_triage_and_withdraws_support(ctx, factory):
    support_dept = factory.department()
    officer = factory.user(Role.OFFICER)
    ref = factory.ticket(S.PROCESSING, lead_officer=officer, support_department_ids=[support_dept])
    ticket = db.session.get(Ticket, ref.id)
    services.return_assignment(ticket, db.session.get(User, officer.id), ticket.version, "不属于本部门职责")
    ticket = db.session.get(Ticket, ref.id)
    assert ticket.state == S.TRIAGE.value
    assert {a.status for a in ticket.assignments} == {"returned", "withdrawn"}
    assert ticket.events[-1].body == "不属于本部门职责"


def test_support_return_keeps_ticket_processing(ctx, factory):
    support_dept = factory.department()
    support_officer = factory.user(Role.OFFICER, department_id=support_dept)
    ref = factory.ticket(S.PROCESSING, support_department_ids=[support_dept])
    ticket = db.session.get(Ticket, ref.id)
    services.return_assignment(ticket, db.session.get(User, support_officer.id), ticket.version, "无协办事项")
    ticket = db.session.get(Ticket, ref.id)
    assert ticket.state == S.PROCESSING.value
    assert ticket.lead_assignment.department_id == ref.lead_department_id


def test_hold_resumes_to_the_state_it_came_from(ctx, factory):
    ref = factory.ticket(S.TRIAGE)
    ticket = db.session.get(Ticket, ref.id)
    sec = db.session.get(User, ref.secretary.id)
    services.hold_ticket(ticket, sec, ticket.version, "等待企业补充")
    assert db.session.get(Ticket, ref.id).due_at is None  # no clock runs while on hold
    services.resume_ticket(ticket, sec, ticket.version)
    assert db.session.get(Ticket, ref.id).state == S.TRIAGE.value


def test_enterprise_supplement_resumes_a_held_ticket(ctx, factory):
    ref = factory.ticket(S.ON_HOLD)
    services.supplement_ticket(db.session.get(Ticket, ref.id), "已补充立项批复")
    ticket = db.session.get(Ticket, ref.id)
    assert ticket.state == S.PROCESSING.value
    assert [e.kind for e in ticket.events][-2:] == ["supplemented", "resumed"]


@pytest.mark.parametrize("satisfaction,solved,expected", [
    ("5", "solved", S.CLOSED), ("4", "partly", S.CLOSED), ("3", "solved", S.CLOSED),
    ("2", "solved", S.PROCESSING), ("1", "solved", S.PROCESSING), ("5", "unsolved", S.PROCESSING),
])
def test_rating_closes_or_reopens(ctx, factory, satisfaction, solved, expected):
    ref = factory.ticket(S.RESOLVED)
    services.rate_ticket(db.session.get(Ticket, ref.id), satisfaction, solved, "")
    ticket = db.session.get(Ticket, ref.id)
    assert ticket.state == expected.value
    assert ticket.reopen_count == (1 if expected is S.PROCESSING else 0)
    assert [(r.satisfaction, r.solved) for r in ticket.ratings] == [(satisfaction, solved)]


def test_stale_version_is_a_conflict_and_changes_nothing(ctx, factory):
    ref = factory.ticket(S.TRIAGE)
    ticket = db.session.get(Ticket, ref.id)
    sec = db.session.get(User, ref.secretary.id)
    seen = ticket.version
    services.edit_ticket(ticket, sec, seen, title="第一人修改", description=ticket.description,
                         category_id=ticket.category_id, urgency="normal")
    with pytest.raises(EditConflict) as err:
        services.edit_ticket(ticket, sec, seen, title="第二人修改", description=ticket.description,
                             category_id=ticket.category_id, urgency="normal")
    assert "其他人修改" in err.value.message
    db.session.rollback()
    ticket = db.session.get(Ticket, ref.id)
    assert ticket.title == "第一人修改"
    assert [e.kind for e in ticket.events].count("edited") == 1


def test_concurrent_commit_of_the_same_version_is_caught(app, factory):
    """Two sessions load the same version; the second commit fails instead of overwriting the first."""
    ref = factory.ticket(S.TRIAGE)
    with app.test_request_context():
        first = db.session.get(Ticket, ref.id)
        sec = db.session.get(User, ref.secretary.id)
        second_session = Session(db.engine, expire_on_commit=False)
        second = second_session.get(Ticket, ref.id)
        second_session.commit()  # B has read version N and holds no transaction, like a form in a browser
        services.edit_ticket(first, sec, first.version, title="甲的修改", description=first.description,
                             category_id=first.category_id, urgency="normal")
        second.title = "乙的修改"
        from sqlalchemy.orm.exc import StaleDataError
        with pytest.raises(StaleDataError):
            second_session.commit()
        second_session.rollback()
        second_session.close()
    assert factory.get_ticket(ref.id)["title"] == "甲的修改"


def test_edit_without_changes_records_nothing(ctx, factory):
    ref = factory.ticket(S.TRIAGE)
    ticket = db.session.get(Ticket, ref.id)
    before = len(ticket.events)
    changed = services.edit_ticket(ticket, db.session.get(User, ref.secretary.id), ticket.version,
                                   title=ticket.title, description=ticket.description,
                                   category_id=ticket.category_id, urgency=ticket.urgency)
    assert changed is False and len(db.session.get(Ticket, ref.id).events) == before


def test_edit_records_before_and_after(ctx, factory):
    ref = factory.ticket(S.TRIAGE)
    ticket = db.session.get(Ticket, ref.id)
    services.edit_ticket(ticket, db.session.get(User, ref.secretary.id), ticket.version, title="用电增容",
                         description=ticket.description, category_id=ticket.category_id, urgency="urgent")
    event = db.session.get(Ticket, ref.id).events[-1]
    assert event.kind == EventKind.EDITED.value
    assert event.details == {"title": ["厂房施工许可办理咨询", "用电增容"], "urgency": ["normal", "urgent"]}


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OFFICER])
def test_roles_without_the_right_are_refused(ctx, factory, role):
    ref = factory.ticket(S.INTAKE)
    person = factory.user(role)
    ticket = db.session.get(Ticket, ref.id)
    with pytest.raises(NotAllowed):
        services.accept_ticket(ticket, db.session.get(User, person.id), ticket.version)
    assert db.session.get(Ticket, ref.id).state == S.INTAKE.value


@pytest.mark.parametrize("reason", ["", "   ", "\x00", "长" * 2001])
def test_reasons_are_required_and_bounded(ctx, factory, reason):
    ref = factory.ticket(S.INTAKE)
    ticket = db.session.get(Ticket, ref.id)
    events_before = db.session.query(TicketEvent).count()
    with pytest.raises(ValidationFailed):
        services.reject_ticket(ticket, db.session.get(User, ref.secretary.id), ticket.version, reason)
    db.session.rollback()
    assert db.session.get(Ticket, ref.id).state == S.INTAKE.value
    assert db.session.query(TicketEvent).count() == events_before
