"""一表制 and 代办: figures on hand-built data, sheet colours, the wall chart, the Excel export, procedures."""
import io
import re
from datetime import date, datetime

from openpyxl import load_workbook
from sqlalchemy import func, select

from app.enums import Role
from app.extensions import db
from app.models import Enterprise, Milestone, ParkTarget, Procedure, ProcedureType, Project, ProjectStage
from app.projects import sheet_figures


def make_project(app, factory, secretary, name, dates, permit_approved=None, order_reason=""):
    """A project with {stage code: (planned, actual)} and optionally an approved construction permit (dates out of
    stage order need `order_reason`)."""
    from app.models import User
    from app.projects import services
    enterprise_id = factory.enterprise(secretary)
    with app.test_request_context():
        sec = db.session.get(User, secretary.id)
        project = services.create_project(sec, db.session.get(Enterprise, enterprise_id), name=name,
                                          investment_wan=30000, industry="集成电路", park="科技城", leader="张区长")
        stages = {s.code: s.id for s in db.session.scalars(select(ProjectStage))}
        services.set_milestones(sec, project, {stages[c]: v for c, v in dates.items()}, order_reason=order_reason)
        if permit_approved:
            kind = db.session.scalar(select(ProcedureType).where(ProcedureType.code == "construction_permit"))
            procedure = services.create_procedure(sec, project.enterprise, kind.id, project=project)
            services.update_procedure(sec, procedure, status="approved", submitted_on=permit_approved,
                                      approved_on=permit_approved)
        return project.id


def test_figures_on_known_data(app, factory, login, clock):
    secretary = factory.user(Role.SECRETARY)
    a = make_project(app, factory, secretary, "芯片封测基地", {
        "sign": (date(2026, 2, 1), date(2026, 2, 13)), "land": (date(2026, 9, 1), date(2026, 9, 28)),
        "start": (date(2026, 2, 20), date(2026, 2, 24))}, permit_approved=date(2026, 10, 12),
        order_reason="老厂区改造先行开工，新增用地后补拿地")
    b = make_project(app, factory, secretary, "新材料产业园", {
        "sign": (date(2026, 3, 1), date(2026, 3, 2)), "production": (date(2026, 10, 1), date(2026, 10, 30))})
    make_project(app, factory, secretary, "去年签约项目", {"sign": (date(2025, 5, 1), date(2025, 5, 6))})
    with app.test_request_context():
        from app.projects.services import figures
        projects = db.session.scalars(select(Project).order_by(Project.id)).all()
        result = {f.key: f for f in figures(projects, 2026)}
    # 09-28 → 10-12: 9-29, 9-30, 10-8, 10-9, 10-10 (make-up Saturday), 10-12; National Day 10-1…10-7 skipped.
    assert result["land_to_permit"].value == 6 and [p.id for p in result["land_to_permit"].projects] == [a]
    # 02-13 → 02-24: 02-14 (make-up Saturday) and 02-24; the Spring Festival 02-15…02-23 skipped.
    assert result["sign_to_start"].value == 2
    assert result["start_rate"].value == 50.0 and {p.id for p in result["start_rate"].projects} == {a, b}
    assert result["in_production"].value == 1 and [p.id for p in result["in_production"].projects] == [b]
    client = login(app.test_client(), secretary)
    page = client.get("/projects?year=2026").get_data(as_text=True)
    assert "芯片封测基地" in page and "50.0" in page
    drill = client.get("/projects/figures/land_to_permit?year=2026").get_data(as_text=True)
    assert "芯片封测基地" in drill and "新材料产业园" not in drill


def test_sheet_cells_are_coloured_by_how_each_stage_stands():
    from app.projects.services import cell_state
    today = date(2026, 11, 16)
    m = Milestone
    assert cell_state(None, today) == "empty"
    assert cell_state(m(planned_on=date(2026, 11, 1), actual_on=date(2026, 10, 30)), today) == "done"
    assert cell_state(m(planned_on=date(2026, 11, 1), actual_on=date(2026, 11, 3)), today) == "done_late"
    assert cell_state(m(planned_on=date(2026, 11, 10)), today) == "late"
    assert cell_state(m(planned_on=date(2026, 11, 20)), today) == "soon"
    assert cell_state(m(planned_on=date(2027, 2, 1)), today) == "planned"


def test_excel_export_matches_the_sheet_and_never_holds_formulas(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    make_project(app, factory, secretary, "=HYPERLINK(\"http://evil\",\"点我\")", {
        "sign": (date(2026, 1, 5), date(2026, 1, 5)), "land": (date(2026, 3, 1), None)})
    response = login(app.test_client(), secretary).get("/projects/sheet.xlsx")
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment")
    wb = load_workbook(io.BytesIO(response.data))
    ws = wb["一表制"]
    assert [c.value for c in ws[1]][:10] == ["项目", "企业", "总投资（万元）", "行业", "园区", "项目秘书",
                                             "签约计划", "签约实际", "拿地计划", "拿地实际"]
    name = ws.cell(row=2, column=1)
    assert name.data_type == "s" and name.value.startswith("'=HYPERLINK")
    assert ws.cell(row=2, column=3).value == 30000
    # Dates are date cells (openpyxl reads them back as datetimes, not strings), formatted as dates.
    signed_plan, signed_actual, land_plan = (ws.cell(row=2, column=c) for c in (7, 8, 9))
    assert signed_plan.is_date and signed_plan.value == datetime(2026, 1, 5)
    assert signed_actual.is_date and signed_actual.value == datetime(2026, 1, 5)
    assert land_plan.is_date and land_plan.value == datetime(2026, 3, 1) and land_plan.number_format == "yyyy-mm-dd"
    assert ws.cell(row=2, column=10).value is None  # no actual 拿地 yet: an empty cell, not "—"
    assert signed_plan.fill.fgColor.rgb.endswith("C6EFCE")  # signed on time: done
    assert land_plan.fill.fgColor.rgb.endswith("FFC7CE")  # land planned 03-01, not yet: late
    assert "图例" in wb.sheetnames


def test_wall_chart_is_server_side_svg_with_escaped_names(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    make_project(app, factory, secretary, "<script>alert(1)</script>", {
        "sign": (date(2026, 1, 5), date(2026, 1, 9)), "start": (date(2026, 6, 1), None)})
    html = login(app.test_client(), secretary).get("/projects/gantt").get_data(as_text=True)
    assert "<svg" in html and "<circle" in html and "<script>alert(1)" not in html
    assert "&lt;script&gt;" in html


def test_future_actual_dates_are_refused(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    project_id = make_project(app, factory, secretary, "智能制造项目", {})
    with app.app_context():
        stage = db.session.scalar(select(ProjectStage).where(ProjectStage.code == "start"))
    client = login(app.test_client(), secretary)
    response = client.post(f"/projects/{project_id}/milestones", data={f"actual_{stage.id}": "2027-01-01"})
    assert response.status_code == 400 and "不能晚于今天" in response.get_data(as_text=True)
    bad = client.post(f"/projects/{project_id}/milestones", data={f"planned_{stage.id}": "明年"})
    assert bad.status_code == 400 and "日期格式" in bad.get_data(as_text=True)


def test_procedures_get_working_day_due_dates_and_officers_see_their_own(app, factory, login, clock):
    secretary = factory.user(Role.SECRETARY)
    officer, other = factory.user(Role.OFFICER), factory.user(Role.OFFICER)
    with app.app_context():
        kind = db.session.scalar(select(ProcedureType).where(ProcedureType.code == "construction_permit"))
        kind.department_id = officer.department_id
        db.session.commit()
        kind_id = kind.id
    enterprise_id = factory.enterprise(secretary)
    client = login(app.test_client(), secretary)
    assert client.post("/procedures/new", data={"enterprise_id": str(enterprise_id),
                                                "type_id": str(kind_id)}).status_code == 303
    with app.app_context():
        procedure_id = db.session.scalar(select(Procedure.id))
    # Submitted 2026-09-28; 7 working days: 9-29, 9-30, 10-8, 10-9, 10-10, 10-12, 10-13.
    response = login(app.test_client(), officer).post(f"/procedures/{procedure_id}", data={
        "status": "submitted", "submitted_on": "2026-09-28"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Procedure, procedure_id).due_on == date(2026, 10, 13)
    assert "施工许可证" in login(app.test_client(), officer).get("/procedures").get_data(as_text=True)
    assert "施工许可证" not in login(app.test_client(), other).get("/procedures").get_data(as_text=True)
    assert login(app.test_client(), other).post(f"/procedures/{procedure_id}",
                                                data={"status": "approved"}).status_code == 404
    missing_date = client.post(f"/procedures/{procedure_id}", data={"status": "approved",
                                                                    "submitted_on": "2026-09-28"})
    assert missing_date.status_code == 303
    with app.app_context():
        assert db.session.get(Procedure, procedure_id).status == "submitted"  # refused: no approval date
    client.post(f"/procedures/{procedure_id}", data={"status": "approved", "submitted_on": "2026-09-28",
                                                     "approved_on": "2026-11-16"})
    page = client.get("/procedures").get_data(as_text=True)
    assert "本月协助完成手续办理 1 项" in page


def test_project_tickets_are_listed_on_the_project(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    project_id = make_project(app, factory, secretary, "研发中心项目", {})
    with app.app_context():
        enterprise_id = db.session.get(Project, project_id).enterprise_id
    category = factory.category()
    client = login(app.test_client(), secretary)
    client.post("/tickets/new", data={"enterprise_id": str(enterprise_id), "channel": "visit",
                                      "project_id": str(project_id), "contact_name": "赵总", "mobile": "13900000000",
                                      "category_id": str(category), "urgency": "normal",
                                      "title": "施工图审查进度", "description": "施工图审查迟迟未完成。"})
    page = client.get(f"/projects/{project_id}").get_data(as_text=True)
    assert "施工图审查进度" in page


def test_bad_project_input_stores_nothing(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    enterprise_id = factory.enterprise(secretary)
    client = login(app.test_client(), secretary)
    for data in ({"name": "", "investment_wan": "1"}, {"name": "项目", "investment_wan": "-5"},
                 {"name": "项目", "investment_wan": "abc"}, {"name": "长" * 121, "investment_wan": "1"}):
        response = client.post("/projects/new", data={"enterprise_id": str(enterprise_id), **data})
        assert response.status_code == 400, data
    assert factory.count(Project) == 0


def test_year_filter_keeps_projects_with_a_milestone_that_year(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    make_project(app, factory, secretary, "今年开工项目", {"start": (date(2026, 5, 1), date(2026, 5, 3))})
    make_project(app, factory, secretary, "前年竣工项目", {"complete": (date(2024, 5, 1), date(2024, 5, 3))})
    client = login(app.test_client(), secretary)
    page = client.get("/projects?year=2026&only_year=1").get_data(as_text=True)
    assert "今年开工项目" in page and "前年竣工项目" not in page
    assert "前年竣工项目" in client.get("/projects?year=2026").get_data(as_text=True)


def test_admin_edits_the_procedure_catalogue(app, factory, login):
    dept = factory.department("行政审批局")
    client = login(app.test_client(), factory.user(Role.ADMIN))
    with app.app_context():
        kind_id = db.session.scalar(select(ProcedureType.id).where(ProcedureType.code == "project_filing"))
    client.post(f"/admin/procedure-types/{kind_id}", data={"name": "项目备案", "department_id": str(dept),
                                                           "standard_wd": "3", "active": "y"})
    client.post("/admin/procedure-types", data={"kind": "type", "name": "消防设计审查", "department_id": str(dept),
                                                "standard_wd": "15"})
    bad = client.post(f"/admin/procedure-types/{kind_id}", data={"name": "项目备案", "standard_wd": "0"})
    assert bad.status_code == 303
    with app.app_context():
        kind = db.session.get(ProcedureType, kind_id)
        assert (kind.standard_wd, kind.department_id, kind.is_active) == (3, dept, True)
        assert db.session.scalar(select(ProcedureType).where(ProcedureType.name == "消防设计审查")).standard_wd == 15


def test_procedure_documents_are_checked_kept_and_only_shown_to_those_who_may(app, factory, login):
    secretary, officer, other = factory.user(Role.SECRETARY), factory.user(Role.OFFICER), factory.user(Role.OFFICER)
    with app.app_context():
        kind = db.session.scalar(select(ProcedureType).where(ProcedureType.code == "construction_permit"))
        kind.department_id = officer.department_id
        db.session.commit()
        kind_id = kind.id
    client = login(app.test_client(), secretary)
    client.post("/procedures/new", data={"enterprise_id": str(factory.enterprise(secretary)), "type_id": str(kind_id)})
    with app.app_context():
        procedure_id = db.session.scalar(select(Procedure.id))
    pdf = b"%PDF-1.4\n%%EOF\n"
    bad = client.post(f"/procedures/{procedure_id}/documents", content_type="multipart/form-data",
                      data={"documents": [(io.BytesIO(b"MZ\x90 not a pdf"), "申请表.pdf")]})
    assert bad.status_code == 303
    with app.app_context():
        assert db.session.get(Procedure, procedure_id).documents == []
    login(app.test_client(), officer).post(f"/procedures/{procedure_id}/documents", content_type="multipart/form-data",
                                           data={"documents": [(io.BytesIO(pdf), "施工许可证.pdf")]})
    with app.app_context():
        document_id = db.session.get(Procedure, procedure_id).documents[0].id
    download = client.get(f"/procedures/{procedure_id}/documents/{document_id}")
    assert download.status_code == 200 and download.data == pdf
    assert download.headers["Content-Disposition"].startswith("attachment")
    outsider = login(app.test_client(), other)
    assert outsider.get(f"/procedures/{procedure_id}/documents/{document_id}").status_code == 404
    assert "施工许可证.pdf" in client.get("/procedures").get_data(as_text=True)


def test_the_procedure_list_pages_through_every_procedure(app, factory, login, monkeypatch):
    # Five procedures, two a page: three pages, every procedure on exactly one of them, soonest due first (none is
    # submitted, so none has a due date: by id); a page past the last shows the last and says so. The list used to
    # stop silently at its first 500.
    from app.models import User
    from app.projects import queries, services
    monkeypatch.setattr(queries, "PROCEDURES_PER_PAGE", 2)
    secretary = factory.user(Role.SECRETARY)
    enterprise_id = factory.enterprise(secretary)
    with app.test_request_context():
        sec = db.session.get(User, secretary.id)
        kind = db.session.scalar(select(ProcedureType).where(ProcedureType.code == "construction_permit"))
        made = [services.create_procedure(sec, db.session.get(Enterprise, enterprise_id), kind.id,
                                          note=f"代办备注{i}").id for i in range(5)]
    client = login(app.test_client(), secretary)

    def shown(url):
        html = client.get(url).get_data(as_text=True)
        return [int(i) for i in re.findall(r'id="procedure-(\d+)-changes"', html)], html

    pages = [shown(f"/procedures?page={p}") for p in (1, 2, 3)]
    assert [ids for ids, _ in pages] == [made[0:2], made[2:4], made[4:5]]
    assert "共 5 项" in pages[0][1] and "第 1 / 3 页" in pages[0][1] and "下一页" in pages[0][1]
    ids, html = shown("/procedures?page=9")
    assert ids == made[4:5] and "没有第 9 页：共 3 页，这里显示最后一页。" in html


def test_the_sheet_shows_a_page_of_projects_and_counts_them_all(app, factory, login, clock, monkeypatch):
    # Three projects signed in 2026, the first also started: one a page, each page shows one project's row, in the
    # sheet's order (by id), while the figures count all three on every page: 落地开工率 = 1 started of 3 signed =
    # 33.3 % (counting only the page's project would give 100.0 or 0.0). A page past the last shows the last.
    from app.projects import views
    monkeypatch.setattr(views, "SHEET_PAGE_SIZE", 1)
    secretary = factory.user(Role.SECRETARY)
    names = ["一号项目", "二号项目", "三号项目"]
    for k, name in enumerate(names):
        dates = {"sign": (date(2026, 3, 1), date(2026, 3, 2))}
        if k == 0:
            dates["start"] = (date(2026, 4, 1), date(2026, 4, 2))
        make_project(app, factory, secretary, name, dates)
    client = login(app.test_client(), secretary)
    pages = [client.get(f"/projects?page={p}").get_data(as_text=True) for p in (1, 2, 3, 7)]
    for k, html in enumerate(pages[:3]):
        assert [n for n in names if n in html] == [names[k]]
        assert "共 3 个项目" in html and f"第 {k + 1} / 3 页" in html
        assert re.search(r'id="figure-start_rate".*?>33\.3 <span', html, re.S)
    assert names[2] in pages[3] and "没有第 7 页：共 3 页，这里显示最后一页。" in pages[3]
    # The wall chart pages the same way: one project a row, a page of rows (it drew all 10,000 in one 880 KB SVG).
    charts = [client.get(f"/projects/gantt?page={p}").get_data(as_text=True) for p in (1, 2, 3)]
    for k, html in enumerate(charts):
        assert [n for n in names if n in html] == [names[k]] and f"{k + 1} / 3" in html


def test_the_sheets_figures_are_kept_until_the_sheet_changes(app, factory, login, clock, monkeypatch):
    # The figures count every project on the sheet; a web worker keeps them while nothing on the sheet changed (the
    # projects' history has no new entry), the targets, the day and the language being the same. Two projects signed
    # in 2026, neither started: 落地开工率 = 0 started of 2 signed = 0.0 %, 新开工 0. The second view reads no dates.
    from app.projects import queries
    reads = []
    real = queries.sheet_dates
    monkeypatch.setattr(queries, "sheet_dates", lambda f: reads.append(f["year"]) or real(f))
    secretary = factory.user(Role.SECRETARY)
    first = make_project(app, factory, secretary, "一号项目", {"sign": (date(2026, 3, 1), date(2026, 3, 2))})
    make_project(app, factory, secretary, "二号项目", {"sign": (date(2026, 3, 5), date(2026, 3, 6))})
    client = login(app.test_client(), secretary)

    def shown(name, park=""):
        html = client.get(f"/projects?year=2026&park={park}").get_data(as_text=True)
        return re.search(rf'id="figure-{name}".*?fs-3 fw-semibold">(.*?) <span', html, re.S).group(1)

    assert (shown("start_rate"), shown("new_starts")) == ("0.0", "0")
    assert reads == [2026]  # the second view above was served from the kept figures
    # The secretary records that the first project started on 2026-04-02, through the project page's form: the
    # history gains entries, so the next view counts afresh: 1 started of 2 signed = 50.0 %, 新开工 1.
    with app.app_context():
        stages = {s.code: s.id for s in db.session.scalars(select(ProjectStage))}
    form = {f"planned_{stages['sign']}": "2026-03-01", f"actual_{stages['sign']}": "2026-03-02",
            f"planned_{stages['start']}": "2026-04-01", f"actual_{stages['start']}": "2026-04-02"}
    assert client.post(f"/projects/{first}/milestones", data=form).status_code in (302, 303)
    assert (shown("start_rate"), shown("new_starts")) == ("50.0", "1")
    assert reads == [2026, 2026]
    # Another park's sheet is counted for itself: no project there, so no rate ("—") and no new start.
    assert (shown("start_rate", "高新区"), shown("new_starts", "高新区")) == ("—", "0") and reads == [2026] * 3
    assert (shown("start_rate"), shown("new_starts")) == ("50.0", "1") and reads == [2026] * 3
    # The next day the figures are counted afresh (a date's sanity and 今天 move with it), and once they are older
    # than KEEP_SECONDS.
    clock.advance(days=1)
    assert shown("new_starts") == "1" and reads == [2026] * 4
    monkeypatch.setattr(sheet_figures, "KEEP_SECONDS", 0)
    assert shown("new_starts") == "1" and reads == [2026] * 5
    monkeypatch.setattr(sheet_figures, "KEEP_SECONDS", 60)
    # A park's target is part of what the kept figures were counted with: one written without an entry in the
    # history (as by hand in SQL) still shows at once: 1 of 4 new starts = 25 %.
    with app.app_context():
        db.session.add(ParkTarget(year=2026, park="科技城", new_starts=4, in_production=1, start_rate=60))
        db.session.commit()
    html = client.get("/projects?year=2026").get_data(as_text=True)
    assert "完成全年目标 25%（目标 4 个）" in html


def test_the_sla_worker_keeps_the_unfiltered_sheets_figures_for_every_web_worker(app, factory, login, clock,
                                                                                  monkeypatch):
    # After each sweep the SLA worker counts the unfiltered sheet's figures of this year and stores them for every web
    # worker (app/projects/sheet_figures.py); a page uses them while the projects' history, the day and the calendar
    # are what they were counted from, and counts for itself otherwise. The clock is on 2026-11-16, so 2026.
    from app.models import CalendarOverride, User
    from app.projects import queries, services
    from app.supervision.scheduler import run_sweep
    reads = []
    real = queries.sheet_dates
    monkeypatch.setattr(queries, "sheet_dates", lambda f: reads.append(f["park"]) or real(f))
    secretary = factory.user(Role.SECRETARY)
    make_project(app, factory, secretary, "一号项目", {"sign": (date(2026, 3, 1), date(2026, 3, 2)),
                                                   "start": (date(2026, 4, 1), date(2026, 4, 2))})
    second = make_project(app, factory, secretary, "二号项目", {"sign": (date(2026, 3, 5), date(2026, 3, 6))})
    # Both projects were signed in 2026, so the worker reads both; the one started in 2026 makes 新开工 1 and
    # 落地开工率 1 of 2 signed = 50.0 %.
    assert run_sweep(app)["sheet_projects"] == 2 and reads == [""]
    client = login(app.test_client(), secretary)

    def shown(name, query=""):
        html = client.get(f"/projects{query}").get_data(as_text=True)
        return re.search(rf'id="figure-{name}".*?fs-3 fw-semibold">(.*?) <span', html, re.S).group(1)

    assert (shown("start_rate"), shown("new_starts"), shown("start_rate", "?year=2026")) == ("50.0", "1", "50.0")
    assert reads == [""]  # three views, no count: the kept figures
    # The rate counts the 2 projects signed in 2026, 新开工 the 1 started.
    html = client.get("/projects").get_data(as_text=True)
    assert [re.search(rf'id="figure-{name}".*?涉及 (\d+) 个项目', html, re.S).group(1)
            for name in ("start_rate", "new_starts")] == ["2", "1"]
    # The drill-down lists the kept figure's projects, with the words for its page read from their own dates.
    html = client.get("/projects/figures/start_rate").get_data(as_text=True)
    assert "签约 2026-03-02，开工 2026-04-02" in html and "签约 2026-03-06，未开工" in html and reads == [""]
    # The words are the reader's language, whoever's the worker counted in.
    client.post("/language", data={"lang": "en", "next": "/"})
    html = client.get("/projects").get_data(as_text=True)
    assert "New starts" in html and reads == [""]
    client.post("/language", data={"lang": "zh"})
    # A park's sheet is not the unfiltered one: it is counted for itself (both projects are in 科技城).
    assert shown("start_rate", "?park=科技城") == "50.0" and reads == ["", "科技城"]

    # The second project starts on 2026-05-06: the history gains an entry, so the kept figures are behind and a page
    # counts for itself (2 of 2 = 100.0 %, 新开工 2) until the next sweep counts them again.
    with app.test_request_context():
        stages = {s.code: s.id for s in db.session.scalars(select(ProjectStage))}
        project = db.session.get(Project, second)
        services.set_milestones(db.session.get(User, secretary.id), project,
                                {stages["start"]: (date(2026, 5, 6), date(2026, 5, 6))})
    assert (shown("start_rate"), shown("new_starts")) == ("100.0", "2") and reads == ["", "科技城", ""]
    run_sweep(app)
    assert shown("start_rate") == "100.0" and reads == ["", "科技城", "", ""]  # the sweep's count, none by the page
    # The calendar changes (a working Saturday added): figures count working days, so the kept ones are not used.
    with app.app_context():
        db.session.add(CalendarOverride(day=date(2026, 11, 21), is_workday=True, note="调休上班"))
        db.session.commit()
    assert shown("new_starts") == "2" and reads == ["", "科技城", "", "", ""]
    run_sweep(app)
    assert shown("new_starts") == "2" and len(reads) == 6
    # The next day neither the worker's figures nor the page's are used until counted again.
    clock.advance(days=1)
    assert shown("new_starts") == "2" and len(reads) == 7


def test_every_change_to_the_sheet_adds_to_the_projects_history(app, factory, clock):
    # The kept figures (app/projects/sheet_figures.py) are counted again when the history's newest entry changes:
    # each verb that writes a project, its stage dates, a procedure or a park's target must add one.
    from app.models import User
    from app.models.project import ProjectChange
    from app.projects import report, services
    secretary, sup = factory.user(Role.SECRETARY), factory.user(Role.SUPERVISOR)
    enterprise_id = factory.enterprise(secretary)
    with app.test_request_context():
        newest = lambda: db.session.scalar(select(func.max(ProjectChange.id))) or 0  # noqa: E731
        sec, seen = db.session.get(User, secretary.id), [0]

        def changed():
            seen.append(newest())
            return seen[-1] > seen[-2]

        project = services.create_project(sec, db.session.get(Enterprise, enterprise_id), name="智能制造项目",
                                          investment_wan=1000, industry="装备", park="科技城", leader="王")
        assert changed()
        start = db.session.scalar(select(ProjectStage).where(ProjectStage.code == "start"))
        services.set_milestones(sec, project, {start.id: (date(2026, 11, 20), None)})
        assert changed()
        kind = db.session.scalar(select(ProcedureType).where(ProcedureType.code == "construction_permit"))
        procedure = services.create_procedure(sec, project.enterprise, kind.id, project=project)
        assert changed()
        services.update_procedure(sec, procedure, status="submitted", submitted_on=date(2026, 11, 13))
        assert changed()
        report.set_park_target(db.session.get(User, sup.id), year=2026, park="科技城", new_starts=3, in_production=1,
                               start_rate=50)
        assert changed()


def test_the_figures_read_only_the_projects_their_year_can_count(app, factory, login, clock):
    # The figures of 2026 count projects signed, started or in production in 2026, or with a construction permit
    # approved in 2026 (whatever year their other dates are in); the others are not read at all.
    secretary = factory.user(Role.SECRETARY)
    permit_2026 = make_project(app, factory, secretary, "去年拿地今年发证", {"land": (date(2025, 11, 1), date(2025, 11, 3))},
                               permit_approved=date(2026, 1, 6))
    started_2026 = make_project(app, factory, secretary, "去年签约今年开工", {
        "sign": (date(2025, 6, 1), date(2025, 6, 2)), "start": (date(2026, 2, 2), date(2026, 2, 3))})
    make_project(app, factory, secretary, "今年只拿地", {"land": (date(2026, 5, 6), date(2026, 5, 7))})
    make_project(app, factory, secretary, "前年投产", {"production": (date(2024, 6, 3), date(2024, 6, 4))})
    with app.test_request_context():
        from app.projects import queries, report
        f = {"park": "", "industry": "", "secretary": None, "year": 2026, "only_year": False}
        dates = queries.sheet_dates(f)
        assert [d.id for d in dates] == [permit_2026, started_2026]
        figures = {fig.key: fig for fig in report.report_figures(dates, 2026, None)}
    # Read or not, each project counts where it did before: the permit in 拿地到施工许可, the start in 签约到开工.
    assert [p.id for p in figures["land_to_permit"].projects] == [permit_2026]
    assert [p.id for p in figures["sign_to_start"].projects] == [started_2026]
    assert figures["new_starts"].value == 1 and figures["in_production"].value == 0


def test_a_figures_projects_are_listed_a_page_at_a_time_with_their_dates(app, factory, login, clock, monkeypatch):
    # 落地开工率 2026 counts the three projects signed in 2026, in the sheet's order; two a page. Each row says what
    # the project counted with: signed on its day, and started (the first) or not. A page past the last shows the last.
    from app.projects import views
    monkeypatch.setattr(views, "FIGURE_PAGE_SIZE", 2)
    secretary = factory.user(Role.SECRETARY)
    make_project(app, factory, secretary, "一号项目", {"sign": (date(2026, 3, 1), date(2026, 3, 2)),
                                                     "start": (date(2026, 4, 1), date(2026, 4, 2))})
    make_project(app, factory, secretary, "二号项目", {"sign": (date(2026, 3, 5), date(2026, 3, 6))})
    make_project(app, factory, secretary, "三号项目", {"sign": (date(2026, 5, 7), date(2026, 5, 8))})
    client = login(app.test_client(), secretary)
    first, second, past = (client.get(f"/projects/figures/start_rate?year=2026&page={p}").get_data(as_text=True)
                           for p in (1, 2, 9))
    assert "33.3 %" in first and "共 3 个项目" in first and "第 1 / 2 页" in first
    assert "签约 2026-03-02，开工 2026-04-02" in first and "签约 2026-03-06，未开工" in first
    assert "三号项目" not in first and "下一页" in first
    assert "三号项目" in second and "签约 2026-05-08，未开工" in second and "一号项目" not in second
    assert "三号项目" in past and "没有第 9 页：共 2 页，这里显示最后一页。" in past
