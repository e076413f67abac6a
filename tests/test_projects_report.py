"""一表制 as the center reports it: park targets and the figures against them, 拿地即开工 and the fastest 拿地 →
施工许可 on the real 2026 calendar, stage order, late planned stages on the wall chart, stage owners and work items,
procedures linked to a stage. Today is Monday 2026-11-16 (the clock fixture). Every expected figure is derived by
hand in the comments."""
import re
from datetime import date

from sqlalchemy import select

from app.enums import Role
from app.extensions import db
from app.models import Enterprise, Milestone, ParkTarget, Procedure, ProcedureType, Project, ProjectStage, User
from app.models.project import ProjectChange


def project(app, factory, secretary, name, dates, *, park="科技城", permit=None, order_reason=""):
    """A project in `park` with {stage code: (planned, actual)}, optionally a 施工许可证 approved on `permit`."""
    from app.projects import services
    enterprise_id = factory.enterprise(secretary)
    with app.test_request_context():
        sec = db.session.get(User, secretary.id)
        p = services.create_project(sec, db.session.get(Enterprise, enterprise_id), name=name, investment_wan=10000,
                                    industry="集成电路", park=park, leader="")
        stages = {s.code: s.id for s in db.session.scalars(select(ProjectStage))}
        services.set_milestones(sec, p, {stages[c]: v for c, v in dates.items()}, order_reason=order_reason)
        if permit:
            kind = db.session.scalar(select(ProcedureType).where(ProcedureType.code == "construction_permit"))
            procedure = services.create_procedure(sec, p.enterprise, kind.id, project=p)
            services.update_procedure(sec, procedure, status="approved", submitted_on=permit, approved_on=permit)
        return p.id


def stage_ids(app):
    with app.app_context():
        return {s.code: s.id for s in db.session.scalars(select(ProjectStage))}


def report(app, year=2026, park=""):
    from app.projects import report as r
    with app.test_request_context():
        projects = db.session.scalars(select(Project).order_by(Project.id)).all()
        if park:
            projects = [p for p in projects if p.park == park]
        return {f.key: f for f in r.report_figures(projects, year, r.target_totals(year, park))}


def test_figures_against_the_parks_targets(app, factory, login):
    secretary, supervisor = factory.user(Role.SECRETARY), factory.user(Role.SUPERVISOR)
    boss = login(app.test_client(), supervisor)
    # Targets for 2026: 科技城 20 new starts, 4 in production, 60 % of signings started; 狮山 10, 2, 50 %.
    for park, starts, production, rate in (("科技城", 20, 4, 60), ("狮山商务创新区", 10, 2, 50)):
        assert boss.post("/projects/targets", data={"year": "2026", "park": park, "new_starts": str(starts),
                                                    "in_production": str(production),
                                                    "start_rate": str(rate)}).status_code == 303
    # 科技城: 11 projects started in 2026. Eight of them signed in 2026, three in 2025; three of them in production.
    for i in range(11):
        signed = date(2026, 1, 10 + i) if i < 8 else date(2025, 11, 10 + i)
        dates = {"sign": (signed, signed), "start": (date(2026, 3, 2), date(2026, 3, 2 + i))}
        if i < 3:
            dates["production"] = (date(2026, 10, 8), date(2026, 10, 8 + i))
        project(app, factory, secretary, f"科技城项目{i + 1}", dates)
    # Two more signed in 2026 and not started: signed in 2026 = 8 + 2 = 10, started in 2026 = 8.
    for i in range(2):
        project(app, factory, secretary, f"签约未开工{i + 1}", {"sign": (date(2026, 6, 1), date(2026, 6, 1 + i))})
    # 狮山: one started in 2026 (signed in 2025).
    project(app, factory, secretary, "狮山项目", {"sign": (date(2025, 5, 6), date(2025, 5, 6)),
                                                "start": (date(2026, 4, 1), date(2026, 4, 1))}, park="狮山商务创新区")

    one = report(app, park="科技城")
    # 11 new starts of 20 → 55 %; 3 in production of 4 → 75 %; 8 of 10 signings started → 80.0 %, target 60 %.
    assert (one["new_starts"].value, one["new_starts"].target, one["new_starts"].progress) == (11, 20, 55)
    assert (one["in_production"].value, one["in_production"].progress) == (3, 75)
    assert (one["start_rate"].value, one["start_rate"].target) == (80.0, 60)
    # The zone: 12 new starts of 20 + 10 = 30 → 40 %; 3 in production of 6 → 50 %; rate target the lower, 50 %.
    zone = report(app)
    assert (zone["new_starts"].value, zone["new_starts"].target, zone["new_starts"].progress) == (12, 30, 40)
    assert (zone["in_production"].value, zone["in_production"].target, zone["in_production"].progress) == (3, 6, 50)
    assert zone["start_rate"].target == 50

    client = login(app.test_client(), secretary)
    page = client.get("/projects?year=2026&park=科技城").get_data(as_text=True)
    assert "完成全年目标 55%（目标 20 个）" in page and "完成全年目标 75%（目标 4 个）" in page
    assert "全年目标 60%" in page
    # A count target of 0 has no progress (nothing to divide by) and reads as a count, never as a percent.
    assert boss.post("/projects/targets", data={"year": "2026", "park": "科技城", "new_starts": "20",
                                                "in_production": "0", "start_rate": "60"}).status_code == 303
    page = client.get("/projects?year=2026&park=科技城").get_data(as_text=True)
    assert "全年目标 0 个" in page and "全年目标 0%" not in page
    drill = client.get("/projects/figures/new_starts?year=2026&park=科技城").get_data(as_text=True)
    assert drill.count("科技城项目") == 11 and "狮山项目" not in drill and "开工 2026-03-12" in drill
    assert "完成全年目标 55%" in drill
    rate = client.get("/projects/figures/start_rate?year=2026&park=科技城").get_data(as_text=True)
    assert "签约 2026-06-02，未开工" in rate and "签约 2026-01-10，开工 2026-03-02" in rate


def test_targets_page_is_the_supervisors_and_refuses_bad_input(app, factory, login):
    secretary, supervisor = factory.user(Role.SECRETARY), factory.user(Role.SUPERVISOR)
    assert login(app.test_client(), secretary).get("/projects/targets").status_code == 403
    boss = login(app.test_client(), supervisor)
    bad = boss.post("/projects/targets", data={"year": "2026", "park": "新建园区", "new_starts": "5",
                                               "in_production": "1", "start_rate": "120"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "应在 0–100 之间" in text and 'value="新建园区"' in text
    with app.app_context():
        assert db.session.scalar(select(ParkTarget.id)) is None
    ok = {"year": "2026", "park": "新建园区", "new_starts": "5", "in_production": "1", "start_rate": "70"}
    assert boss.post("/projects/targets", data=ok).status_code == 303
    assert boss.post("/projects/targets", data={**ok, "new_starts": "6"}).status_code == 303  # changed, not added
    with app.app_context():
        rows = db.session.scalars(select(ParkTarget)).all()
        assert [(r.park, r.new_starts, r.start_rate) for r in rows] == [("新建园区", 6, 70)]
        change = db.session.scalars(select(ProjectChange).where(ProjectChange.field == "target")
                                    .order_by(ProjectChange.id)).all()[-1]
        assert "新开工 5 个" in change.old_value and "新开工 6 个" in change.new_value
    assert "新建园区" in boss.get("/projects/targets?year=2026").get_data(as_text=True)


def test_instant_start_counts_permits_issued_on_the_day_the_land_was_obtained(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    # 2026-09-30 (Wed): land and permit the same day → 0 working days: 拿地即开工.
    same_day = project(app, factory, secretary, "四证同发项目", {"land": (date(2026, 9, 30), date(2026, 9, 30))},
                       permit=date(2026, 9, 30))
    # 2026-10-09 (Fri) → 10-10 (Saturday, a make-up working day): 1 working day, not the same day.
    project(app, factory, secretary, "次日发证项目", {"land": (date(2026, 10, 9), date(2026, 10, 9))},
            permit=date(2026, 10, 10))
    # A permit before the land (a data error) and one in 2025 never count for 2026.
    project(app, factory, secretary, "先证后地项目", {"land": (date(2026, 8, 5), date(2026, 8, 5))},
            permit=date(2026, 8, 4))
    project(app, factory, secretary, "去年项目", {"land": (date(2025, 7, 1), date(2025, 7, 1))},
            permit=date(2025, 7, 1))
    figures = report(app)
    assert figures["instant_start"].value == 1 and [p.id for p in figures["instant_start"].projects] == [same_day]
    assert figures["fastest_permit"].value == 0
    drill = login(app.test_client(), secretary).get("/projects/figures/instant_start?year=2026").get_data(as_text=True)
    assert "四证同发项目" in drill and "拿地 2026-09-30，施工许可 2026-09-30，0 个工作日" in drill
    assert "次日发证项目" not in drill and "先证后地项目" not in drill


def test_fastest_land_to_permit_counts_working_days_across_national_day(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    # 2026-09-30 → 10-10: 10-01…10-07 National Day off, 10-08 and 10-09 working, 10-10 a make-up Saturday → 3
    # working days in 10 calendar days.
    fast = project(app, factory, secretary, "节后发证项目", {"land": (date(2026, 9, 30), date(2026, 9, 30))},
                   permit=date(2026, 10, 10))
    # 2026-11-02 (Mon) → 11-06 (Fri): 11-03, 04, 05, 06 → 4 working days, though only 4 calendar days.
    project(app, factory, secretary, "十一月项目", {"land": (date(2026, 11, 2), date(2026, 11, 2))},
            permit=date(2026, 11, 6))
    # 2026-09-18 (Fri) → 09-24 (Thu): 09-20 (a make-up Sunday), 21, 22, 23, 24 → 5 working days.
    project(app, factory, secretary, "中秋前项目", {"land": (date(2026, 9, 18), date(2026, 9, 18))},
            permit=date(2026, 9, 24))
    figures = report(app)
    assert figures["fastest_permit"].value == 3
    assert [p.name for p in figures["fastest_permit"].projects] == ["节后发证项目", "十一月项目", "中秋前项目"]
    assert figures["instant_start"].value == 0
    # The average of the three: (3 + 4 + 5) / 3 = 4.0.
    assert figures["land_to_permit"].value == 4.0
    drill = login(app.test_client(), secretary).get("/projects/figures/fastest_permit?year=2026").get_data(as_text=True)
    assert "拿地 2026-09-30，施工许可 2026-10-10，3 个工作日" in drill
    assert drill.index("节后发证项目") < drill.index("十一月项目") < drill.index("中秋前项目")
    assert f"/projects/{fast}" in drill


def test_stage_dates_out_of_order_are_refused_then_saved_with_a_recorded_reason(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    project_id = project(app, factory, secretary, "厂房扩建项目", {})
    ids = stage_ids(app)
    client = login(app.test_client(), secretary)
    typed = {f"actual_{ids['land']}": "2026-05-20", f"actual_{ids['start']}": "2026-03-02",
             f"owner_{ids['start']}": "李工"}
    refused = client.post(f"/projects/{project_id}/milestones", data=typed)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "“开工”实际日期 2026-03-02 早于“拿地”实际日期 2026-05-20" in text and "请填写原因" in text
    # Nothing stored, and what was typed is still on the page, with the reason box open.
    assert 'value="2026-03-02"' in text and 'value="李工"' in text and 'id="order-reason-box"' in text
    assert 'class="mb-2 d-none" id="order-reason-box"' not in text
    with app.app_context():
        assert not db.session.scalars(select(Milestone.actual_on).where(Milestone.actual_on.is_not(None))).all()
    saved = client.post(f"/projects/{project_id}/milestones", data={**typed, "order_reason": "老厂区先行开工，新增用地后拿地"})
    assert saved.status_code == 303
    with app.app_context():
        start = db.session.scalar(select(Milestone).where(Milestone.project_id == project_id,
                                                          Milestone.stage_id == ids["start"]))
        assert start.actual_on == date(2026, 3, 2) and start.owner == "李工"
        note = db.session.scalar(select(ProjectChange).where(ProjectChange.field == "order_confirmed"))
        assert note.stage_id == ids["start"] and "原因：老厂区先行开工，新增用地后拿地" in note.new_value
    page = client.get(f"/projects/{project_id}").get_data(as_text=True)
    assert "确认日期顺序" in page and "老厂区先行开工" in page
    # A later save that does not touch those dates is not asked again.
    again = client.post(f"/projects/{project_id}/milestones", data={**typed, f"owner_{ids['land']}": "王科长"})
    assert again.status_code == 303


def test_planned_dates_out_of_order_are_refused_too(app, factory):
    from app.errors import ValidationFailed
    from app.projects import services
    secretary = factory.user(Role.SECRETARY)
    project_id = project(app, factory, secretary, "研发楼项目", {})
    ids = stage_ids(app)
    with app.test_request_context():
        sec, p = db.session.get(User, secretary.id), db.session.get(Project, project_id)
        try:
            services.set_milestones(sec, p, {ids["complete"]: (date(2027, 1, 5), None),
                                             ids["production"]: (date(2026, 12, 1), None)})
        except ValidationFailed as exc:
            assert "“投产”计划日期 2026-12-01 早于“竣工”计划日期 2027-01-05" in exc.message
        else:
            raise AssertionError("out-of-order planned dates were saved")


def test_wall_chart_marks_planned_stages_already_late(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    # 签约 planned 10-01, done 10-05 (not late: done); 拿地 planned 11-01, not done, today 11-16 → late by 15
    # days; 开工 planned 12-01 (still ahead, not late).
    project(app, factory, secretary, "挂图项目", {"sign": (date(2026, 10, 1), date(2026, 10, 5)),
                                               "land": (date(2026, 11, 1), None), "start": (date(2026, 12, 1), None)})
    html = login(app.test_client(), secretary).get("/projects/gantt").get_data(as_text=True)
    assert html.count('<g class="late">') == 1
    assert "拿地 计划 2026-11-01，已逾期 15 天未完成" in html
    assert "开工 计划 2026-12-01</title>" in html


def test_stage_owner_and_work_items_are_saved_and_recorded(app, factory, login):
    secretary = factory.user(Role.SECRETARY)
    project_id = project(app, factory, secretary, "智能工厂项目", {})
    ids = stage_ids(app)
    client = login(app.test_client(), secretary)
    data = {f"planned_{ids['land']}": "2026-12-20", f"owner_{ids['land']}": "规划科 张科长",
            f"work_{ids['land']}": "完成土地挂牌\n签订出让合同"}
    bad = client.post(f"/projects/{project_id}/milestones", data={**data, f"owner_{ids['land']}": "张科长\n李工"})
    assert bad.status_code == 400 and "责任人" in bad.get_data(as_text=True)
    assert client.post(f"/projects/{project_id}/milestones", data=data).status_code == 303
    with app.app_context():
        land = db.session.scalar(select(Milestone).where(Milestone.project_id == project_id,
                                                         Milestone.stage_id == ids["land"]))
        assert (land.owner, land.work_items, land.planned_on) == ("规划科 张科长", "完成土地挂牌\n签订出让合同",
                                                                  date(2026, 12, 20))
        fields = set(db.session.scalars(select(ProjectChange.field).where(ProjectChange.project_id == project_id)))
        assert {"owner", "work_items", "planned_on"} <= fields
    page = client.get(f"/projects/{project_id}").get_data(as_text=True)
    assert 'value="规划科 张科长"' in page and "完成土地挂牌\n签订出让合同</textarea>" in page


def test_a_procedure_linked_to_a_stage_shows_on_the_project(app, factory, login):
    secretary, admin = factory.user(Role.SECRETARY), factory.user(Role.ADMIN)
    project_id = project(app, factory, secretary, "封测基地项目", {})
    ids = stage_ids(app)
    # A stage added after the project was created is not one of its stages.
    from app.projects import services
    with app.test_request_context():
        extra = services.add_stage(db.session.get(User, admin.id), "环评批复").id
    with app.app_context():
        kind_id = db.session.scalar(select(ProcedureType.id).where(ProcedureType.code == "construction_permit"))
    client = login(app.test_client(), secretary)
    form = client.get(f"/procedures/new?project_id={project_id}&stage_id={ids['start']}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{ids["start"]}">开工</option>|<option value="{ids["start"]}" selected>', form)
    assert "环评批复" not in form
    wrong = client.post("/procedures/new", data={"project_id": str(project_id), "type_id": str(kind_id),
                                                 "stage_id": str(extra)})
    assert wrong.status_code == 400
    assert client.post("/procedures/new", data={"project_id": str(project_id), "type_id": str(kind_id),
                                                "stage_id": str(ids["start"])}).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Procedure.stage_id)) == ids["start"]
    page = client.get(f"/projects/{project_id}").get_data(as_text=True)
    row = page[page.index(f'id="stage-{ids["start"]}"'):]
    row = row[:row.index('class="list-group-item stage-row"') if 'class="list-group-item stage-row"' in row else None]
    assert "代办：施工许可证" in row
