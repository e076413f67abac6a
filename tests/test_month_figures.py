"""A hand-worked month (issue 12, items 13 and 14): every figure a director signs, worked out here from the rules
in README "How a figure is counted", and the month page, the report page, report.xlsx and the hall board showing
the same numbers.

Calendar (chinesecalendar, 2026): September 1 is a Tuesday; 9-5/6 are a weekend. October 1–7 is National Day,
10-10 (Saturday) a make-up working day, 10-12 a Monday; 10-17/18, 10-24/25 and 10-31 are days off. A resolution
clock has 5 working days and ends at 24:00 of the 5th working day after the day it started:
  started 9-1  → due 9-9 00:00 (9-2, 3, 4, 7, 8)
  started 10-12 → due 10-20 00:00 (13, 14, 15, 16, 19)
  started 10-16 → due 10-24 00:00 (19, 20, 21, 22, 23)
  started 10-26 → due 11-03 00:00 (27, 28, 29, 30, 11-2)
  started 10-29 → due 11-06 00:00 (30, 11-2, 3, 4, 5)
First reply: 1 working day (started 10-12 → due 10-14 00:00); sign-off: 1 working day.

The cases (secretary 秘书 S for every enterprise; departments 规划建设局 A and 人力社保局 B; all times Beijing):
  T0   received 9-1, S resolves 9-2 (on time, due 9-9).
  T00  received 9-1, accepted, still open (due 9-9: late).
  T1   received 10-12, S resolves 10-13 at first contact; rated 10-14 非常满意/解决 → closed.
  T2   received 10-12, dispatched to A, A signs 10:00; resolved 10-15 (on time); rated 10-16 不满意/未解决 →
       reopened (new clock due 10-24); resolved 10-20 (on time); rated 10-21 非常满意/解决 → closed.
  T3   received 10-12, dispatched to B; B returns it at 11:00 (a timely answer); S dispatches it to A 10-13,
       A signs 10:00; resolved 10-16 (on time, due 10-20) while A leads it.
  T4   received 10-12, dispatched to A, A signs; resolved 10-26 (late, due 10-20).
  T5   received 10-26, accepted and answered; open at the month's end (due 11-03).
  T6   received 10-28, 不予受理 at once.
  T7   received 10-12, S resolves 10-13 (on time); rated 10-29 非常不满意/未解决 → reopened, open at the month's
       end (new clock due 11-06).
Enterprise evaluations for October: T1's company marks S 4, 4, 4, 5; T2's company marks A 5, 5, 4, 4.
Scoring rule (both kinds): the default weights, at least 1 ticket to be ranked, gold at 60.
"""
import io
import re
from datetime import datetime

from openpyxl import load_workbook

from app.assessment.metrics import DEFAULT_WEIGHTS
from app.enums import Role, TicketState as S
from app.extensions import db
from app.models import EnterpriseEvaluation, Ticket, User
from app.tickets import services as ts
from sla.calendar import SHANGHAI


def bj(m, d, hh=9, mm=0):
    return datetime(2026, m, d, hh, mm, tzinfo=SHANGHAI)


def _text(html: str) -> str:
    """The visible text of a piece of HTML, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#43;", "+").strip()


def _row(html: str, row_id: str) -> list[str]:
    """The cells of the table row with this id, as text."""
    found = re.search(rf'<tr[^>]*id="{row_id}"[^>]*>(.*?)</tr>', html, re.S)
    assert found, f"no row {row_id}"
    return [_text(c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", found.group(1), re.S)]


class Month:
    """Builds the month above through the factories and the real verbs, moving the clock between steps."""

    def __init__(self, app, clock, factory):
        self.app, self.clock, self.factory = app, clock, factory
        self.sec = factory.user(Role.SECRETARY)
        self.a = factory.department("规划建设局")
        self.b = factory.department("人力社保局")
        self.oa = factory.user(Role.OFFICER, department_id=self.a)
        self.ob = factory.user(Role.OFFICER, department_id=self.b)
        self.category = factory.category("政策咨询")
        self.tickets = {}

    def new(self, name, state, when, lead=None):
        self.clock.set(when)
        self.tickets[name] = self.factory.ticket(state, secretary=self.sec, lead_officer=lead or self.oa,
                                                 category_id=self.category)

    def do(self, when, name, verb, *args, actor=None):
        """Run a verb on ticket `name` at `when`, as `actor` (the secretary unless told)."""
        self.clock.set(when)
        with self.app.test_request_context():
            t = db.session.get(Ticket, self.tickets[name].id)
            who = db.session.get(User, (actor or self.sec).id)
            if verb == "reply":
                ts.reply_to_enterprise(t, who, "已收到，正在办理")
            elif verb == "sign":
                ts.sign_assignment(t, who, t.version)
            elif verb == "return":
                ts.return_assignment(t, who, t.version, "不属于本部门职责")
            elif verb == "dispatch":
                ts.dispatch_ticket(t, who, t.version, args[0], [], "请办理")
            elif verb == "resolve":
                ts.resolve_ticket(t, who, t.version, "已办理完毕")
            elif verb == "rate":
                ts.rate_ticket(t, *args)

    def build(self):
        self.new("T0", S.TRIAGE, bj(9, 1))
        self.new("T00", S.TRIAGE, bj(9, 1))
        self.do(bj(9, 2), "T0", "resolve")
        for name in ("T1", "T7"):
            self.new(name, S.TRIAGE, bj(10, 12))
        self.new("T2", S.PROCESSING, bj(10, 12))
        self.new("T3", S.PROCESSING, bj(10, 12), lead=self.ob)
        self.new("T4", S.PROCESSING, bj(10, 12))
        for name in ("T2", "T3", "T4"):
            self.do(bj(10, 12), name, "reply")
        self.do(bj(10, 12, 10), "T2", "sign", actor=self.oa)
        self.do(bj(10, 12, 10), "T4", "sign", actor=self.oa)
        self.do(bj(10, 12, 11), "T3", "return", actor=self.ob)
        self.do(bj(10, 13), "T1", "resolve")
        self.do(bj(10, 13), "T7", "resolve")
        self.do(bj(10, 13), "T3", "dispatch", self.a)
        self.do(bj(10, 13, 10), "T3", "sign", actor=self.oa)
        self.do(bj(10, 14), "T1", "rate", "5", "solved")
        self.do(bj(10, 15), "T2", "resolve")
        self.do(bj(10, 16), "T2", "rate", "2", "unsolved")  # reopened
        self.do(bj(10, 16), "T3", "resolve")
        self.do(bj(10, 20), "T2", "resolve")
        self.do(bj(10, 21), "T2", "rate", "5", "solved")
        self.do(bj(10, 26), "T4", "resolve")  # late
        self.new("T5", S.TRIAGE, bj(10, 26))
        self.do(bj(10, 26), "T5", "reply")
        self.new("T6", S.REJECTED, bj(10, 28))
        self.do(bj(10, 29), "T7", "rate", "1", "unsolved")  # reopened, open at the month's end
        self.clock.set(bj(10, 30))
        with self.app.test_request_context():
            for ticket, kind, unit, marks in (("T1", "secretary", self.sec.id, (4, 4, 4, 5)),
                                              ("T2", "department", self.a, (5, 5, 4, 4))):
                db.session.add(EnterpriseEvaluation(
                    enterprise_id=self.tickets[ticket].enterprise_id, month="2026-10", unit_kind=kind, unit_id=unit,
                    lawful=marks[0], efficiency=marks[1], execution=marks[2], attitude=marks[3],
                    contact_name="王经理", contact_mobile="13812345678", created_at=self.clock.now()))
            db.session.commit()
            from app.assessment import rules
            admin = db.session.get(User, self.factory.user(Role.ADMIN).id)
            for kind in ("secretary", "department"):
                rules.save_rule(kind, admin, dict(DEFAULT_WEIGHTS[kind]), 1, 60, 4)


# ---- the figures, by hand -----------------------------------------------------------------------------------
#
# 办结率, received-based (cases, each once; 不予受理 left out; resolved = resolved or closed at the period's end):
#   October: received T1 T2 T3 T4 T5 T6 T7 = 7, T6 was not accepted → 6 cases; at 10-31 24:00 T1 T2 T3 T4 stand
#            resolved or closed, T5 is open and T7 was reopened → 4 ÷ 6 = 66.7 %.
#            (T2 was resolved twice: it is still one case.)
#   Year to date (1-1 … 10-31): + T0 (resolved) and T00 (open) → 5 ÷ 8 = 62.5 %.
# 办结率, deadline-based (resolution clocks due in the period, each on time or not; a reopened case's new clock is
# a new deadline):
#   October: due T1 (10-20), T2 first (10-20), T2 second (10-24), T3 (10-20), T4 (10-20), T7 first (10-20) = 6;
#            on time all but T4 → 5 ÷ 6 = 83.3 %. (T5's and T7's second clocks fall due in November.)
#   Year to date: + T0 (on time) and T00 (late) → 6 ÷ 8 = 75.0 %.
RECEIVED_MONTH, RECEIVED_YTD = "66.7%（已办结 4 ÷ 收到 6）", "62.5%（已办结 5 ÷ 收到 8）"
DEADLINE_MONTH, DEADLINE_YTD = "83.3%（按期办结 5 ÷ 应办结 6）", "75.0%（按期办结 6 ÷ 应办结 8）"
#
# Satisfaction counts a case once a month, with the last rating it got that month:
#   T1 非常满意, T2 非常满意 (its earlier 不满意 reopened it and is not counted again), T7 非常不满意 → 2 ÷ 3 = 66.7 %;
#   solved: T1 1, T2 1, T7 0 → 66.7 %. (Counting every rating would give 2 ÷ 4 = 50 %.)
# Credit for a dispatched case resolved on time goes to the department leading it when it was resolved: T3 to A,
# not to B (which returned it) nor to the secretary.
#
# Secretary S (volume: T1 … T7, each with at least one counted line; T6 by its acknowledgement = 7):
#   响应率: acknowledgements of T1 … T7 (7) and first replies of T1 T2 T3 T4 T5 T7 (6), all in time → 100.0 %
#   按时办结率: clocks S held when they were settled: T1, T7 first → 2 ÷ 2 = 100.0 %
#   办结率 (deadline-based, all S's cases): 5 ÷ 6 = 83.3 %
#   满意率 66.7 %, 解决率 66.7 %, 走访 0 (target 4 → 0 points), 企业评价 (4 + 4 + 4 + 5) ÷ 4 × 20 = 85.0 分
#   score = (20×100 + 20×100 + 15×83.33 + 20×66.67 + 10×66.67 + 5×0 + 10×85) ÷ 100 = 8100 ÷ 100 = 81.0 → 金牌秘书
# Department A (volume T2 T3 T4 = 3):
#   及时签收率 T2 T3 T4 → 3 ÷ 3 = 100.0 %; 按时办结率 T2 first, T2 second, T3 on time, T4 late → 3 ÷ 4 = 75.0 %
#   退回率 0 ÷ 3 = 0.0 %; 重办率 per case: T2 was reopened, T3 and T4 not → 1 ÷ 3 = 33.3 %
#     (per resolution it would be 1 ÷ 4 = 25 %)
#   满意率: T2's last rating (lead A) → 1 ÷ 1 = 100.0 %; 企业评价 (5 + 5 + 4 + 4) ÷ 4 × 20 = 90.0 分
#   score = (20×100 + 25×75 + 10×100 + 10×66.67 + 20×100 + 10×90) ÷ 95 = 8441.67 ÷ 95 = 88.86 → 88.9 → 金牌部室
# Department B (volume T3 = 1): 及时签收率 1 ÷ 1 (it answered by returning); 退回率 100 % → 0 points;
#   score = (20×100 + 10×0) ÷ 30 = 66.7, rank 2.
SEC_CITATION = "纳入考核 7 件，响应率 100.0%，按时办结率 100.0%，办结率 83.3%，满意率 66.7%，综合得分 81.0"
A_CITATION = "纳入考核 3 件，及时签收率 100.0%，按时办结率 75.0%，满意率 100.0%，综合得分 88.9"
# Month page / report row cells: rank, name, 纳入考核件数, score, then the metrics in the table's order.
SEC_ROW = ["1", "100.0%", "100.0%", "83.3%", "66.7%", "66.7%", "0", "85.0 分"]
A_ROW = ["1", "100.0%", "75.0%", "0.0%", "33.3%", "100.0%", "—", "90.0 分"]


def _check_completion(page: str):
    text = _text(page)
    for figure in (RECEIVED_MONTH, RECEIVED_YTD, DEADLINE_MONTH, DEADLINE_YTD):
        assert figure in text, figure
    # Each rate comes with its formula on the page.
    assert "办结率（收件口径）= 已办结 ÷ 收到" in text and "办结率（时限口径）= 按期办结 ÷ 应办结" in text


def _check_rankings(page: str, m: Month):
    sec, a, b = (_row(page, f"unit-{kind}-{uid}") for kind, uid in
                 (("secretary", m.sec.id), ("department", m.a), ("department", m.b)))
    assert [sec[0]] + sec[4:] == SEC_ROW and sec[2:4] == ["7", "81.0"]
    assert [a[0]] + a[4:] == A_ROW and a[2:4] == ["3", "88.9"]
    assert b[0] == "2" and b[2:4] == ["1", "66.7"]
    text = _text(page)
    # The citation's count and rates are the table's own cells.
    assert SEC_CITATION in text and A_CITATION in text
    assert f"纳入考核 {sec[2]} 件" in SEC_CITATION and f"综合得分 {sec[3]}" in SEC_CITATION
    assert f"纳入考核 {a[2]} 件" in A_CITATION and f"综合得分 {a[3]}" in A_CITATION
    assert "85.0%" not in text and "90.0%" not in text  # the evaluation is a score, not a percentage


def test_a_hand_worked_month_reads_the_same_everywhere(app, clock, factory, login):
    m = Month(app, clock, factory)
    m.build()
    staff = factory.user(Role.SECRETARY)

    # The hall board on the month's last evening shows this month's 办结率 as the report will.
    clock.set(bj(10, 31, 23))
    hall = _text(login(app.test_client(), staff).get("/hall").get_data(as_text=True))
    for figure in (RECEIVED_MONTH, RECEIVED_YTD, DEADLINE_MONTH, DEADLINE_YTD):
        assert figure in hall, figure

    clock.set(bj(11, 16))
    supervisor = factory.user(Role.SUPERVISOR)
    client = login(app.test_client(), supervisor)

    # The draft and the published month agree.
    draft = client.get("/assessment/2026-10?view=draft").get_data(as_text=True)
    _check_completion(draft)
    _check_rankings(draft, m)
    assert client.post("/assessment/2026-10/publish", data={"note": ""}).status_code == 303

    month_page = client.get("/assessment/2026-10").get_data(as_text=True)
    assert "已发布 第 1 版" in month_page
    _check_completion(month_page)
    _check_rankings(month_page, m)

    report = client.get("/assessment/2026-10/report").get_data(as_text=True)
    _check_completion(report)
    _check_rankings(report, m)
    report_text = _text(report)
    assert "满意率 66.7%" in report_text and "解决率 66.7%" in report_text

    wb = load_workbook(io.BytesIO(client.get("/assessment/2026-10/report.xlsx").data))
    overview = {row[0]: row[1:] for row in wb["概览"].iter_rows(min_row=2, values_only=True)}
    assert overview["办结率（收件口径）本月 %"] == (66.7, "已办结 4 ÷ 收到 6")
    assert overview["办结率（收件口径）本年累计 %"] == (62.5, "已办结 5 ÷ 收到 8")
    assert overview["办结率（时限口径）本月 %"] == (83.3, "按期办结 5 ÷ 应办结 6")
    assert overview["办结率（时限口径）本年累计 %"] == (75.0, "按期办结 6 ÷ 应办结 8")
    assert overview["满意率 %"][0] == 66.7 and overview["评价数"][0] == 3 and overview["收到诉求"][0] == 7
    secretaries = list(wb["项目秘书排名"].iter_rows(values_only=True))
    assert secretaries[0][4:] == ("响应率", "按时办结率", "办结率", "满意率", "解决率", "走访", "企业评价（分）", "奖项")
    assert secretaries[1] == (1, "测试项目秘书", 7, 81.0, 100.0, 100.0, 83.3, 66.7, 66.7, 0.0, 85.0, "金牌秘书")
    departments = {row[1]: row for row in wb["部室排名"].iter_rows(min_row=2, values_only=True)}
    assert departments["规划建设局"] == (1, "规划建设局", 3, 88.9, 100.0, 75.0, 0.0, 33.3, 100.0, None, 90.0, "金牌部室")
    assert departments["人力社保局"][:4] == (2, "人力社保局", 1, 66.7)

    # The hall board shows the published awards with the same citations.
    hall = _text(login(app.test_client(), staff).get("/hall").get_data(as_text=True))
    assert "2026年10月 月度考评（已发布）" in hall
    assert f"金牌秘书：测试项目秘书 {SEC_CITATION}" in hall and f"金牌部室：规划建设局 {A_CITATION}" in hall


def test_credit_for_a_dispatched_on_time_resolution_goes_to_the_lead_holding_it(app, clock, factory, login):
    m = Month(app, clock, factory)
    m.build()
    clock.set(bj(11, 16))
    tickets = {name: ref.number for name, ref in m.tickets.items()}
    client = login(app.test_client(), factory.user(Role.SUPERVISOR))
    a_on_time = client.get(f"/assessment/2026-10/department/{m.a}/on_time?view=draft").get_data(as_text=True)
    b_on_time = client.get(f"/assessment/2026-10/department/{m.b}/on_time?view=draft").get_data(as_text=True)
    s_on_time = client.get(f"/assessment/2026-10/secretary/{m.sec.id}/on_time?view=draft").get_data(as_text=True)
    # T3: returned by B, re-dispatched to A, resolved on time while A led it → A's line, "按时".
    assert tickets["T3"] in a_on_time and tickets["T3"] not in b_on_time and tickets["T3"] not in s_on_time
    # A's lines: T2 twice (two resolutions), T3, T4; the secretary's: T1 and T7 only.
    assert "计入 4 条" in _text(a_on_time) and "计入 2 条" in _text(s_on_time)
    for name in ("T2", "T4"):
        assert tickets[name] in a_on_time and tickets[name] not in s_on_time
    # 重办率 counts T2 once, as a case.
    reopens = _text(client.get(f"/assessment/2026-10/department/{m.a}/reopens?view=draft").get_data(as_text=True))
    assert "33.3%" in reopens and "计入 3 条" in reopens and reopens.count("办结后被重办") == 1
    # 满意率 counts T2 once, with its last rating.
    sat = _text(client.get(f"/assessment/2026-10/secretary/{m.sec.id}/satisfaction?view=draft").get_data(as_text=True))
    assert "66.7%" in sat and "计入 3 条" in sat


def test_a_month_published_before_both_rates_were_kept_still_opens(app, clock, factory, login):
    """A version frozen before the summary carried both 办结率 shows "—" for them rather than failing."""
    import json
    from app.assessment.publishing import latest_run
    from app.assessment.period import Month as Period
    m = Month(app, clock, factory)
    m.build()
    clock.set(bj(11, 16))
    client = login(app.test_client(), factory.user(Role.SUPERVISOR))
    assert client.post("/assessment/2026-10/publish", data={"note": ""}).status_code == 303
    with app.test_request_context():
        run = latest_run(Period(2026, 10))
        summary = json.loads(run.summary_json)
        del summary["completion"]
        run.summary_json = json.dumps(summary, ensure_ascii=False)
        db.session.commit()
    page = client.get("/assessment/2026-10")
    assert page.status_code == 200 and "此版本发布时尚未分别计算两种口径的办结率" in page.get_data(as_text=True)
    assert client.get("/assessment/2026-10/report").status_code == 200
    assert client.get("/assessment/2026-11/report?view=draft").status_code == 200  # compares with that version
    wb = load_workbook(io.BytesIO(client.get("/assessment/2026-10/report.xlsx").data))
    overview = {row[0]: row[1:] for row in wb["概览"].iter_rows(min_row=2, values_only=True)}
    assert overview["办结率（收件口径）本月 %"] == (None, None)


def test_the_six_month_trend_shows_a_published_month_as_published(app, clock, factory, login):
    """The report's trend reads a published month from its publication: October as frozen on 11-16, whatever is
    recorded against October later. October by hand: received T1–T7 = 7 (T6, refused, was still received); resolved
    in October, each case once: T1, T2 (twice), T3, T4, T7 = 5."""
    from app.assessment.period import Month as Period
    from app.assessment.report import trend
    m = Month(app, clock, factory)
    m.build()
    clock.set(bj(11, 16))
    client = login(app.test_client(), factory.user(Role.SUPERVISOR))
    with app.test_request_context():
        assert trend(Period(2026, 11))[-2] == ["2026-10", 7, 5]  # counted: not published yet
    assert client.post("/assessment/2026-10/publish", data={"note": ""}).status_code == 303
    clock.set(bj(10, 30))
    factory.ticket(S.INTAKE, title="十月底补录的诉求")  # one more case received in October, after publication
    clock.set(bj(11, 17))
    with app.test_request_context():
        points = trend(Period(2026, 11))
        assert points[-2] == ["2026-10", 7, 5]  # as published
        assert [p[0] for p in points] == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
        from app.assessment.report import received
        assert received(Period(2026, 10)) == 8  # the live count moved; the published trend point did not
