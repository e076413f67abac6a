"""The workspace: the queue by deadline, filtered lists through HTMX, ticket actions and conflicts in the UI."""
import io
import re

from app.enums import Role, TicketState as S

PDF = b"%PDF-1.4\n%%EOF\n"


def test_secretary_queue_is_sorted_by_deadline(app, factory, login, clock):
    me = factory.user(Role.SECRETARY)
    later = factory.ticket(S.TRIAGE, secretary=me, title="后提交的诉求")  # due end of next working day
    clock.advance(hours=-30)
    earlier = factory.ticket(S.INTAKE, secretary=me, title="先提交的诉求")  # due 24 h after submission
    clock.advance(hours=30)
    html = login(app.test_client(), me).get("/workspace").get_data(as_text=True)
    assert html.index(earlier.number) < html.index(later.number)
    assert "超期 6 小时" in html  # the intake ticket is 6 hours past its 24-hour acknowledgement


def test_officer_queue_shows_what_to_sign(app, factory, login):
    officer = factory.user(Role.OFFICER)
    pending = factory.ticket(S.PROCESSING, lead_officer=officer)
    html = login(app.test_client(), officer).get("/workspace").get_data(as_text=True)
    assert pending.number in html


def test_officer_queue_shows_the_departments_own_part_and_deadline(app, factory, login, clock):
    # An officer's queue shows, for each case, what the department itself can do now and the deadline of that part:
    # its own sign-off clock, not another department's on the same case, or the resolution clock of a case it leads.
    from sqlalchemy import select
    from app.extensions import db
    from app.models import Assignment, Ticket, TicketClock, User
    from app.tickets import services
    from app.timesource import utcnow
    officer, other = factory.user(Role.OFFICER), factory.user(Role.OFFICER)
    # Dispatched on Monday 2026-11-16, led by the other department with ours supporting: both parts are pending.
    # A sign-off takes 1 working day, so ours is due at the end of Tuesday 2026-11-17. The other department's clock
    # (the first one started) is moved to Friday to tell the two apart.
    supported = factory.ticket(S.PROCESSING, lead_officer=other, support_department_ids=[officer.department_id])
    # Led by our department and signed: it reports progress against the resolution clock, 5 working days from
    # Monday: Tue 17, Wed 18, Thu 19, Fri 20, Mon 23, so due at the end of 2026-11-23.
    led = factory.ticket(S.PROCESSING, lead_officer=officer)
    with app.test_request_context("/"):
        t = db.session.get(Ticket, led.id)
        services.sign_assignment(t, db.session.get(User, officer.id), t.version)
        theirs = db.session.scalar(select(TicketClock).join(Assignment, Assignment.id == TicketClock.assignment_id)
                                   .where(Assignment.ticket_id == supported.id,
                                          Assignment.department_id == other.department_id))
        assert theirs.stopped_at is None
        theirs.due_at = utcnow().replace(day=20, hour=15, minute=59, second=59)  # 2026-11-20 23:59:59 in Beijing
        db.session.commit()
    html = login(app.test_client(), officer).get("/workspace").get_data(as_text=True)
    rows = {number: row for row in html.split("<tr") for number in (supported.number, led.number) if number in row}
    assert "签收" in rows[supported.number] and "2026-11-17 24:00" in rows[supported.number]
    assert "2026-11-20" not in rows[supported.number]
    assert "报告进展" in rows[led.number] and "2026-11-23 24:00" in rows[led.number]
    assert html.index(supported.number) < html.index(led.number)  # by the department's own deadlines


def test_supervisor_queue_shows_only_overdue(app, factory, login, clock):
    supervisor = factory.user(Role.SUPERVISOR)
    overdue = factory.ticket(S.INTAKE)
    clock.advance(days=2)
    fresh = factory.ticket(S.INTAKE)
    html = login(app.test_client(), supervisor).get("/workspace").get_data(as_text=True)
    assert overdue.number in html and fresh.number not in html


def test_list_filters_return_a_fragment_for_htmx_and_a_page_otherwise(app, factory, login):
    supervisor = factory.user(Role.SUPERVISOR)
    a = factory.ticket(S.PROCESSING, title="用电增容")
    b = factory.ticket(S.INTAKE, title="人才公寓申请")
    client = login(app.test_client(), supervisor)
    fragment = client.get("/tickets?state=intake", headers={"HX-Request": "true", "HX-Target": "ticket-list"})
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and b.number in html and a.number not in html
    full = client.get("/tickets?state=intake").get_data(as_text=True)
    assert "<html" in full and 'hx-push-url="true"' in full and b.number in full and a.number not in full


def test_list_filters_by_department_search_and_date(app, factory, login, clock):
    supervisor = factory.user(Role.SUPERVISOR)
    officer = factory.user(Role.OFFICER)
    a = factory.ticket(S.PROCESSING, lead_officer=officer, title="天然气接入报装")
    clock.advance(days=3)
    b = factory.ticket(S.PROCESSING, title="出口退税进度")
    client = login(app.test_client(), supervisor)
    by_dept = client.get(f"/tickets?department={officer.department_id}").get_data(as_text=True)
    assert a.number in by_dept and b.number not in by_dept
    by_text = client.get("/tickets?q=退税").get_data(as_text=True)
    assert b.number in by_text and a.number not in by_text
    by_number = client.get(f"/tickets?q={a.number}").get_data(as_text=True)
    assert a.number in by_number and b.number not in by_number
    by_date = client.get("/tickets?from=2026-11-19&to=2026-11-19").get_data(as_text=True)
    assert b.number in by_date and a.number not in by_date


def test_hostile_filter_values_are_ignored_not_executed(app, factory, login):
    supervisor = factory.user(Role.SUPERVISOR)
    factory.ticket(S.INTAKE)
    client = login(app.test_client(), supervisor)
    for query in ("state=intake' OR 1=1--", "sort=id;DROP TABLE ticket", "category=1 OR 1=1", "page=-5",
                  "q=%25%27%22%3B--", "from=2026-13-45", "department=abc", "page=99999999999999999999"):
        response = client.get(f"/tickets?{query}")
        assert response.status_code == 200, query
    assert "共 1 件" in client.get("/tickets").get_data(as_text=True)
    nul = client.get("/tickets?q=%00")
    assert nul.status_code == 400 and "无效字符" in nul.get_data(as_text=True)


def test_pagination_keeps_filters(app, factory, login):
    app.config["PAGE_SIZE"] = 2
    supervisor = factory.user(Role.SUPERVISOR)
    secretary = factory.user(Role.SECRETARY)
    for _ in range(5):
        factory.ticket(S.INTAKE, secretary=secretary)
    client = login(app.test_client(), supervisor)
    html = client.get("/tickets?state=intake").get_data(as_text=True)
    assert "1 / 3" in html and "page=2" in html and "state=intake" in html
    page3 = client.get("/tickets?state=intake&page=3").get_data(as_text=True)
    assert len(re.findall(r'class="title-link"', page3)) == 1


def test_actions_through_htmx_return_the_panel(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    ref = factory.ticket(S.INTAKE, secretary=secretary)
    client = login(app.test_client(), secretary)
    version = factory.get_ticket(ref.id)["version"]
    response = client.post(f"/tickets/{ref.id}/actions/accept", data={"version": version},
                           headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="ticket-main"' in html and "<html" not in html
    assert "已受理" in html and factory.get_ticket(ref.id)["state"] == S.TRIAGE.value


def test_refused_action_in_the_ui_is_409_and_changes_nothing(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    ref = factory.ticket(S.CLOSED, secretary=secretary)
    before = factory.get_ticket(ref.id)
    client = login(app.test_client(), secretary)
    response = client.post(f"/tickets/{ref.id}/actions/resolve", data={"version": before["version"], "outcome": "x"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 409 and "当前状态为" in response.get_data(as_text=True)
    assert factory.get_ticket(ref.id) == before


def test_second_save_of_the_same_version_gets_a_conflict(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    ref = factory.ticket(S.TRIAGE, secretary=secretary)
    seen = factory.get_ticket(ref.id)
    first, second = login(app.test_client(), secretary), login(app.test_client(), factory.user(Role.SUPERVISOR))
    form = {"version": seen["version"], "description": "描述更新了一些内容", "category_id": "", "urgency": "normal"}
    with app.app_context():
        from app.extensions import db
        from app.models import Ticket
        form["category_id"] = str(db.session.get(Ticket, ref.id).category_id)
    ok = first.post(f"/tickets/{ref.id}/actions/edit", data={**form, "title": "甲改的标题"})
    conflict = second.post(f"/tickets/{ref.id}/actions/edit", data={**form, "title": "乙改的标题"},
                           headers={"HX-Request": "true"})
    assert ok.status_code == 303
    assert conflict.status_code == 409 and "其他人修改" in conflict.get_data(as_text=True)
    snap = factory.get_ticket(ref.id)
    assert snap["title"] == "甲改的标题" and snap["events"].count("edited") == 1


def test_dispatch_from_the_ticket_page(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    officer = factory.user(Role.OFFICER)
    support = factory.department()
    ref = factory.ticket(S.TRIAGE, secretary=secretary)
    client = login(app.test_client(), secretary)
    page = client.get(f"/tickets/{ref.id}").get_data(as_text=True)
    assert "转办" in page and "主办部门" in page
    v = factory.get_ticket(ref.id)["version"]
    client.post(f"/tickets/{ref.id}/actions/dispatch", data={
        "version": v, "lead_department_id": str(officer.department_id),
        "support_department_ids": [str(support)], "instructions": "请三个工作日内反馈"})
    snap = factory.get_ticket(ref.id)
    assert snap["state"] == S.PROCESSING.value
    assert sorted(snap["assignments"]) == sorted([(officer.department_id, "lead", "pending"), (support, "support", "pending")])


def test_officer_signs_reports_and_returns(app, factory, login):
    officer = factory.user(Role.OFFICER)
    ref = factory.ticket(S.PROCESSING, lead_officer=officer)
    client = login(app.test_client(), officer)
    v = factory.get_ticket(ref.id)["version"]
    assert client.post(f"/tickets/{ref.id}/actions/sign", data={"version": v}).status_code == 303
    client.post(f"/tickets/{ref.id}/actions/progress", data={"body": "已现场核查", "public": "y"},
                content_type="multipart/form-data")
    v = factory.get_ticket(ref.id)["version"]
    response = client.post(f"/tickets/{ref.id}/actions/return", data={"version": v, "reason": "属于规划部门职责"},
                           headers={"HX-Request": "true"})
    assert "已退回" in response.get_data(as_text=True)
    snap = factory.get_ticket(ref.id)
    assert snap["state"] == S.TRIAGE.value and snap["events"][-3:] == ["signed", "progress", "returned"]


def test_staff_attachment_download_is_an_attachment(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    ref = factory.ticket(S.TRIAGE, secretary=secretary)
    client = login(app.test_client(), secretary)
    client.post(f"/tickets/{ref.id}/actions/reply", content_type="multipart/form-data",
                data={"body": "请查收政策文件", "attachments": [(io.BytesIO(PDF), "政策.pdf")]})
    html = client.get(f"/tickets/{ref.id}").get_data(as_text=True)
    href = re.search(r'href="(/tickets/\d+/files/\d+)"', html).group(1)
    response = client.get(href)
    assert response.data == PDF and response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_history_shows_before_and_after(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    ref = factory.ticket(S.PROCESSING, secretary=secretary)
    html = login(app.test_client(), secretary).get(f"/tickets/{ref.id}/history").get_data(as_text=True)
    for label in ("提交诉求", "受理", "转办", "待受理", "待分派", "办理中"):
        assert label in html


def test_record_offline_ticket_from_a_visit(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    enterprise = factory.enterprise(secretary)
    category = factory.category()
    client = login(app.test_client(), secretary)
    client.post("/visits/new", data={"enterprise_id": str(enterprise), "kind": "visit", "visited_on": "2026-11-13",
                                     "summary": "走访发现企业用地问题"})
    with app.app_context():
        from app.models import Visit
        visit_id = Visit.query.one().id
    page = client.get(f"/tickets/new?visit_id={visit_id}").get_data(as_text=True)
    assert "来自走访" in page
    response = client.post("/tickets/new", data={
        "enterprise_id": str(enterprise), "channel": "visit", "visit_id": str(visit_id), "contact_name": "赵总",
        "mobile": "0512-66668888", "category_id": str(category), "urgency": "normal", "title": "地块规划条件调整",
        "description": "拟建研发楼的容积率与规划条件不一致。"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "访问码" in html
    with app.app_context():
        from app.models import Ticket
        ticket = Ticket.query.one()
        assert (ticket.state, ticket.channel, ticket.visit_id, ticket.secretary_id) == \
               ("triage", "visit", visit_id, secretary.id)


def test_visit_cannot_be_in_the_future(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    enterprise = factory.enterprise(secretary)
    client = login(app.test_client(), secretary)
    response = client.post("/visits/new", data={"enterprise_id": str(enterprise), "kind": "visit",
                                                "visited_on": "2026-12-01", "summary": "未来的走访"})
    assert response.status_code == 400 and "不能晚于今天" in response.get_data(as_text=True)


def test_enterprise_list_searches_by_name_and_code(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    mine = factory.enterprise(secretary)
    other = factory.enterprise(None)
    client = login(app.test_client(), secretary)
    with app.app_context():
        from app.extensions import db
        from app.models import Enterprise
        mine_name, other_code = db.session.get(Enterprise, mine).name, db.session.get(Enterprise, other).credit_code
    assert mine_name in client.get("/enterprises?mine=1").get_data(as_text=True)
    by_code = client.get(f"/enterprises?q={other_code}").get_data(as_text=True)
    assert other_code in by_code and mine_name not in by_code
    detail = client.get(f"/enterprises/{mine}").get_data(as_text=True)
    assert mine_name in detail and "登记走访" in detail


def test_each_queue_holds_exactly_what_its_rule_selects_most_urgent_first(app, factory, clock, monkeypatch):
    """The queues are gathered branch by branch (issue 13); what they hold must be what the plain rule "visible
    to me, and waiting on me" selects over every case, in deadline order, cut at the queue's size."""
    from sqlalchemy import func, select
    from app.enums import AssignmentStatus
    from app.extensions import db
    from app.models import Assignment, Ticket, User
    from app.tickets import queries
    from app.tickets.access import visible_filter
    from app.timesource import utcnow

    me, colleague = factory.user(Role.SECRETARY), factory.user(Role.SECRETARY)
    officer, other_officer = factory.user(Role.OFFICER), factory.user(Role.OFFICER)
    mine_ent, their_ent = factory.enterprise(me), factory.enterprise(colleague)
    for state in (S.INTAKE, S.TRIAGE, S.PROCESSING, S.CONVENED, S.ON_HOLD, S.RESOLVED, S.CLOSED, S.REJECTED):
        factory.ticket(state, secretary=me, lead_officer=officer, enterprise_id=mine_ent)
        factory.ticket(state, secretary=colleague, lead_officer=other_officer, enterprise_id=their_ent)
        clock.advance(hours=5)  # deadlines apart, so the order is the deadlines'
    # A case of my enterprise that a colleague holds is mine to watch too; a colleague's case of my enterprise.
    factory.ticket(S.TRIAGE, secretary=colleague, lead_officer=officer, enterprise_id=mine_ent)
    factory.ticket(S.PROCESSING, secretary=colleague, lead_officer=officer, enterprise_id=their_ent)
    in_progress = factory.ticket(S.PROCESSING, secretary=me, lead_officer=officer, enterprise_id=mine_ent)
    colleagues_at_mine = factory.ticket(S.PROCESSING, secretary=colleague, lead_officer=officer, enterprise_id=mine_ent)
    closed_mine = factory.ticket(S.CLOSED, secretary=me, lead_officer=officer, enterprise_id=their_ent)
    closed_at_mine = factory.ticket(S.CLOSED, secretary=colleague, lead_officer=officer, enterprise_id=mine_ent)
    closed_theirs = factory.ticket(S.CLOSED, secretary=colleague, lead_officer=other_officer, enterprise_id=their_ent)
    remedied = factory.ticket(S.CLOSED, secretary=me, lead_officer=officer, enterprise_id=mine_ent)
    # Cases the officer's department leads, signed and in progress (the other half of an officer's queue), more of
    # them than the smaller queue sizes below and made between parts still waiting for its signature, so that each
    # cut of the queue falls among led cases and pending parts alike.
    led = []
    for k in range(12):
        led.append(factory.ticket(S.PROCESSING, secretary=me, lead_officer=officer, enterprise_id=mine_ent))
        if k % 2:
            factory.ticket(S.PROCESSING, secretary=colleague, lead_officer=officer, enterprise_id=their_ent)
        clock.advance(hours=7)
    with app.app_context():
        from app.models import Ticket as T
        from app.tickets import services
        for ref in led:
            t = db.session.get(T, ref.id)
            services.sign_assignment(t, db.session.get(User, officer.id), t.version)
        # A led case in progress with no deadline shown (NULL sorts first on SQLite, last on PostgreSQL).
        db.session.get(T, led[2].id).due_at = None
        # Cases in progress already answered and still owed a first reply, mine and a colleague's of my enterprise
        # (a secretary's queue reads both from indexes): the answered ones leave her queue.
        answered = [led[0].id, led[1].id, in_progress.id]
        for ticket_id in answered:
            db.session.get(T, ticket_id).first_replied_at = utcnow()
        for ticket_id in (led[3].id, led[4].id, colleagues_at_mine.id):
            db.session.get(T, ticket_id).first_replied_at = None
        # A 差评 still to remedy keeps a closed case in the queue of the case's secretary and of its enterprise's
        # (a colleague's case of my enterprise); a remedied one, or one of another enterprise, does not.
        from app.models import Rating, Remediation
        for ref, open_ in ((closed_mine, True), (closed_at_mine, True), (closed_theirs, True), (remedied, False)):
            rating = Rating(ticket_id=ref.id, satisfaction="1", solved="unsolved", created_at=utcnow())
            db.session.add(rating)
            db.session.flush()
            db.session.add(Remediation(ticket_id=ref.id, rating_id=rating.id, opened_at=utcnow(),
                                       completed_at=None if open_ else utcnow()))
        db.session.commit()
    clock.advance(days=3)
    with app.test_request_context("/"):
        now = utcnow()
        signed_led = db.session.scalar(select(func.count()).select_from(Assignment).where(
            Assignment.status == AssignmentStatus.SIGNED.value, Assignment.ticket_id.in_([r.id for r in led])))
        assert signed_led == 12
        for person in (me, colleague, officer, other_officer):
            user = db.session.get(User, person.id)
            rule = (select(Ticket.id).where(visible_filter(user), queries.needs_me_filter(user))
                    .order_by(*queries.SORTS["due"]))
            expected = list(db.session.scalars(rule))
            assert expected, person  # every viewer has something waiting
            if person is me:  # the rule itself, case by case: owed a reply or a remedy, hers or her enterprise's
                assert {led[3].id, led[4].id, colleagues_at_mine.id, closed_mine.id, closed_at_mine.id} <= set(expected)
                assert not {in_progress.id, closed_theirs.id, remedied.id} & set(expected)
            if person is colleague:
                assert {closed_theirs.id, closed_at_mine.id, colleagues_at_mine.id} <= set(expected)
            for size in range(1, len(expected) + 2):
                got, more = queries.needs_me(user, now, limit=size)
                if user.is_officer:  # the same cases, shown in the order of the department's own deadlines
                    assert {t.id for t in got} == set(expected[:size]), (person, size)
                else:
                    assert [t.id for t in got] == expected[:size], (person, size)
                assert more == (len(expected) > size)


def test_a_long_queue_shows_its_most_urgent_cases_and_says_there_are_more(app, factory, login, clock, monkeypatch):
    me = factory.user(Role.SECRETARY)
    refs = []
    for _ in range(3):
        refs.append(factory.ticket(S.TRIAGE, secretary=me))
        clock.advance(hours=30)
    monkeypatch.setattr("app.tickets.queries.QUEUE_SIZE", 2)
    html = login(app.test_client(), me).get("/workspace").get_data(as_text=True)
    assert refs[0].number in html and refs[1].number in html and refs[2].number not in html
    assert "最紧急的 2 件，另有更多" in html
