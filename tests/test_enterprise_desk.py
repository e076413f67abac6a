"""The secretary's desk (issue 16): enterprises created and edited in the app with their contacts, 联系秘书 given
one by one or in bulk (an event per enterprise), cases routed to the 联系秘书 or to the shared pool, taking a case
from the pool or from a colleague, offline intake's credit-code checks, and one page per enterprise."""
import json

from sqlalchemy import select

from app.enums import Role, TicketState as S
from app.extensions import db
from app.models import Enterprise, EnterpriseContact, EnterpriseEvent, Ticket, TicketEvent
from tests.factories import valid_credit_code


def _enterprise(app, enterprise_id):
    with app.app_context():
        e = db.session.get(Enterprise, enterprise_id)
        return {"name": e.name, "credit_code": e.credit_code, "secretary_id": e.secretary_id,
                "contact_name": e.contact_name, "mobile": e.mobile, "verified": e.contact_verified,
                "contacts": [(c.name, c.title, c.mobile, c.is_primary, c.verified) for c in e.contacts]}


def _events(app, enterprise_id):
    with app.app_context():
        return [(e.kind, json.loads(e.changes), e.actor_name) for e in db.session.scalars(
            select(EnterpriseEvent).where(EnterpriseEvent.enterprise_id == enterprise_id)
            .order_by(EnterpriseEvent.id))]


def _new_form(**changes):
    data = {"name": "苏州星河精密制造有限公司", "credit_code": valid_credit_code(901), "park": "独墅湖科教创新区",
            "industry": "高端装备", "secretary_id": "",
            "contacts-0-name": "周敏", "contacts-0-title": "行政经理", "contacts-0-mobile": "13912340001",
            "contacts-0-verified": "y",
            "contacts-1-name": "钱涛", "contacts-1-title": "财务总监", "contacts-1-mobile": "13912340002",
            "contacts-2-name": "", "contacts-2-title": "", "contacts-2-mobile": "",
            "primary": "1"}
    data.update(changes)
    return data


# ---- CRUD ---------------------------------------------------------------------------------------------------

def test_supervisor_creates_an_enterprise_with_contacts_and_its_history_says_so(app, factory, login):
    supervisor, secretary = factory.user(Role.SUPERVISOR), factory.user(Role.SECRETARY)
    client = login(app.test_client(), supervisor)
    assert client.get("/enterprises/new").status_code == 200
    response = client.post("/enterprises/new", data=_new_form(secretary_id=str(secretary.id)))
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    with app.app_context():
        eid = db.session.scalar(select(Enterprise.id).where(Enterprise.name == "苏州星河精密制造有限公司"))
    e = _enterprise(app, eid)
    # Two rows typed (the blank third is dropped), the second marked primary; a supervisor's tick verifies.
    assert e["contacts"] == [("周敏", "行政经理", "13912340001", False, True),
                             ("钱涛", "财务总监", "13912340002", True, False)]
    # The company's own contact fields follow the primary contact (钱涛, not verified).
    assert (e["contact_name"], e["mobile"], e["verified"]) == ("钱涛", "13912340002", False)
    assert e["secretary_id"] == secretary.id
    events = _events(app, eid)
    assert [k for k, _c, _a in events] == ["created"]
    assert events[0][1]["name"] == [None, "苏州星河精密制造有限公司"]
    page = client.get(f"/enterprises/{eid}").get_data(as_text=True)
    assert "新建企业" in page and "周敏" in page and "主要联系人" in page


def test_bad_credit_code_is_refused_in_chinese_and_nothing_typed_is_lost(app, factory, login):
    supervisor = factory.user(Role.SUPERVISOR)
    client = login(app.test_client(), supervisor)
    good = valid_credit_code(902)
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")  # the check character no longer matches
    before = factory.count(Enterprise)
    response = client.post("/enterprises/new", data=_new_form(credit_code=wrong_check))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "统一社会信用代码应为 18 位，且校验位正确，请核对。" in html
    assert "苏州星河精密制造有限公司" in html and "13912340002" in html and "财务总监" in html
    assert factory.count(Enterprise) == before

    bad_mobile = client.post("/enterprises/new", data=_new_form(**{"contacts-1-mobile": "1391234"}))
    html = bad_mobile.get_data(as_text=True)
    assert bad_mobile.status_code == 400 and "第 2 位联系人：请填写正确的 11 位手机号码。" in html
    assert "1391234" in html and factory.count(Enterprise) == before


def test_a_credit_code_already_registered_is_refused_naming_its_enterprise(app, factory, login):
    supervisor = factory.user(Role.SUPERVISOR)
    eid = factory.enterprise()
    existing = _enterprise(app, eid)
    client = login(app.test_client(), supervisor)
    response = client.post("/enterprises/new", data=_new_form(credit_code=existing["credit_code"]))
    assert response.status_code == 400
    assert f"已登记为企业“{existing['name']}”" in response.get_data(as_text=True)

    edit = client.post(f"/enterprises/{eid}/edit", data={"name": "改名后的企业有限公司",
                                                          "credit_code": existing["credit_code"], "park": "园区A",
                                                          "industry": ""})
    assert edit.status_code == 303
    assert _enterprise(app, eid)["name"] == "改名后的企业有限公司"
    kind, changes, _actor = _events(app, eid)[-1]
    assert kind == "edited" and changes["name"] == [existing["name"], "改名后的企业有限公司"]
    assert changes["park"] == ["", "园区A"] and "credit_code" not in changes  # only what changed


def test_secretary_edits_own_enterprises_contacts_only_and_cannot_verify(app, factory, login):
    me, other = factory.user(Role.SECRETARY), factory.user(Role.SECRETARY)
    mine, theirs = factory.enterprise(me), factory.enterprise(other)
    supervisor = factory.user(Role.SUPERVISOR)
    # A supervisor first verifies the company's contact (the old 核实联系人 form): it becomes the primary row.
    sup = login(app.test_client(), supervisor)
    assert sup.post(f"/enterprises/{mine}/contact", data={"contact_name": "王经理", "mobile": "13812345678"}
                    ).status_code == 303
    assert _enterprise(app, mine)["contacts"] == [("王经理", "", "13812345678", True, True)]
    client = login(app.test_client(), me)
    form = client.get(f"/enterprises/{mine}/contacts").get_data(as_text=True)
    assert "王经理" in form
    with app.app_context():
        cid = db.session.scalar(select(EnterpriseContact.id).where(EnterpriseContact.enterprise_id == mine))
    data = {"contacts-0-id": str(cid), "contacts-0-name": "王经理", "contacts-0-title": "总经理",
            "contacts-0-mobile": "13812345678", "contacts-0-verified": "y",
            "contacts-1-name": "李会计", "contacts-1-title": "会计", "contacts-1-mobile": "13700000001",
            "contacts-1-verified": "y", "primary": "0"}
    assert client.post(f"/enterprises/{mine}/contacts", data=data).status_code == 303
    e = _enterprise(app, mine)
    # Unchanged name and mobile keep 王经理 verified; the secretary's tick cannot verify 李会计.
    assert e["contacts"] == [("王经理", "总经理", "13812345678", True, True),
                             ("李会计", "会计", "13700000001", False, False)]
    assert (e["mobile"], e["verified"]) == ("13812345678", True)
    # Making the unverified colleague primary takes the company's cases away from the old number at once.
    assert client.post(f"/enterprises/{mine}/contacts", data={**data, "primary": "1"}).status_code == 303
    e = _enterprise(app, mine)
    assert (e["contact_name"], e["mobile"], e["verified"]) == ("李会计", "13700000001", False)
    assert [k for k, _c, _a in _events(app, mine)] == ["contacts", "contacts", "contacts"]
    # Another secretary's enterprise: no form, no save.
    assert client.get(f"/enterprises/{theirs}/contacts").status_code == 403
    assert client.post(f"/enterprises/{theirs}/contacts", data=data).status_code == 403
    assert _enterprise(app, theirs)["contacts"] == []


def test_sign_in_follows_the_verified_primary_contact(app, factory, login):
    secretary, supervisor = factory.user(Role.SECRETARY), factory.user(Role.SUPERVISOR)
    ref = factory.ticket(S.TRIAGE, secretary=secretary, contact_mobile="13600000009")
    sup = login(app.test_client(), supervisor)
    data = {"contacts-0-name": "赵总", "contacts-0-title": "董事长", "contacts-0-mobile": "13500000001",
            "contacts-0-verified": "y", "primary": "0"}
    assert sup.post(f"/enterprises/{ref.enterprise_id}/contacts", data=data).status_code == 303
    from app.public import mine
    with app.app_context():
        ticket = db.session.get(Ticket, ref.id)
        # The verified primary number sees the company's case; before, that number saw nothing.
        assert mine.may_see("13500000001", ticket)
    data["contacts-0-verified"] = ""
    assert sup.post(f"/enterprises/{ref.enterprise_id}/contacts", data=data).status_code == 303
    with app.app_context():
        assert not mine.may_see("13500000001", db.session.get(Ticket, ref.id))


# ---- 联系秘书 and the pool -------------------------------------------------------------------------------------

def test_bulk_reassign_asks_to_confirm_then_writes_one_event_per_enterprise(app, factory, login):
    supervisor = factory.user(Role.SUPERVISOR)
    old, new = factory.user(Role.SECRETARY), factory.user(Role.SECRETARY)
    ids = [factory.enterprise(old), factory.enterprise(old), factory.enterprise(None)]
    waiting = factory.ticket(S.INTAKE, enterprise_id=ids[0], secretary=old)  # routed to `old`, not yet accepted
    pooled = factory.ticket(S.INTAKE, enterprise_id=ids[2])  # no 联系秘书: in the pool
    client = login(app.test_client(), supervisor)
    form = {"enterprise_ids": [str(i) for i in ids], "secretary_id": str(new.id)}
    confirm = client.post("/enterprises/assign", data=form)
    assert confirm.status_code == 200 and "确认分配" in confirm.get_data(as_text=True)
    assert all(_enterprise(app, i)["secretary_id"] != new.id for i in ids)  # nothing yet
    assert client.post("/enterprises/assign", data={**form, "confirm": "1"}).status_code == 303
    assert [_enterprise(app, i)["secretary_id"] for i in ids] == [new.id] * 3
    for i in ids:
        events = _events(app, i)
        assert [k for k, _c, _a in events] == ["secretary"], i
    # The cases not yet accepted follow the enterprise to its new 联系秘书, the pool's case too.
    assert factory.get_ticket(waiting.id)["secretary_id"] == new.id
    assert factory.get_ticket(pooled.id)["secretary_id"] == new.id


def test_cases_go_to_the_contact_secretary_and_unassigned_ones_to_the_pool(app, factory, login):
    a, b = factory.user(Role.SECRETARY), factory.user(Role.SECRETARY)
    routed = factory.ticket(S.INTAKE, secretary=a, title="甲秘书企业的诉求")
    pooled = factory.ticket(S.INTAKE, enterprise_id=factory.enterprise(None), title="无人联系企业的诉求")
    assert factory.get_ticket(routed.id)["secretary_id"] == a.id
    assert factory.get_ticket(pooled.id)["secretary_id"] is None
    html_a = login(app.test_client(), a).get("/workspace").get_data(as_text=True)
    queue_a = html_a.split('id="queue"')[1].split("</div>")[0]
    assert routed.number in queue_a and pooled.number not in queue_a
    html_b = login(app.test_client(), b).get("/workspace").get_data(as_text=True)
    queue_b = html_b.split('id="queue"')[1].split("</div>")[0]
    assert routed.number not in queue_b  # a colleague's enterprise is not in B's queue
    pool_b = html_b.split('id="pool-h"')[1]
    assert pooled.number in pool_b and routed.number not in pool_b
    # One case in the pool: the menu and the pool heading both say 1.
    assert '<span class="badge rounded-pill text-bg-warning" aria-label="1 件待领取">1</span>' in html_b
    listed = login(app.test_client(), b).get("/tickets?pool=1").get_data(as_text=True)
    assert pooled.number in listed and routed.number not in listed


def test_taking_from_the_pool_is_recorded(app, factory, login):
    b = factory.user(Role.SECRETARY)
    pooled = factory.ticket(S.INTAKE, enterprise_id=factory.enterprise(None))
    client = login(app.test_client(), b)
    assert "从公共池领取" in client.get(f"/tickets/{pooled.id}").get_data(as_text=True)  # the button
    # A page seen before someone else changed the case: refused as a conflict, nothing taken.
    stale = client.post(f"/tickets/{pooled.id}/take", data={"version": str(_version(app, pooled.id) + 5)})
    assert stale.status_code == 303 and "已被其他人修改" in client.get(stale.headers["Location"]).get_data(as_text=True)
    assert factory.get_ticket(pooled.id)["secretary_id"] is None
    response = client.post(f"/tickets/{pooled.id}/take", data={"version": str(_version(app, pooled.id))})
    assert response.status_code == 303
    assert client.get(response.headers["Location"]).status_code == 200
    assert factory.get_ticket(pooled.id)["secretary_id"] == b.id
    with app.app_context():
        event = db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == pooled.id,
                                                             TicketEvent.kind == "assigned")).one()
        assert event.body == "从公共池领取" and event.actor_id == b.id


def test_accepting_a_colleagues_case_takes_it_over_without_a_404(app, factory, login):
    a, b = factory.user(Role.SECRETARY), factory.user(Role.SECRETARY)
    ref = factory.ticket(S.INTAKE, secretary=a)
    client = login(app.test_client(), b)
    page = client.get(f"/tickets/{ref.id}")
    assert page.status_code == 200
    accepted = client.post(f"/tickets/{ref.id}/actions/accept", data={"version": str(_version(app, ref.id))})
    assert accepted.status_code == 303
    # Before the fix B lost sight of the case the moment it left intake: the redirect ended on a 404.
    assert client.get(accepted.headers["Location"]).status_code == 200
    t = factory.get_ticket(ref.id)
    assert t["state"] == "triage" and t["secretary_id"] == b.id
    with app.app_context():
        body = db.session.scalar(select(TicketEvent.body).where(TicketEvent.ticket_id == ref.id,
                                                                TicketEvent.kind == "assigned"))
        a_name = db.session.get(__import__("app.models", fromlist=["User"]).User, a.id).display_name
    assert body == f"从 {a_name} 处接手"


def test_taking_a_colleagues_case_by_the_button_and_what_stays_hidden(app, factory, login):
    a, b = factory.user(Role.SECRETARY), factory.user(Role.SECRETARY)
    ref = factory.ticket(S.INTAKE, secretary=a)
    progressing = factory.ticket(S.PROCESSING, secretary=a)
    client = login(app.test_client(), b)
    assert client.post(f"/tickets/{ref.id}/take", data={"version": str(_version(app, ref.id))}).status_code == 303
    assert factory.get_ticket(ref.id)["secretary_id"] == b.id
    # A colleague's case in progress stays hidden from B (and cannot be taken).
    assert client.get(f"/tickets/{progressing.id}").status_code == 404
    assert client.post(f"/tickets/{progressing.id}/take", data={}).status_code == 404
    assert factory.get_ticket(progressing.id)["secretary_id"] == a.id
    # A supervisor does not take cases.
    sup = login(app.test_client(), factory.user(Role.SUPERVISOR))
    assert sup.post(f"/tickets/{ref.id}/take", data={}).status_code == 403


def _version(app, ticket_id):
    with app.app_context():
        return db.session.get(Ticket, ticket_id).version


# ---- offline intake ---------------------------------------------------------------------------------------

def _offline(factory, **changes):
    data = {"enterprise_id": "", "new_enterprise_name": "", "new_credit_code": "", "channel": "visit",
            "contact_name": "孙经理", "mobile": "13911112222", "category_id": str(factory.category()),
            "urgency": "normal", "title": "厂房消防验收咨询", "description": "想了解消防验收需要准备的材料。"}
    data.update(changes)
    return data


def test_offline_intake_refuses_a_credit_code_of_another_enterprise_naming_it(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    eid = factory.enterprise(secretary)
    existing = _enterprise(app, eid)
    client = login(app.test_client(), secretary)
    before = factory.count(Ticket)
    response = client.post("/tickets/new", data=_offline(factory, new_enterprise_name="另一家公司有限公司",
                                                          new_credit_code=existing["credit_code"]))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f"已登记为企业“{existing['name']}”，与填写的企业名称不一致" in html
    assert "厂房消防验收咨询" in html and "另一家公司有限公司" in html  # nothing typed lost
    assert factory.count(Ticket) == before
    # The same code with the registered name files the case under that enterprise, no question asked.
    same = client.post("/tickets/new", data=_offline(factory, new_enterprise_name=existing["name"],
                                                      new_credit_code=existing["credit_code"]))
    assert same.status_code == 200 and factory.count(Ticket) == before + 1


def test_a_new_enterprise_is_confirmed_before_it_is_saved(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    client = login(app.test_client(), secretary)
    code = valid_credit_code(903)
    data = _offline(factory, new_enterprise_name="苏州新来的科技有限公司", new_credit_code=code)
    before_tickets, before_enterprises = factory.count(Ticket), factory.count(Enterprise)
    asked = client.post("/tickets/new", data=data)
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert f"将新建企业“苏州新来的科技有限公司”（代码 {code}），请确认。" in html
    assert (factory.count(Ticket), factory.count(Enterprise)) == (before_tickets, before_enterprises)
    confirmed = client.post("/tickets/new", data={**data, "confirm_new": f"苏州新来的科技有限公司|{code}"})
    assert confirmed.status_code == 200 and "请确认" not in confirmed.get_data(as_text=True)
    assert (factory.count(Ticket), factory.count(Enterprise)) == (before_tickets + 1, before_enterprises + 1)
    with app.app_context():
        eid = db.session.scalar(select(Enterprise.id).where(Enterprise.credit_code == code))
    assert [k for k, _c, _a in _events(app, eid)] == ["created"]
    # A confirmation given for another name does not count: asked again.
    again = client.post("/tickets/new", data={**data, "new_enterprise_name": "苏州另一家科技有限公司",
                                              "new_credit_code": "", "confirm_new": f"苏州新来的科技有限公司|{code}"})
    assert "将新建企业“苏州另一家科技有限公司”（未填统一社会信用代码），请确认。" in again.get_data(as_text=True)


# ---- one page per enterprise ------------------------------------------------------------------------------

def test_enterprise_page_lists_cases_projects_procedures_visits_meetings_and_visit_target(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    ref = factory.ticket(S.CONVENED, secretary=secretary, title="用地指标协调")
    client = login(app.test_client(), secretary)
    assert client.post("/visits/new", data={"enterprise_id": str(ref.enterprise_id), "kind": "visit",
                                            "visited_on": _today(app), "summary": "了解扩产计划"}).status_code == 303
    with app.test_request_context():
        from app.models import ProcedureType, User
        from app.projects import services as projects
        sec = db.session.get(User, secretary.id)
        project = projects.create_project(sec, db.session.get(Enterprise, ref.enterprise_id), name="二期厂房项目",
                                          investment_wan=8000, industry="", park="", leader="")
        kind = db.session.scalar(select(ProcedureType).where(ProcedureType.code == "construction_permit"))
        projects.create_procedure(sec, project.enterprise, kind.id, project=project)
        kind_name = kind.name
    html = client.get(f"/enterprises/{ref.enterprise_id}").get_data(as_text=True)
    assert ref.number in html and "用地指标协调" in html  # its case
    assert "二期厂房项目" in html  # its project
    assert kind_name in html  # its procedure
    assert "了解扩产计划" in html  # its visit
    assert "用地指标协调会办" in html  # the meeting convened on its case (the factory names it after the title)
    # One visit logged this month against the assessment's secretary visit target (default 4 a month).
    assert "本月走访 1 / 4 家次" in html


def _today(app):
    from sla.calendar import SHANGHAI
    return app.extensions["jj_clock"].now().astimezone(SHANGHAI).date().isoformat()


# ---- permissions ------------------------------------------------------------------------------------------

def test_officer_cannot_edit_enterprises_and_secretary_cannot_reassign(app, factory, login):
    officer, secretary = factory.user(Role.OFFICER), factory.user(Role.SECRETARY)
    eid = factory.enterprise(secretary)
    before = _enterprise(app, eid)
    off = login(app.test_client(), officer)
    for method, url in (("get", "/enterprises/new"), ("post", "/enterprises/new"), ("get", f"/enterprises/{eid}/edit"),
                        ("post", f"/enterprises/{eid}/edit"), ("get", f"/enterprises/{eid}/contacts"),
                        ("post", f"/enterprises/{eid}/contacts"), ("post", "/enterprises/assign")):
        assert getattr(off, method)(url, data={"name": "改名"} if method == "post" else None).status_code == 403, url
    sec = login(app.test_client(), secretary)
    other = factory.user(Role.SECRETARY)
    response = sec.post("/enterprises/assign", data={"enterprise_ids": [str(eid)], "secretary_id": str(other.id),
                                                     "confirm": "1"})
    assert response.status_code == 403
    assert sec.post(f"/enterprises/{eid}/edit", data={"name": "改名"}).status_code == 403
    assert _enterprise(app, eid) == before and _events(app, eid) == []


def test_a_secretary_works_only_her_own_cases_and_takes_the_others_first(app, factory):
    # A pool case (its company has no 联系秘书) in progress: any secretary sees it (and may add an internal note),
    # none may resolve or reply before taking it; once taken, the taker may. A case still waiting to be accepted may be accepted (which
    # takes it over). A supervisor may always act.
    from app.models import Ticket as T, User as U
    from app.tickets import access
    from app.enums import TicketState
    taker, other = factory.user(Role.SECRETARY), factory.user(Role.SECRETARY)
    supervisor = factory.user(Role.SUPERVISOR)
    pooled = factory.ticket(TicketState.PROCESSING, enterprise_id=factory.enterprise(None))
    waiting = factory.ticket(TicketState.INTAKE, enterprise_id=factory.enterprise(None))
    with app.test_request_context():
        case, new = db.session.get(T, pooled.id), db.session.get(T, waiting.id)
        case.secretary_id = None
        db.session.commit()
        for person in (taker, other):
            me = db.session.get(U, person.id)
            assert access.can_view(me, case)
            assert not any(access.can(me, action, case) for action in ("resolve", "reply"))
            assert access.can(me, "accept", new)
        assert access.can(db.session.get(U, supervisor.id), "resolve", case)
        case.secretary_id = taker.id  # taken
        db.session.commit()
        assert access.can(db.session.get(U, taker.id), "resolve", case)
        assert not access.can(db.session.get(U, other.id), "resolve", case)


def test_verifying_a_contact_on_the_contacts_form_is_in_the_audit_trail(app, factory, login):
    # The primary contact decides who sees all the company's cases: changing or verifying it writes one audit
    # record with the fields before and after.
    from app.models import AuditRecord
    supervisor = factory.user(Role.SUPERVISOR)
    enterprise_id = factory.enterprise(None)
    client = login(app.test_client(), supervisor)
    with app.app_context():
        contact = db.session.scalars(select(EnterpriseContact).where(
            EnterpriseContact.enterprise_id == enterprise_id)).first()
        before = db.session.query(AuditRecord).count()
    data = {"contacts-0-name": "王经理", "contacts-0-title": "", "contacts-0-mobile": "13812345678",
            "contacts-0-verified": "y", "primary": "0"}
    if contact is not None:
        data["contacts-0-id"] = str(contact.id)
    answer = client.post(f"/enterprises/{enterprise_id}/contacts", data=data)
    assert answer.status_code in (200, 303), answer.get_data(as_text=True)[:500]
    with app.app_context():
        records = db.session.query(AuditRecord).order_by(AuditRecord.id).all()[before:]
        assert [(r.entity_type, r.action) for r in records] == [("enterprise", "update")]
        assert json.loads(records[0].after_json) == {"contact_verified": True}


def test_taking_over_a_late_case_does_not_take_over_its_breach(app, factory, clock):
    # Submitted Monday 16 November 09:00 by a company in B's care: B's acknowledgement is due 24 hours later. B lets
    # it lapse; on Wednesday A accepts the case (taking it over). The late acknowledgement counts against B, not A;
    # the first-reply clock that starts at the acceptance is A's.
    from app.assessment.facts import facts
    from app.assessment.metrics import SECRETARY
    from app.assessment.period import Month
    from app.models import User as U
    from app.tickets import services
    from app.timesource import utcnow
    a, b = factory.user(Role.SECRETARY), factory.user(Role.SECRETARY)
    late = factory.ticket(S.INTAKE, secretary=b, enterprise_id=factory.enterprise(b))
    clock.advance(days=2)
    with app.test_request_context():
        t = db.session.get(Ticket, late.id)
        services.accept_ticket(t, db.session.get(U, a.id), t.version)
        f = facts(SECRETARY, Month(2026, 11), utcnow(), only=["response"])
        rows = [(r.unit_id, r.reason) for r in db.session.execute(select(f).where(f.c.ticket_id == late.id))]
        assert (b.id, "late") in rows and (a.id, "late") not in rows
        assert db.session.get(Ticket, late.id).secretary_id == a.id


def test_a_superscript_digit_in_an_id_field_is_ignored_not_a_server_error(app, factory, login):
    # "²".isdigit() is True but int("²") raises: a fuzzed 分配联系秘书 form with enterprise_ids=["²"] answered 500.
    from app.text import is_digits
    assert [is_digits(v) for v in ("12", "²", "①", "٣", "", " 1", "1a")] == [True, False, False, False, False,
                                                                            False, False]
    client = login(app.test_client(), factory.user(Role.SUPERVISOR))
    r = client.post("/enterprises/assign", data={"enterprise_ids": ["²", "①"], "secretary_id": "²"})
    assert r.status_code < 500


def test_the_visit_list_pages_a_secretarys_own_visits_latest_first(app, factory, login, clock, monkeypatch):
    """Three visits of hers (on the 3rd, 1st and 2nd of November) and one of a colleague's; two a page: the 3rd and
    the 2nd, then the 1st. The list used to stop at the latest 200 with no way further."""
    from datetime import date

    from app.enterprises import services, views
    monkeypatch.setattr(views, "VISITS_PER_PAGE", 2)
    her, colleague = factory.user(Role.SECRETARY), factory.user(Role.SECRETARY)
    with app.app_context():
        from app.models import User
        for who, day, summary in ((her, 3, "三日走访"), (her, 1, "一日走访"), (her, 2, "二日走访"),
                                  (colleague, 4, "同事走访")):
            services.log_visit(db.session.get(User, who.id), db.session.get(Enterprise, factory.enterprise(who)),
                               "visit", date(2026, 11, day), "", summary)
    client = login(app.test_client(), her)
    first, second = (client.get(f"/visits?page={n}").get_data(as_text=True) for n in (1, 2))
    assert "共 3 条" in first and "1 / 2" in first and "2 / 2" in second
    assert first.index("三日走访") < first.index("二日走访") and "一日走访" not in first
    assert "一日走访" in second and "同事走访" not in first + second
