"""Realistic demo data for a newcomer: departments, staff, enterprises, visits and 300 tickets in every state.

Tickets are driven through the real workflow verbs with a frozen clock moved through the last three months,
so their histories, deadlines and events look exactly like real ones.
"""
import random
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from app.timesource import FrozenClock
from app.enums import Channel, ProcedureStatus, Role, Satisfaction, Solved, Urgency, VisitKind
from app.extensions import db
from app.models import Category, Department, Enterprise, Ticket, User
from app.tickets import services
from app.tickets.intake import record_offline_ticket, submit_public_ticket
from app.tickets.codes import new_submission_key
from app.validators import CREDIT_CODE_CHARS, credit_code_check_char
from sla.calendar import SHANGHAI

DEMO_PASSWORD = "jianjian2026"
DEPARTMENTS = ["行政审批局", "住建局", "规划自然资源局", "市场监管局", "税务局", "人社局", "生态环境局", "科技创新局"]
CATEGORIES = [("政策咨询", "惠企政策、申报条件"), ("项目审批", "立项、备案、许可"), ("用地规划", "用地、规划条件"),
              ("工程建设", "施工、验收"), ("人才用工", "招聘、社保、人才政策"), ("融资需求", "贷款、担保、上市"),
              ("水电气暖", "接入、容量、停供"), ("税费办理", "申报、退税、发票"), ("其他", "")]
SECRETARIES = ["王晓明", "李娜", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽"]
OFFICERS = ["孙建国", "周敏", "吴强", "郑红", "冯涛", "何静", "许亮", "韩梅"]
PARKS = ["科技城", "狮山商务创新区", "浒墅关经开区", "生态科技城", "综合保税区"]
NAME_HEADS = ["恒创", "锐芯", "博远", "华睿", "中科", "天瑞", "瀚海", "智联", "启明", "新元", "凯德", "同创", "星河", "海川"]
NAME_TAILS = [("科技", "软件信息"), ("生物医药", "生物医药"), ("智能制造", "高端装备"), ("新材料", "新材料"),
              ("电子", "集成电路"), ("光电", "光电"), ("精密机械", "高端装备"), ("新能源", "新能源")]
PROBLEMS = [
    ("项目备案后施工许可办理进度咨询", "我司新建厂房项目已完成备案，施工图审查已通过，想了解施工许可证办理还需要哪些材料，预计多久可以办结。", "项目审批"),
    ("高新技术企业认定补贴申报", "去年通过高新技术企业认定，区里的奖励资金申报入口在哪里，需要准备哪些材料？", "政策咨询"),
    ("厂区用电增容申请迟迟未批", "因新增产线，需要将用电容量从 800kVA 增至 1600kVA，申请已提交一个月，仍未收到答复。", "水电气暖"),
    ("研发人员人才公寓申请", "公司新引进 6 名硕士研发人员，希望申请园区人才公寓，请问流程和条件。", "人才用工"),
    ("地块规划条件调整", "拟建研发楼的容积率与规划条件不一致，希望协调规划部门确认调整的可行性。", "用地规划"),
    ("出口退税进度查询", "三月份申报的出口退税至今未到账，影响资金周转，请帮助协调。", "税费办理"),
    ("竣工验收消防意见", "厂房已完工，消防验收意见迟迟没有出具，影响投产时间。", "工程建设"),
    ("科技型中小企业贷款贴息", "想申请科技贷款贴息政策，银行说需要园区出具推荐函。", "融资需求"),
    ("门前道路施工影响货车进出", "园区道路施工封闭，物流车辆无法进出，每天损失较大，希望协调临时通道。", "工程建设"),
    ("环评批复变更", "生产工艺调整后是否需要重新做环评，希望生态环境部门给出意见。", "项目审批"),
    ("招聘会场地支持", "计划举办校园招聘专场，希望园区提供场地和宣传支持。", "人才用工"),
    ("天然气接入报装", "新厂区需要接入天然气用于热处理工序，报装流程和时限是多少？", "水电气暖"),
]
DEPT_FOR_CATEGORY = {"项目审批": "行政审批局", "政策咨询": "科技创新局", "水电气暖": "住建局", "人才用工": "人社局",
                     "用地规划": "规划自然资源局", "税费办理": "税务局", "工程建设": "住建局", "融资需求": "科技创新局",
                     "其他": "市场监管局"}


def demo_accounts():
    """(username, role, name, department) of every demo account."""
    rows = [(f"secretary{i + 1}", Role.SECRETARY.value, n, None) for i, n in enumerate(SECRETARIES)]
    rows += [(f"officer{i + 1}", Role.OFFICER.value, n, DEPARTMENTS[i]) for i, n in enumerate(OFFICERS)]
    rows += [("supervisor", Role.SUPERVISOR.value, "钱主任", None), ("admin", Role.ADMIN.value, "系统管理员", None)]
    return rows


def make_credit_code(rng: random.Random) -> str:
    """A well-formed unified social credit code for a company registered in the zone."""
    body = "91320505" + "".join(rng.choice(CREDIT_CODE_CHARS[:10] + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + credit_code_check_char(body)


def _get_or_create(model, name, **fields):
    obj = db.session.scalar(select(model).where(model.name == name))
    if obj is None:
        obj = model(name=name, **fields)
        db.session.add(obj)
    return obj


def seed_demo(ticket_count=300, seed=20261122):
    """Create the demo data unless it is already there; returns a one-line summary."""
    with current_app.test_request_context():
        return _seed(ticket_count, seed)


def _seed(ticket_count, seed):
    rng = random.Random(seed)
    departments = {name: _get_or_create(Department, name) for name in DEPARTMENTS}
    categories = {name: _get_or_create(Category, name, description=desc) for name, desc in CATEGORIES}
    db.session.commit()
    users = {}
    for username, role, name, dept in demo_accounts():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user = User(username=username, display_name=name, role=role, session_version=0,
                        department_id=departments[dept].id if dept else None, email=f"{username}@example.cn",
                        # Secretaries' desk phones: enterprises see them on their receipts and tracking pages.
                        office_phone=(f"0512-668801{int(username.removeprefix('secretary')):02d}"
                                      if role == Role.SECRETARY.value else ""))
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
        users[username] = user
    db.session.commit()
    secretaries = [users[f"secretary{i + 1}"] for i in range(len(SECRETARIES))]

    if db.session.scalar(select(func.count(Enterprise.id))) < 40:
        for i in range(40):
            head, (tail, industry) = NAME_HEADS[i % len(NAME_HEADS)], NAME_TAILS[(i * 3) % len(NAME_TAILS)]
            name = f"苏州{head}{tail}有限公司" if i < len(NAME_HEADS) else f"苏州{head}{tail}{i}号有限公司"
            if db.session.scalar(select(Enterprise.id).where(Enterprise.name == name)):
                continue
            db.session.add(Enterprise(name=name, credit_code=make_credit_code(rng), park=PARKS[i % len(PARKS)],
                                      industry=industry, contact_name=rng.choice("王李张刘陈杨赵黄周吴") + "经理",
                                      mobile=f"139{rng.randrange(10**8):08d}", secretary=secretaries[i % 8],
                                      contact_verified=i % 10 != 9))  # a few contacts still wait for a check
        db.session.commit()
    _seed_desk(rng)
    # The demo's history is made by each company's 联系秘书; the companies without one show the shared pool.
    enterprises = db.session.scalars(select(Enterprise).where(Enterprise.secretary_id.is_not(None))
                                     .order_by(Enterprise.id)).all()

    from app.models import AssessmentRun, Project
    has_tickets = bool(db.session.scalar(select(func.count(Ticket.id))))
    has_projects = bool(db.session.scalar(select(func.count(Project.id))))
    has_assessment = bool(db.session.scalar(select(func.count(AssessmentRun.id))))
    if has_tickets and has_projects and has_assessment:
        return "demo data already present: nothing changed"

    real_clock = current_app.extensions["jj_clock"]
    now = real_clock.now()
    clock = FrozenClock(now)
    current_app.extensions["jj_clock"] = clock
    try:
        if not has_tickets:
            _seed_visits(rng, clock, now, enterprises)
            for i in range(ticket_count):
                start = now - timedelta(days=90) + timedelta(days=90 * i / ticket_count, hours=rng.uniform(0, 8))
                if i >= ticket_count - 2:  # this morning's submissions, not accepted yet
                    start = now - timedelta(hours=rng.uniform(1, 6))
                clock.set(start)
                _seed_ticket(rng, clock, now, rng.choice(enterprises), categories, departments, users)
            _seed_meetings(rng, now, departments)
            _seed_pool_cases(clock, now, categories)
        if not has_projects:
            clock.set(now)
            _seed_projects(rng, now, enterprises, departments)
    finally:
        current_app.extensions["jj_clock"] = real_clock
    from app.supervision.sweep import sweep
    sweep(now)  # overdue demo cases are flagged, as the scheduler would have done
    _hold_back_demo_messages()
    if not has_assessment:
        _seed_assessment(rng, users)
    return f"demo data loaded: {len(departments)} departments, {len(users)} accounts, " \
           f"{len(enterprises)} enterprises, {ticket_count} tickets"


def _hold_back_demo_messages():
    """The demo's companies have made-up mobile numbers (real people may own them): the messages their cases
    queued stay on the cases and in the outbox, given up, so a gateway configured later never sends them."""
    from sqlalchemy import update

    from app.models import Notification
    from app.supervision import notify
    db.session.execute(update(Notification).where(
        Notification.enterprise_id.is_not(None), Notification.sent_at.is_(None)).values(
        attempts=notify.MAX_ATTEMPTS, next_attempt_at=None,
        last_error=f"{notify.GIVEN_UP}：演示数据，不发给虚构的号码"))
    db.session.commit()


def _seed_assessment(rng, users):
    """Last month as the centre would have it: enterprises' evaluations, an exclusion, two appeals (one
    decided), and the month published; this month stays a live draft."""
    from app.assessment import appeals, evaluation, publishing
    from app.errors import ServiceError
    month = publishing.current_month().previous()
    supervisor = users["supervisor"]
    for row in [r for r in evaluation.enterprises_to_invite(month) if r["verified"]][:20]:
        enterprise = db.session.get(Enterprise, row["id"])
        for kind, unit_id in evaluation.evaluation_units(row["id"], month):
            marks = {k: rng.choice([3, 4, 4, 5, 5, 5]) for k in evaluation.CRITERIA}
            try:
                evaluation.submit_evaluation(enterprise, month, kind, unit_id, marks)
            except ServiceError:
                db.session.rollback()
    late = db.session.scalars(
        select(Ticket).where(Ticket.created_at >= month.start, Ticket.created_at < month.end,
                             Ticket.secretary_id.is_not(None)).order_by(Ticket.id).limit(3)).all()
    if len(late) == 3:
        appeals.exclude_ticket(late[0], supervisor, "企业重复提交的同一诉求，已合并办理")
        first = appeals.file_appeal(late[1], db.session.get(User, late[1].secretary_id),
                                    "企业负责人出国，补充材料延误两周，非秘书原因")
        appeals.decide_appeal(first, supervisor, True, "情况属实，该件不计入该秘书考核")
        appeals.file_appeal(late[2], db.session.get(User, late[2].secretary_id), "企业要求暂缓办理")
    publishing.publish_month(month, supervisor, "")


# (project, industry it belongs to, investment in 万元): each goes to an enterprise of that industry.
DEMO_PROJECTS = [("12 英寸晶圆封测基地", "集成电路", 120000), ("新能源电池材料产业园", "新能源", 80000),
                 ("生物医药研发中心", "生物医药", 30000), ("高端装备智能工厂", "高端装备", 50000),
                 ("光电显示模组项目", "光电", 45000), ("工业互联网平台总部", "软件信息", 12000),
                 ("精密模具产业化项目", "高端装备", 15000), ("创新药中试基地", "生物医药", 25000),
                 ("智能网联汽车零部件项目", "高端装备", 60000), ("半导体设备零部件项目", "集成电路", 40000),
                 ("数据中心二期", "软件信息", 90000), ("新型显示材料项目", "新材料", 35000)]


def _seed_meetings(rng, now, departments):
    """Three convened meetings on tickets in processing, with minutes and action items."""
    from app.meetings import services as meetings
    clock = current_app.extensions["jj_clock"]
    # Cases in hand whose last change is two days old or more, so the meeting and its minutes both fall before now.
    tickets = db.session.scalars(select(Ticket).where(Ticket.state == "processing",
                                                      Ticket.updated_at < now - timedelta(days=2))
                                 .order_by(Ticket.id)).all()
    for ticket in tickets[:3]:
        clock.set(max(now - timedelta(days=rng.randint(3, 8)), ticket.updated_at + timedelta(hours=2)))
        lead = ticket.lead_assignment
        others = [d.id for d in departments.values() if not lead or d.id != lead.department_id]
        meeting = meetings.convene_meeting(
            ticket.secretary, [ticket], subject=f"{ticket.enterprise.name}{ticket.title}专题会办",
            starts_at=clock.now() + timedelta(days=1), place="企业服务中心三楼会议室", agenda="研究解决方案，明确责任分工。",
            lead_department_id=lead.department_id if lead else others[0], support_department_ids=others[:1],
            guests=[("市政设计院", "张工 13900000001")])
        clock.set(clock.now() + timedelta(days=1, hours=3))
        meetings.record_minutes(ticket.secretary, meeting, "各部门就办理路径达成一致，明确了时间节点。",
                                "会议决定：由牵头部门在五个工作日内出具书面意见，中心跟踪督办。")
        item = meetings.add_action_item(ticket.secretary, meeting, ticket.id, "出具书面办理意见",
                                        lead.department_id if lead else others[0], 5)
        if rng.random() < 0.5:
            meetings.complete_action_item(ticket.secretary, item, "已出具书面意见。")
        meetings.decide_plan(ticket.secretary, meeting)
    clock.set(now)


# Planned days after signing: 拿地 two months on, 开工 five, 竣工 a year after 开工, 投产 two months after that.
PLAN_OFFSETS = {"sign": 0, "land": 60, "start": 150, "complete": 480, "production": 540}
STAGE_CODES = ["sign", "land", "start", "complete", "production"]
# How far each demo project has come (the index of its last stage done), in DEMO_PROJECTS' order.
PROGRESS = [2, 1, 2, 3, 4, 0, 1, 2, 3, 2, 0, 2]
INSTANT_STARTS = {2, 7}  # 拿地即开工: the permits issued with the land, building starts within days
LATE_PROJECTS = {3, 6}  # their next stage is a few days past its planned date
STAGE_WORK = {"sign": "签订投资协议；完成项目备案", "land": "土地挂牌出让；签订出让合同；取得建设用地规划许可证",
              "start": "工程规划许可；施工图审查；办理施工许可证；施工单位进场",
              "complete": "主体结构封顶；消防验收；竣工验收备案", "production": "设备安装调试；排污许可；试生产"}


def _seed_projects(rng, now, enterprises, departments):
    """A dozen projects on the sheet at every stage, each with an enterprise of its industry, the permits in the
    order they are really issued (项目备案 before 拿地; 用地规划许可证, 工程规划许可证, 施工图审查 and 施工许可证
    after it; 开工 after the permit), on working days, two of them 拿地即开工, two a little behind plan, and the
    parks' targets."""
    from app.deadlines.calendar import current_calendar
    from app.models import Project, ProjectStage
    from app.projects import services as projects
    projects.ensure_reference_data()
    if db.session.scalar(select(func.count(Project.id))):
        return
    today = now.astimezone(SHANGHAI).date()
    calendar = current_calendar()
    stages = {s.code: s.id for s in db.session.scalars(select(ProjectStage))}
    officers = {u.department_id: u.display_name for u in db.session.scalars(select(User).where(
        User.role == Role.OFFICER.value))}
    used = {}
    for i, (name, industry, investment) in enumerate(DEMO_PROJECTS):
        fitting = [e for e in enterprises if e.industry == industry] or enterprises
        enterprise = fitting[used.get(industry, 0) % len(fitting)]
        used[industry] = used.get(industry, 0) + 1
        secretary = db.session.get(User, enterprise.secretary_id)
        project = projects.create_project(secretary, enterprise, name=name, investment_wan=investment,
                                          industry=industry, park=enterprise.park, leader="分管副主任")
        progress, instant = PROGRESS[i], i in INSTANT_STARTS
        signed = _signing_day(rng, today, progress, instant, late=i in LATE_PROJECTS)
        plan = {code: signed + timedelta(days=PLAN_OFFSETS[code]) for code in STAGE_CODES}
        if instant:
            plan["start"] = plan["land"] + timedelta(days=7)
            plan["complete"], plan["production"] = plan["start"] + timedelta(days=330), plan["start"] + timedelta(days=390)
        plan = {code: _workday(calendar, day) for code, day in plan.items()}
        actual, permits = _project_history(rng, calendar, plan, instant)
        done = {code: day for n, code in enumerate(STAGE_CODES) if n <= progress and (day := actual[code]) <= today}
        planning, building = (f"{officers.get(departments[d].id, '')}（{d}）" for d in ("规划自然资源局", "住建局"))
        owners = {"sign": secretary.display_name, "land": planning, "start": building, "complete": building,
                  "production": f"{enterprise.contact_name}（企业）"}
        projects.set_milestones(secretary, project, {stages[c]: (plan[c], done.get(c)) for c in STAGE_CODES},
                                details={stages[c]: (owners[c], STAGE_WORK[c]) for c in STAGE_CODES})
        _seed_project_permits(projects, secretary, project, stages, permits, done, today)
    _seed_targets(rng, today)


def _workday(calendar, day):
    """The first working day on or after `day` (permits are issued, land handed over, on working days)."""
    while not calendar.is_workday(day):
        day += timedelta(days=1)
    return day


def _signing_day(rng, today, progress, instant, late):
    """When a project at `progress` was signed: its last stage done is planned in the past, its next one ahead
    (for the late ones, a few days ago)."""
    if progress == len(STAGE_CODES) - 1:
        return today - timedelta(days=PLAN_OFFSETS["production"] + rng.randint(30, 200))
    following = STAGE_CODES[progress + 1]
    if late:
        return today - timedelta(days=PLAN_OFFSETS[following] + rng.randint(4, 12))
    if instant:  # started this spring or summer, a week after its land
        return today - timedelta(days=PLAN_OFFSETS["land"] + rng.randint(90, 250))
    if following == "complete":  # started this year
        return today - timedelta(days=PLAN_OFFSETS["start"] + rng.randint(20, 200))
    reached = PLAN_OFFSETS[STAGE_CODES[progress]]
    return today - timedelta(days=rng.randint(reached + 25, PLAN_OFFSETS[following] - 20))


def _project_history(rng, calendar, plan, instant):
    """Actual dates of every stage and the permits' (submitted, approved) days, in the order they happen, on
    working days."""
    def after(day, lo, hi):
        return _workday(calendar, day + timedelta(days=rng.randint(lo, hi)))
    sign = plan["sign"]
    filing_in = after(sign, 3, 10)
    permits = {"project_filing": (filing_in, after(filing_in, 2, 6))}
    land = max(after(plan["land"], -10, 4), after(permits["project_filing"][1], 3, 10))
    if instant:
        # Prepared while the land was on offer: every permit is issued the day the land is obtained.
        for code in ("land_planning_permit", "works_planning_permit", "construction_drawing_review",
                     "construction_permit"):
            permits[code] = (after(land, -20, -10), land)
        start = after(land, 0, 3)
    else:
        land_in = after(land, 1, 5)
        permits["land_planning_permit"] = (land_in, after(land_in, 5, 15))
        works_in = after(permits["land_planning_permit"][1], 3, 10)
        permits["works_planning_permit"] = (works_in, after(works_in, 8, 18))
        review_in = after(permits["works_planning_permit"][1], 1, 5)
        permits["construction_drawing_review"] = (review_in, after(review_in, 5, 12))
        permit_in = after(max(permits["works_planning_permit"][1], permits["construction_drawing_review"][1]), 1, 4)
        permits["construction_permit"] = (permit_in, after(permit_in, 3, 7))
        start = max(after(plan["start"], -10, 4), after(permits["construction_permit"][1], 1, 10))
    complete = max(after(plan["complete"], -20, 6), after(start, 300, 330))
    production = max(after(plan["production"], -15, 5), after(complete, 30, 45))
    permits["completion_acceptance"] = (after(complete, -14, -7), complete)
    return {"sign": sign, "land": land, "start": start, "complete": complete, "production": production}, permits


# Each permit with the stage it serves and the stage that must be done before it is applied for.
PERMIT_STAGES = [("project_filing", "sign", "sign"), ("land_planning_permit", "land", "land"),
                 ("works_planning_permit", "start", "land"), ("construction_drawing_review", "start", "land"),
                 ("construction_permit", "start", "land"), ("completion_acceptance", "complete", "start")]


def _seed_project_permits(projects, secretary, project, stages, permits, done, today):
    """The project's permits as far as it has come: approved, submitted and waiting, or not started yet."""
    from app.models import ProcedureType
    kinds = {k.code: k for k in db.session.scalars(select(ProcedureType))}
    for code, stage, needs in PERMIT_STAGES:
        if needs not in done:
            if code == "land_planning_permit" and "sign" in done:  # prepared, applied for once the land is had
                projects.create_procedure(secretary, project.enterprise, kinds[code].id, project=project,
                                          stage_id=stages[stage], note="材料已准备，待拿地后报审")
            continue
        procedure = projects.create_procedure(secretary, project.enterprise, kinds[code].id, project=project,
                                              stage_id=stages[stage])
        submitted, approved = permits[code]
        if approved <= today:
            projects.update_procedure(secretary, procedure, status=ProcedureStatus.APPROVED.value,
                                      submitted_on=submitted, approved_on=approved)
        elif submitted <= today:
            projects.update_procedure(secretary, procedure, status=ProcedureStatus.SUBMITTED.value,
                                      submitted_on=submitted)


def _seed_targets(rng, today):
    """This year's targets for every park, set by the director."""
    from app.models import ParkTarget
    from app.projects import report
    if db.session.scalar(select(func.count(ParkTarget.id))):
        return
    director = db.session.scalar(select(User).where(User.username == "supervisor"))
    for park in PARKS:
        report.set_park_target(director, year=today.year, park=park, new_starts=rng.randint(1, 3),
                               in_production=rng.choice([0, 1]), start_rate=rng.choice([50, 60]))


POOL_ENTERPRISES = [("苏州光启新能源有限公司", "综合保税区", "新能源"), ("苏州云帆数字科技有限公司", "科技城", "软件信息")]


def _seed_desk(rng):
    """Each company's contact becomes its primary contact row, every third company gets a second contact, and two
    companies have no 联系秘书 yet (their cases wait in the shared pool)."""
    from app.models import EnterpriseContact
    for i, (name, park, industry) in enumerate(POOL_ENTERPRISES):
        if db.session.scalar(select(Enterprise.id).where(Enterprise.name == name)) is None:
            db.session.add(Enterprise(name=name, credit_code=make_credit_code(rng), park=park, industry=industry,
                                      contact_name="钱经理", mobile=f"1370000{i:04d}", contact_verified=False))
    db.session.flush()
    for i, enterprise in enumerate(db.session.scalars(select(Enterprise).order_by(Enterprise.id)).all()):
        if enterprise.contacts or not enterprise.contact_name:
            continue
        enterprise.contacts = [EnterpriseContact(name=enterprise.contact_name, title="总经理", mobile=enterprise.mobile,
                                                 verified=enterprise.contact_verified, is_primary=True, position=0)]
        if i % 3 == 0:
            enterprise.contacts.append(EnterpriseContact(name=rng.choice("孙周吴郑冯许何") + "会计", title="财务负责人",
                                                         mobile=f"138{rng.randrange(10**8):08d}", position=1))
    db.session.commit()


def _seed_pool_cases(clock, now, categories):
    """One web case from each company without a 联系秘书: the pool's cases, waiting to be taken."""
    clock.set(now - timedelta(hours=2))
    for name, _park, _industry in POOL_ENTERPRISES:
        enterprise = db.session.scalar(select(Enterprise).where(Enterprise.name == name))
        data = {"enterprise_name": enterprise.name, "credit_code": enterprise.credit_code, "title": "新设企业政策咨询",
                "description": "公司刚落户园区，想了解人才公寓和研发费用加计扣除的申请条件。",
                "category_id": categories["政策咨询"].id, "contact_name": enterprise.contact_name,
                "mobile": enterprise.mobile, "urgency": Urgency.NORMAL.value}
        submit_public_ticket(data, [], new_submission_key())


def _seed_visits(rng, clock, now, enterprises):
    from app.enterprises.services import log_visit
    for i in range(60):
        enterprise = enterprises[i % len(enterprises)]
        day = (now - timedelta(days=rng.randint(0, 88))).date()
        clock.set(now)
        log_visit(enterprise.secretary, enterprise, rng.choice([VisitKind.VISIT.value] * 3 + [VisitKind.FORUM.value]),
                  day, "企业负责人、项目秘书", f"走访{enterprise.name}，了解生产经营和项目推进情况，收集企业诉求。")


def _step(clock, rng, now, hours, stop=0.0):
    """Move the clock forward; False when that would pass the present, or (chance `stop`) work pauses here."""
    if rng.random() < stop:
        return False
    target = clock.now() + timedelta(hours=hours * rng.uniform(0.5, 1.5))
    if target >= now:
        return False
    clock.set(target)
    return True


# A well-run centre's Monday: cases older than RECENT_DAYS went the whole way (a returned one re-dispatched, a hold
# resumed, follow-ups and return visits done); the last RECENT_DAYS' cases may still be in hand at a department,
# and only the last FRESH_DAYS' may still wait to be accepted, answered or signed for. So the few late cases on the
# first screen are recent ones, a day or two over, not a wall of cases months overdue.
FRESH_DAYS, RECENT_DAYS = 3, 14


def _other_department(departments, lead):
    """Where a department that returned a case suggests it belongs (its return reason names 市场监管局)."""
    return departments["市场监管局"] if lead.name != "市场监管局" else departments["行政审批局"]


def _seed_ticket(rng, clock, now, enterprise, categories, departments, users):
    title, text, cat_name = rng.choice(PROBLEMS)
    age = now - clock.now()
    fresh, old = age < timedelta(days=FRESH_DAYS), age >= timedelta(days=RECENT_DAYS)
    stop = 0.3 if fresh else 0.0 if old else 0.15
    early_stop = stop if fresh else 0.0  # intake, first reply and sign-off have one-day clocks: only fresh ones wait
    secretary = enterprise.secretary
    data = {"enterprise_name": enterprise.name, "credit_code": enterprise.credit_code, "title": title,
            "description": text, "category_id": categories[cat_name].id, "contact_name": enterprise.contact_name,
            "mobile": enterprise.mobile, "urgency": Urgency.URGENT.value if rng.random() < 0.15 else Urgency.NORMAL.value}
    just_in = age < timedelta(hours=12)
    if just_in or rng.random() < 0.6:
        ticket, _code, _new = submit_public_ticket(data, [], new_submission_key())
        if just_in or not _step(clock, rng, now, 3, early_stop):
            return
        if rng.random() < 0.05:
            services.reject_ticket(ticket, secretary, ticket.version, "该事项属于企业间民事纠纷，建议通过司法途径解决。")
            return
        services.accept_ticket(ticket, secretary, ticket.version)
    else:
        channel = rng.choice([c for c in Channel if c is not Channel.WEB])
        ticket, _code = record_offline_ticket(secretary, enterprise, data, [], channel=channel)
    if not _step(clock, rng, now, 2, early_stop):
        return
    services.reply_to_enterprise(ticket, secretary, "您好，您反映的问题已收到，我们正在协调相关部门，将尽快给您答复。")
    if rng.random() < 0.12:
        if not _step(clock, rng, now, 12, stop):
            return
        services.resolve_ticket(ticket, secretary, ticket.version, "经电话沟通，已当场解答企业疑问并提供政策文件。")
        return _seed_follow_up(rng, clock, now, ticket, secretary, stop, old)
    lead = departments[DEPT_FOR_CATEGORY[cat_name]]
    support = [d.id for d in rng.sample(list(departments.values()), 1) if d.id != lead.id]
    support = support if rng.random() < 0.3 else []
    services.dispatch_ticket(ticket, secretary, ticket.version, lead.id, support, "请按职责办理，并于时限内反馈。")
    officer = next(u for u in users.values() if u.department_id == lead.id)
    if not _step(clock, rng, now, 4, early_stop):
        return
    if rng.random() < 0.06:
        services.return_assignment(ticket, officer, ticket.version, "该事项不属于本部门职责，建议转市场监管局。")
        if not old or not _step(clock, rng, now, 3):
            return  # a recent return waits in the secretary's queue
        lead, support = _other_department(departments, lead), []
        services.dispatch_ticket(ticket, secretary, ticket.version, lead.id, [], "按退回意见改派，请按职责办理。")
        officer = next(u for u in users.values() if u.department_id == lead.id)
        if not _step(clock, rng, now, 4):
            return
    services.sign_assignment(ticket, officer, ticket.version)
    for department_id in support:
        if _step(clock, rng, now, 2):  # the supporting department signs for its part too
            services.sign_assignment(ticket, next(u for u in users.values() if u.department_id == department_id),
                                     ticket.version)
    if not _step(clock, rng, now, 20, stop):
        return
    services.report_progress(ticket, officer, "已与企业对接，正在核实材料，预计三个工作日内出具意见。", public=True)
    if rng.random() < 0.07:
        services.hold_ticket(ticket, secretary, ticket.version, "请企业补充项目立项批复文件。")
        if not old or not _step(clock, rng, now, 48):
            return  # waiting on the enterprise: the clock stands still
        services.resume_ticket(ticket, secretary, ticket.version, "企业已补齐立项批复文件，恢复办理。")
    if not _step(clock, rng, now, 48, stop):
        return
    services.resolve_ticket(ticket, secretary, ticket.version, "经协调，相关部门已办理完毕并出具书面意见，请企业查收。")
    _seed_follow_up(rng, clock, now, ticket, secretary, stop, old)


def _seed_follow_up(rng, clock, now, ticket, secretary, stop, old=False):
    """The enterprise rates, or the secretary calls back and closes; an old 差评 got its return visit, was
    solved again and closed, as a centre that keeps its word would have done."""
    if not _step(clock, rng, now, 30, stop):
        return
    roll = rng.random()
    if roll < 0.6:
        services.rate_ticket(ticket, rng.choice([Satisfaction.VERY_SATISFIED.value] * 3 + [Satisfaction.SATISFIED.value]),
                             Solved.SOLVED.value, "办事效率高，感谢项目秘书。")
    elif roll < 0.7:
        services.rate_ticket(ticket, Satisfaction.DISSATISFIED.value, Solved.UNSOLVED.value, "问题仍未解决。")
        if not old or not _step(clock, rng, now, 24):
            return
        services.record_return_visit(ticket, secretary, visited_on=clock.now().astimezone(SHANGHAI).date(),
                                     way="phone", result="电话回访，已向企业说明整改措施，企业表示认可。", satisfied=True)
        if not _step(clock, rng, now, 48):
            return
        services.resolve_ticket(ticket, secretary, ticket.version, "整改完成，相关部门已重新出具办理意见。")
        if _step(clock, rng, now, 30):
            services.close_ticket(ticket, secretary, ticket.version, "电话回访，企业表示问题已解决。")
    elif roll < 0.85 or old:
        services.close_ticket(ticket, secretary, ticket.version, "电话回访，企业表示满意。")
