"""End to end in a real headless Chromium (Debian's package, driven by Playwright): an enterprise submits from a
phone, a secretary accepts, answers and dispatches, a department signs and reports, the secretary resolves, the
enterprise confirms and rates; an enterprise on a phone signs in with the SMS code read from the fake gateway, reads
我的诉求, rates and scores its month; a secretary works a case and logs a visit on a 390 px phone (no page scrolls
sideways, the actions sit in a bar at the bottom) and the top menu is one line at 1366 px. Screenshots of every page
go to test-output/e2e/."""
import os
import re
from pathlib import Path

import pytest
from app.enums import Role
from tests.conftest import PASSWORD, staff_login
from tests.factories import verified_evaluation_token

pytestmark = pytest.mark.browser

OUTPUT = Path(os.environ.get("JJ_TEST_OUTPUT", Path(__file__).resolve().parent.parent / "test-output")) / "e2e"


def shot(page, name):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)


def act(page, action, fields=None, done_text=None):
    """Open an action's panel on the ticket page, fill it, submit it through HTMX and wait for the result."""
    panel = page.locator(f"details.action-{action}")
    panel.locator("summary").click()
    for selector, value in (fields or {}).items():
        element = panel.locator(selector)
        if element.evaluate("e => e.tagName") == "SELECT":
            element.select_option(label=value)
        elif element.get_attribute("type") in ("checkbox", "radio"):
            element.check()
        else:
            element.fill(value)
    panel.locator("button").click()
    if done_text:
        page.get_by_role("status").filter(has_text=done_text).wait_for()


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_a_case_from_submission_to_rating(app, factory, live_server, browser):
    from tests.conftest import PASSWORD
    factory.category("水电气暖")
    dept = factory.department("住建局")
    secretary = factory.user(Role.SECRETARY)
    officer = factory.user(Role.OFFICER, department_id=dept)
    base = live_server

    # The enterprise, on a phone.
    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.goto(f"{base}/submit")
    phone.fill("#enterprise_name", "苏州锐芯电子有限公司")
    phone.fill("#credit_code", "91350100M000100Y43")
    phone.fill("#contact_name", "李经理")
    phone.fill("#mobile", "13912345678")
    phone.select_option("#category_id", label="水电气暖")
    phone.fill("#title", "厂区用电增容申请迟迟未批")
    phone.fill("#description", "因新增产线，需要将用电容量从 800kVA 增至 1600kVA，申请已提交一个月仍无答复。")
    shot(phone, "01-enterprise-submit-form")
    phone.click("form.submit-form button[type=submit]")
    phone.wait_for_selector("#access-code")
    number = phone.inner_text("#tracking-number").strip()
    code = phone.inner_text("#access-code").strip()
    assert re.fullmatch(r"JJ-\d{4}-\d{6}", number)
    # At 390 px the 28-character code takes more than one line, and it breaks only between its groups of four:
    # every group is drawn on a single line (one client rectangle), and together they read back as the code.
    groups = phone.locator("#access-code .code-group")
    assert groups.count() == 7
    rects = groups.evaluate_all("els => els.map(e => e.getClientRects().length)")
    tops = groups.evaluate_all("els => els.map(e => Math.round(e.getBoundingClientRect().top))")
    assert rects == [1] * 7, rects
    assert len(set(tops)) >= 2, tops  # the code does wrap on a phone: the check above means something
    assert "".join(groups.all_inner_texts()) == code
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing pushes the page sideways
    assert phone.locator("#personal-link-qr svg.qr-code").is_visible()
    link = phone.get_attribute("#personal-link", "href")
    assert re.fullmatch(re.escape(base) + r"/t/[A-Za-z0-9_-]{43}", link)
    shot(phone, "02-enterprise-submitted")
    # The personal link opens the case on a phone that never typed the code (a new browser context).
    other_phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    other_phone.goto(link)
    assert number in other_phone.content() and "厂区用电增容申请迟迟未批" in other_phone.content()
    shot(other_phone, "02b-enterprise-personal-link")
    other_phone.context.close()

    # The secretary accepts, replies and dispatches.
    sec = staff_login(browser, base, secretary, PASSWORD)
    assert number in sec.content()
    shot(sec, "03-secretary-workspace")
    sec.click(f"text={number}")
    act(sec, "accept", done_text="已受理")
    act(sec, "reply", {"textarea[name=body]": "您好，已联系供电公司核实增容方案，预计三个工作日内答复。"}, "答复已发送")
    act(sec, "dispatch", {"select[name=lead_department_id]": "住建局",
                          "textarea[name=instructions]": "请协调供电公司加快增容审批"}, "已转办")
    shot(sec, "04-secretary-dispatched")

    # The department signs and reports progress.
    off = staff_login(browser, base, officer, PASSWORD)
    assert number in off.content()
    off.click(f"text={number}")
    act(off, "sign", done_text="已签收")
    act(off, "progress", {"textarea[name=body]": "已与供电公司现场踏勘，增容方案已批复。",
                          "input[name=public]": True}, "进展已报告")
    shot(off, "05-officer-progress")

    # A supervisor reads the deadlines: the board, and the explanation on the ticket page.
    supervisor = factory.user(Role.SUPERVISOR)
    sup = staff_login(browser, base, supervisor, PASSWORD)
    sup.goto(f"{base}/board/overdue?level=warning")
    shot(sup, "05b-supervisor-board")
    sup.goto(f"{base}/tickets/{_ticket_id(app, number)}")
    sup.wait_for_selector("#deadlines")
    sup.locator("#deadlines details.explain summary").first.click()
    assert "个工作日" in sup.inner_text("#deadlines")
    shot(sup, "05c-deadline-explained")

    # Hard case: the secretary convenes a meeting, records the decision and an action item.
    sec.reload()
    sec.click("text=召开会办")
    sec.fill("#starts_at", "2026-11-18T14:30")
    sec.fill("#place", "服务中心三楼会议室")
    sec.fill("#guests", "供电公司 李科长")
    sec.click("main form button.btn-primary")
    sec.wait_for_url("**/meetings/*")
    # Minutes are written once the meeting has begun: Wednesday 18 November, 14:30 Beijing time.
    from datetime import datetime, timezone
    app.extensions["jj_clock"].set(datetime(2026, 11, 18, 6, 30, tzinfo=timezone.utc))
    sec.reload()
    sec.locator("details.action summary", has_text="填写纪要").click()
    sec.fill("#minutes_internal", "供电公司同意优先安排增容。")
    sec.fill("#minutes_public", "会议决定：供电公司一周内完成增容方案批复，住建局跟进。")
    sec.click("text=保存纪要")
    sec.locator("details.action summary", has_text="布置会办事项").click()
    sec.fill("#title", "出具增容方案批复意见")
    sec.fill("#working_days", "3")
    sec.click("button:text-is('布置')")
    sec.get_by_role("status").filter(has_text="会办事项已布置").wait_for()
    shot(sec, "06a-meeting")
    meeting_url = sec.url
    off.goto(meeting_url)
    off.fill("input[name=note]", "已出具批复意见")
    off.click("button:has-text('完成')")
    off.get_by_role("status").filter(has_text="会办事项已完成").wait_for()
    sec.goto(meeting_url)
    sec.click("text=形成办理方案，诉求恢复办理")
    sec.get_by_role("status").filter(has_text="已形成办理方案").wait_for()
    shot(sec, "06b-meeting-plan-decided")

    # The secretary resolves.
    sec.goto(f"{base}/tickets/{_ticket_id(app, number)}")
    act(sec, "resolve", {"textarea[name=outcome]": "供电公司已批复增容至 1600kVA，预计下周完成接入。"}, "已办结")
    shot(sec, "06c-secretary-resolved")

    # The enterprise looks it up, confirms and rates.
    phone.goto(f"{base}/track")
    phone.fill("#number", number)
    phone.fill("#code", code)
    phone.click("main form button")
    phone.wait_for_url(f"**/track/{number}")
    body = phone.content()
    assert "供电公司已批复增容" in body and "已办结" in body
    assert "一周内完成增容方案批复" in body and "同意优先安排" not in body  # public decisions only
    assert "请协调供电公司加快增容审批" not in body  # dispatch instructions are internal
    shot(phone, "07-enterprise-tracking")
    phone.check("input[name=satisfaction][value='5']")
    phone.check("input[name=solved][value='solved']")
    phone.fill("textarea[name=comment]", "效率很高，感谢！")
    phone.click("text=提交评价")
    phone.wait_for_selector(".state-closed")
    shot(phone, "08-enterprise-rated-closed")
    assert factory.get_ticket(_ticket_id(app, number))["state"] == "closed"

    # The project sheet and the wall chart, as a secretary shows them on the screen.
    from tests.test_projects import make_project
    from datetime import date
    make_project(app, factory, secretary, "芯片封测基地", {
        "sign": (date(2026, 2, 1), date(2026, 2, 13)), "land": (date(2026, 9, 1), date(2026, 9, 28)),
        "start": (date(2026, 11, 20), None), "complete": (date(2027, 6, 30), None)},
        permit_approved=date(2026, 10, 12))
    make_project(app, factory, secretary, "新材料产业园", {
        "sign": (date(2026, 3, 1), date(2026, 3, 2)), "land": (date(2026, 5, 1), None)})
    sec.goto(f"{base}/projects")
    assert "芯片封测基地" in sec.content()
    shot(sec, "09-project-sheet")
    sec.goto(f"{base}/projects/gantt")
    shot(sec, "10-project-wall-chart")


def _ticket_id(app, number):
    from app.models import Ticket
    with app.app_context():
        return Ticket.query.filter_by(number=number).one().id


def test_a_supervisor_publishes_october_and_opens_the_report_and_the_hall_board(app, factory, live_server, browser):
    from tests.test_assessment import Month10
    clock = app.extensions["jj_clock"]
    back_to = clock.now()
    with app.test_request_context():
        b = Month10(clock)
        for name, n, late, happy in (("周敏", 6, (), 6), ("吴刚", 6, (4, 5), 4), ("郑洁", 2, (), 2)):
            secretary = b.user(name, "secretary")
            ratings = [("5", "solved")] * happy + [("3", "partly")] * (n - happy)
            tickets = b.first_contact(secretary, n, late=late, ratings=ratings)
        from app.assessment.period import Month
        token = verified_evaluation_token(tickets[0].enterprise_id, Month(2026, 10))
    clock.set(back_to)
    supervisor = factory.user(Role.SUPERVISOR)
    sup = staff_login(browser, live_server, supervisor, PASSWORD)
    sup.goto(f"{live_server}/assessment/2026-10")
    assert "草稿" in sup.content() and "金牌秘书：周敏" in sup.content()
    sup.click("text=发布本月考评")
    sup.wait_for_selector("text=已发布 第 1 版")
    body = sup.content()
    assert "金牌秘书：周敏" in body and "不足 5 件，不参与排名" in body
    shot(sup, "11-assessment-published")
    sup.click("main >> text=月度报告")
    sup.wait_for_selector("svg.chart")
    assert "企业服务中心 2026年10月 月度报告" in sup.content()
    shot(sup, "12-monthly-report")
    sup.emulate_media(media="print")
    shot(sup, "13-monthly-report-print")
    sup.emulate_media(media="screen")
    sup.set_viewport_size({"width": 1920, "height": 1080})
    sup.goto(f"{live_server}/hall")
    sup.wait_for_selector("text=今日新增诉求")
    assert "13812345678" not in sup.content()
    shot(sup, "14-hall-board")
    # In English the supervisor's menu (the longest) wraps instead of pushing the page sideways on a 1280 px desk
    # (it was 2,009 px wide); in Chinese it stays on one line.
    sup.set_viewport_size({"width": 1280, "height": 800})
    sup.goto(f"{live_server}/tickets")
    one_line = sup.evaluate("document.querySelector('nav.navbar').getBoundingClientRect().height")
    _no_sideways_scroll(sup, 1280)
    with sup.expect_navigation():
        sup.evaluate("document.querySelector('form.lang-switch button[value=en]').click()")
    sup.goto(f"{live_server}/tickets")
    assert "Requests" in sup.content()
    _no_sideways_scroll(sup, 1280)
    assert sup.evaluate("document.querySelector('nav.navbar').getBoundingClientRect().height") > one_line
    shot(sup, "14b-menu-english-desk")

    # The enterprise scores its secretary on a phone, from the link it was sent.
    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone.goto(f"{live_server}/evaluate/{token}")
    assert "郑洁" in phone.content()
    for criterion in ("lawful", "efficiency", "execution", "attitude"):
        phone.check(f"input[name$='-{criterion}'][value='5']")
    phone.fill("textarea[name$='-comment']", "秘书很负责")
    shot(phone, "15-enterprise-evaluation-phone")
    phone.click("text=提交评价")
    phone.wait_for_selector("text=感谢您的评价")
    assert "已评价，感谢您的反馈" in phone.content()


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_an_enterprise_on_a_phone_signs_in_by_sms_rates_and_evaluates_from_my_page(app, factory, live_server,
                                                                                   browser, sms_gateway):
    import time
    from app.enums import TicketState as S
    from app.extensions import db
    from app.models import Enterprise, Ticket
    app.config.update(SMS_GATEWAY_URL=sms_gateway.url, SMS_GATEWAY_KEY=sms_gateway.key)
    boss = "13900000001"  # the company's contact, verified by a supervisor
    secretary, officer = factory.user(Role.SECRETARY), factory.user(Role.OFFICER)
    company = factory.enterprise(secretary)
    with app.app_context():
        enterprise = db.session.get(Enterprise, company)
        enterprise.name, enterprise.contact_name, enterprise.mobile, enterprise.contact_verified = \
            "苏州锐芯电子有限公司", "张总", boss, True
        db.session.commit()
    resolved = factory.ticket(S.RESOLVED, secretary=secretary, lead_officer=officer, enterprise_id=company,
                              contact_mobile="13900000002", contact_name="李四", title="厂区用电增容申请迟迟未批")
    working = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=officer, enterprise_id=company,
                             contact_mobile="13900000003", contact_name="王五", title="排污许可证延续办理")
    other = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=officer, title="别家公司的诉求")
    base = live_server

    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone.goto(f"{base}/track")  # the way in is offered where people look up a case, and on the home page
    assert phone.locator("#my-signin").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "16a-track-page-sms-signin-link")
    phone.goto(f"{base}/")
    phone.click("#my-signin")
    phone.wait_for_url("**/my/signin")
    phone.fill("#mobile", boss)
    shot(phone, "16-enterprise-sms-signin")
    phone.click("main form button")
    phone.wait_for_url("**/my/signin/code")
    assert phone.input_value("#mobile") == boss
    deadline = time.monotonic() + 30  # the SMS leaves once the answer has gone (slow on a busy machine)
    while not sms_gateway.texts_to(boss) and time.monotonic() < deadline:
        time.sleep(0.05)
    code = re.search(r"验证码：(\d{6})", sms_gateway.texts_to(boss)[-1]).group(1)
    phone.fill("#code", code)
    shot(phone, "17-enterprise-sms-code")
    phone.click("main form button.btn-primary")
    phone.wait_for_url(f"{base}/my")
    body = phone.content()
    assert resolved.number in body and working.number in body and other.number not in body
    assert "待您处理" in body and "确认并评价" in body and "去评价" in body
    assert "联系人 李四" in body and "联系人 王五" in body  # the verified contact sees colleagues' cases too
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing pushes the page sideways
    shot(phone, "18-enterprise-my-cases")

    # Rate the resolved case from its tracking page, then back to the list.
    phone.locator(f"#case-{resolved.number} a", has_text="确认并评价").click()
    phone.wait_for_url(f"**/track/{resolved.number}#rate-h")
    phone.check("input[name=satisfaction][value='5']")
    phone.check("input[name=solved][value='solved']")
    phone.fill("textarea[name=comment]", "问题已解决，感谢！")
    phone.click("text=提交评价")
    phone.wait_for_selector(".state-closed")
    shot(phone, "19-enterprise-rated-from-my-page")
    with app.app_context():
        assert db.session.get(Ticket, resolved.id).state == S.CLOSED
    phone.click("#back-to-my")
    phone.wait_for_url(f"{base}/my")
    assert "确认并评价" not in phone.inner_text("main")

    # The month's evaluation, through the verified contact's own link.
    phone.click("text=去评价")
    phone.wait_for_url("**/evaluate/**")
    assert "2026年11月 服务评价" in phone.content() and "测试项目秘书" in phone.content()
    for criterion in ("lawful", "efficiency", "execution", "attitude"):
        for radio in phone.locator(f"input[name$='-{criterion}'][value='5']").all():
            radio.check()
    phone.locator("textarea[name$='-comment']").first.fill("秘书很负责")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "20-enterprise-evaluation-from-my-page")
    phone.click("text=提交评价")
    phone.wait_for_selector("text=感谢您的评价")
    phone.goto(f"{base}/my")
    assert "2026年11月 的服务评价已完成" in phone.content()
    phone.click("#signout")
    phone.wait_for_url("**/my/signin")
    assert "已退出登录" in phone.content()
    phone.goto(f"{base}/track/{working.number}")
    phone.wait_for_url("**/track")  # signed out: the case needs its code again


def _no_sideways_scroll(page, width=390):
    """Nothing on the page pushes it wider than the phone's screen."""
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, (page.url, scroll)


def phone_login(browser, base, person, password):
    """A staff member on a 390 × 844 phone, logged in through the real form."""
    page = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    page.goto(f"{base}/login")
    page.fill("#username", person.username)
    page.fill("#password", password)
    page.click("main form button.btn-primary")
    page.wait_for_url("**/workspace")
    return page


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_a_secretary_on_a_phone_works_a_case_and_logs_a_visit(app, factory, live_server, browser, clock):
    from app.extensions import db
    from app.models import Enterprise
    base = live_server
    dept = factory.department("住建局")
    secretary, supervisor = factory.user(Role.SECRETARY), factory.user(Role.SUPERVISOR)
    officer = factory.user(Role.OFFICER, department_id=dept)
    factory.ticket("triage", secretary=secretary, title="厂房消防验收排期咨询")
    dispatched = [factory.ticket("processing", secretary=secretary, lead_officer=officer) for _ in range(3)]
    visited = factory.enterprise(factory.user(Role.SECRETARY))  # a colleague's company: found by searching
    with app.app_context():
        db.session.get(Enterprise, visited).name = "苏州纳米光电有限公司"
        db.session.commit()
    clock.advance(days=3)  # some cases late: red badges and a non-empty overdue board
    with app.test_request_context():
        from app.supervision.sweep import sweep
        sweep(clock.now())

    phone = phone_login(browser, base, secretary, PASSWORD)
    # The workspace: the queue reads as cards, the menu is folded behind the toggler.
    _no_sideways_scroll(phone)
    assert phone.locator("table.tickets thead").evaluate("e => e.getBoundingClientRect().height") <= 1
    assert phone.locator("#main-menu").is_hidden()
    shot(phone, "20-phone-workspace")
    phone.locator(".navbar-toggler").click()
    phone.locator("#main-menu a.nav-link", has_text="诉求").first.wait_for(state="visible")
    phone.wait_for_selector("#main-menu.show:not(.collapsing)")  # the unfolding has finished
    _no_sideways_scroll(phone)
    shot(phone, "21-phone-menu")
    phone.locator(".navbar-toggler").click()

    # Opening the case from its card; its actions wait in the bar at the bottom of the screen.
    phone.locator("table.tickets a.title-link", has_text="厂房消防验收排期咨询").click()
    phone.wait_for_selector("#deadlines")
    _no_sideways_scroll(phone)
    bar = phone.locator("nav.thumb-bar")
    assert bar.is_visible()
    box = bar.bounding_box()
    assert box["y"] + box["height"] <= 844 and box["y"] > 844 / 2  # in the thumb's reach, at the bottom
    panel = phone.locator("#deadlines")
    assert panel.evaluate("e => e.scrollWidth <= e.clientWidth")  # the deadline panel fits its column
    shot(phone, "22-phone-ticket")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(OUTPUT / "22b-phone-ticket-screen.png"))  # what the hand sees: the bar at the bottom
    bar.get_by_role("link", name="答复企业").click()
    reply = phone.locator("details.action-reply")
    reply.locator("textarea[name=body]").wait_for(state="visible")  # the form opens unfolded
    reply.locator("textarea[name=body]").fill("您好，消防验收已排在下周二上午，届时请安排人员陪同。")
    reply.locator("button").click()
    phone.get_by_role("status").filter(has_text="答复已发送").wait_for()
    _no_sideways_scroll(phone)
    shot(phone, "23-phone-replied")

    # Logging the visit the case came from: the company is not among hers, so she types part of its name in the
    # picker's search box, which narrows the list to it.
    phone.goto(f"{base}/visits/new")
    _no_sideways_scroll(phone)
    search = phone.locator("#enterprise_id-search")
    search.wait_for(state="visible")  # shown once scripts run
    search.fill("纳米光电")
    phone.locator(f'#enterprise_id option[value="{visited}"]').wait_for(state="attached")
    assert phone.locator("#enterprise_id option").count() == 2  # the placeholder and the one match
    phone.select_option("#enterprise_id", value=str(visited))
    phone.fill("#visited_on", "2026-11-18")
    phone.fill("#participants", "王晓明")
    phone.fill("#summary", "走访了解到厂房消防验收排期较晚，已登记诉求跟进。")
    shot(phone, "24-phone-visit-form")
    phone.click("main form button.btn-primary")
    phone.get_by_role("status").filter(has_text="走访已登记").wait_for()
    _no_sideways_scroll(phone)

    # Every other list a secretary opens fits the phone.
    for path in ("/tickets", "/tickets?page=99&from=2026-13-01", "/meetings", "/procedures", "/enterprises",
                 "/visits", f"/tickets/{dispatched[0].id}/convene"):
        phone.goto(f"{base}{path}")
        _no_sideways_scroll(phone)
    shot(phone, "25-phone-ticket-list")

    # Convening: the departments are checkboxes under a filter box; typing narrows them, ticked ones stay ticked.
    for name in ("税务局", "人社局", "生态环境局", "科技创新局", "市场监管局", "规划自然资源局"):
        factory.department(name)
    phone.goto(f"{base}/tickets/{dispatched[0].id}/convene")
    picker = phone.locator("fieldset.picker").first
    picker.locator("label", has_text="税务局").click()
    picker.locator("input[type=search]").fill("局")
    assert picker.locator(".picker-item:visible").count() == 7  # all seven departments hold 局
    picker.locator("input[type=search]").fill("环境")
    assert picker.locator(".picker-item:visible").all_inner_texts() == ["生态环境局"]
    assert picker.locator("input[value]:checked").count() == 1  # 税务局, hidden now, still ticked
    assert "已选 1 项，显示 1 项" in picker.inner_text()
    _no_sideways_scroll(phone)
    shot(phone, "25b-phone-convene-picker")

    # The supervisor's overdue board on a phone, and the dispatch picker's filter.
    boss = phone_login(browser, base, supervisor, PASSWORD)
    boss.goto(f"{base}/board/overdue")
    _no_sideways_scroll(boss)
    assert boss.locator("tr.board-case").count() == 3  # one card per late case
    shot(boss, "26-phone-overdue-board")

    # At 1366 px the whole top menu is one line (as tall as one link), the supervisor's longest menu included.
    for person, name in ((supervisor, "27-desktop-menu-supervisor"), (secretary, "28-desktop-menu-secretary")):
        wide = staff_login(browser, base, person, PASSWORD)
        # Every visible link and button of the bar (menu, 更多, bell, user menu) sits on one row, none wraps inside.
        rects = wide.locator(".topbar .navbar a:visible, .topbar .navbar button:visible").evaluate_all(
            "els => els.map(e => { const r = e.getBoundingClientRect(); return [e.textContent.trim(), r.top, r.height]; })")
        assert rects and all(h <= 42 for _t, _top, h in rects), rects
        assert max(top for _t, top, _h in rects) - min(top for _t, top, _h in rects) <= 12, rects
        height = wide.locator(".topbar .navbar").evaluate("e => e.getBoundingClientRect().height")
        assert height <= 56, height  # one line of links and the bar's padding
        wide.locator("#more-menu-toggle").click()  # the rarely used pages are one click away
        wide.locator("#more-menu a", has_text="考评").wait_for(state="visible")
        wide.locator("#more-menu-toggle").click()
        _no_sideways_scroll(wide, 1366)
        shot(wide, name)
    # The deadline panel fits its column at every width, from a small phone to a desk (the late cases' panels).
    wide.goto(f"{base}/tickets/{dispatched[0].id}")
    wide.wait_for_selector("#deadlines")
    for width in (360, 390, 576, 768, 992, 1200, 1366, 1920):
        wide.set_viewport_size({"width": width, "height": 900})
        assert wide.locator("#deadlines").evaluate("e => e.scrollWidth <= e.clientWidth"), width
        _no_sideways_scroll(wide, width)
