"""Issue 12's proof: one hand-worked month, November 2026, that goes through every item of the issue, and then the
ticket pages, the drill-downs, the month page, the report, report.xlsx and the hall board checked against the same
figures worked out here by hand from README ("Deadlines (SLA)", "Monthly assessment (考评)", "How a figure is
counted"). Everything is driven through the real verbs and routes; the clock moves between steps.

THE CALENDAR (chinesecalendar 2026; no public holiday between National Day and New Year)
  October 2026: Thu 10-15, Fri 10-16 working; Mon 10-19 … Thu 10-22 working.
  November 2026:   Mon  Tue  Wed  Thu  Fri  Sat  Sun
                     2    3    4    5    6    7    8
                     9   10  [11]  12   13   14   15      [11]: recorded a day off on Fri 11-20 (see C2)
                    16   17   18   19   20   21   22
                    23   24   25   26   27   28   29
                    30 | Dec: Tue 1, Wed 2, Thu 3, Fri 4, Mon 7, Tue 8 …
  2027 is not covered (the package stops at 2026; one admin override does not cover a year): its deadlines read
  "（暂定）" and the fallback counts Mon–Fri minus the `holidays` package's days (1 January is 元旦).
  "N working days" end at 24:00 of the N-th working day after the start day (day 0 not counted); 24:00 is written
  "… 24:00" of that day. Budgets (default policy): acknowledge 24 calendar hours, first reply 1 WD, sign-off 1 WD,
  resolution 5 WD (25 WD once convened), follow-up 3 WD; warning at 75 %, 督办 2 WD after the due time.

PEOPLE: secretary 周敏 (S) looks after every enterprise; departments 规划建设局 (A) and 人力社保局 (B), one officer
each; a supervisor; a supervisor on duty (D) on Sat 11-28; an admin. Scoring rule: default weights, at least 1
ticket to be ranked, gold at 60. All times Beijing; every case is submitted and accepted at the same moment
(acknowledgement on time) unless told otherwise.

THE CASES
 C0  Thu 10-15 09:00 accepted (S alone); S resolves Fri 10-16 10:00 and closes it 11:00. Resolution due: 16, 19, 20,
     21, 22 -> "2026-10-22 24:00", on time. (October: only in the year-to-date 办结率.)
 C1  CONVENED. Mon 11-2 09:00 accepted and dispatched: lead A, support B; S replies 09:30; A signs 10:00, B 11:00
     (sign-offs due "2026-11-03 24:00": both on time). Wed 11-4 09:00 S convenes it (meeting Thu 11-5 10:00, which
     records minutes and decides the plan: back to processing). Resolved Wed 11-18 10:00 while A leads it; rated
     Thu 11-19 10:00 非常满意 / 解决 -> closed.
     Resolution clock: 5 WD would end "2026-11-09 24:00" (3, 4, 5, 6, 9) and 11-18 would be late. Convened, it takes
     25 WD from its original start, Mon 11-2 09:00: 3-6 (4), 9-13 (9), 16-20 (14), 23-27 (19), 30 (20), Dec 1-4 (24),
     Mon 12-7 (25) -> "2026-12-07 24:00"; after the correction of 11-11 (one working day fewer before it) the 25th
     is Tue 12-8 -> "2026-12-08 24:00". Resolved 11-18: on time, A's line. It falls due in December, so November's
     deadline-based 办结率 does not count it.
 C6  SIGN-OFF ENDED BY RESOLUTION. Tue 11-3 09:00 accepted and dispatched: lead A, support B; S replies 09:30;
     A signs 10:00; S resolves 15:00 while B has not signed (B's sign-off was due "2026-11-04 24:00"): B's clock ends
     "不再需要", neither on time nor late, no line in B's 及时签收率. Resolution due 4, 5, 6, 9, 10 -> "2026-11-10
     24:00" (11-11 is not reached): on time, A's line. Rated Thu 11-5 11:00 一般 / 部分解决 -> closed.
 C2  CORRECTION AFTER THE CLOCK STOPPED. Mon 11-9 09:00 accepted (S alone); S replies 09:30. Resolution due 10, 11,
     12, 13, 16 -> "2026-11-16 24:00". S resolves Tue 11-17 10:00: ten hours late. Rated Thu 11-19 10:00 满意 / 解决
     -> closed. Fri 11-20 10:00 an admin records Wed 11-11 as a day off (停电停工). November is not published, so the
     stopped clock is re-settled: 10, 12, 13, 16, 17 -> "2026-11-17 24:00", and 11-17 10:00 is on time.
 C3  BREACH MOVED LATER. Mon 11-16 09:00 accepted (S alone); S replies 09:30. Resolution due 17, 18, 19, 20, 23 ->
     "2026-11-23 24:00"; warning at 75 % of 135 h = 101.25 h -> Fri 11-20 14:15. The sweep of Tue 11-24 01:00 records
     the warning and the breach and tells S once. Tue 11-24 10:00 S asks for 3 days; the supervisor approves a new
     due date, Thu 11-26 -> "2026-11-26 24:00": both levels are withdrawn (kept, marked 已撤销), nobody is told. The
     extension granted 62 h (145 h used of 207 h), warning at 75 % of them -> 11-26 08:30. The sweep of Fri 11-27
     01:00 records the warning and the breach under the new due time and tells S once more: 2 breach messages in
     all. Still open at the month's end: late (it fell due, and broke, in November).
 P   OVERDUE 代办. A 5-working-day procedure (排水许可, issued by A) of S's project, submitted Mon 11-16: 17, 18, 19,
     20, 23 -> "2026-11-23 24:00". Tue 11-24 09:00 it is "超期 9 小时"; S is told once (the 01:00 sweep), whatever
     the sweeps do next. Approved Wed 11-25: the report's 代办事项办结 is 1.
 C4  EXTENSION TO A DATE IN AN UNCOVERED YEAR. Mon 11-23 09:00 accepted and dispatched to B (lead); S replies 09:30.
     B's sign-off is due "2026-11-24 24:00"; B signs Wed 11-25 10:00: late. Resolution due 24, 25, 26, 27, 30 ->
     "2026-11-30 24:00". Wed 11-25 11:00 S asks for 20 days; 11:30 the supervisor approves until Fri 2027-01-08 ->
     "2027-01-08 24:00（暂定）". 14:00 an admin enters one 2027 day (2027-02-10 春节): the year is still not covered,
     the banner stays, the deadline stays provisional. Running into January: no line in November.
 C5  24-HOUR CLOCK ACROSS THE WEEKEND. Submitted on the web Fri 11-27 19:00 and left in intake: acknowledgement due
     Sat 11-28 19:00 (calendar hours: the weekend counts), warning at 18 h -> Sat 13:00. D was put on duty for Sat
     11-28 (on Thu 11-26, /admin/duty). The sweep of Sat 19:05 records both; D hears at once (in-app, and the email
     leaves at 19:05 on a Saturday), S's messages wait for working hours. S accepts Mon 11-30 09:00: 5 + 24 + 9 = 38 h
     late. S replies 09:30 (first reply due "2026-12-01 24:00": on time). Resolution due 12-7: no line in November.
 E   MULTI-UNIT EVALUATION. Fri 11-20 10:30, C1's enterprise's verified contact scores, in one POST to its link, the
     three units that worked on C1 (S, A and B signed): S 5 4 5 4, A 4 4 4 4, B 3 3 4 4.

THE FIGURES, BY HAND (November; lines of October left out)
 办结率, received-based = cases received in the period (not refused) standing resolved or closed at its end:
   November: C1 C6 C2 C3 C4 C5 = 6; resolved or closed: C1 C6 C2 = 3           -> 50.0%（已办结 3 ÷ 收到 6）
   Year to date: + C0 (resolved)                                                 -> 57.1%（已办结 4 ÷ 收到 7）
 办结率, deadline-based = resolution clocks that fell due in the period (settled), met in time:
   November: C6 (11-10 24:00, on time), C2 (11-17 24:00 after the correction, on time), C3 (11-26 24:00, late)
                                                                                 -> 66.7%（按期办结 2 ÷ 应办结 3）
   (C1 falls due 12-8, C4 in 2027, C5 12-7.)  Year to date: + C0 (on time)      -> 75.0%（按期办结 3 ÷ 应办结 4）
   (Without the correction C2 would be late: 1 ÷ 3.)
 Ratings of November, each case once: C6 一般/部分解决, C1 非常满意/解决, C2 满意/解决 -> 满意率 2 ÷ 3 = 66.7%,
   解决率 (0.5 + 1 + 1) ÷ 3 = 83.3%, 3 ratings.
 Clocks decided in November, per kind (report): acknowledge C1 C6 C2 C3 C4 on time, C5 late -> 5 ÷ 6 = 83.3%;
   first reply 6 ÷ 6 = 100.0%; sign-off C1-A C1-B C6-A on time, C4-B late, C6-B not counted -> 3 ÷ 4 = 75.0%;
   resolution C6 C2 C1 on time, C3 late -> 3 ÷ 4 = 75.0%; follow-up C6 C1 C2 closed within 3 WD -> 100.0%.
 Report counts: received 6, accepted 6 (C5 on 11-30), convened 1, resolved 3, closed 3, visits 0, 代办办结 1.

 Secretary 周敏 (S): volume = C1 … C6 (each has a response line) = 6
   响应率: acknowledgements C1 C6 C2 C3 C4 C5 + first replies of the same 6 = 12 lines, late only C5's
           acknowledgement -> 11 ÷ 12 = 91.7%
   按时办结率: resolution clocks S held when settled (no lead department): C2 on time, C3 late -> 1 ÷ 2 = 50.0%
           (C1 and C6 are A's: A led them when they were resolved)
   办结率 (deadline-based over S's enterprises' cases): 2 ÷ 3 = 66.7%
   满意率 66.7%, 解决率 83.3%, 走访 0 (target 4 -> 0 points), 企业评价 (5 + 4 + 5 + 4) ÷ 4 × 20 = 90.0 分
   score = (20 × 91.667 + 20 × 50 + 15 × 66.667 + 20 × 66.667 + 10 × 83.333 + 5 × 0 + 10 × 90) ÷ 100
         = (1833.33 + 1000 + 1000 + 1333.33 + 833.33 + 0 + 900) ÷ 100 = 6900 ÷ 100 = 69.0 -> rank 1, 金牌秘书
 Department 规划建设局 (A): volume C1 C6 = 2
   及时签收率 C1 C6 -> 2 ÷ 2 = 100.0%; 按时办结率 C1 (25 WD) C6 -> 2 ÷ 2 = 100.0%; 退回率 0 ÷ 2 = 0.0% (100 points);
   重办率 0 ÷ 2 = 0.0% (100 points); 满意率 C1 满意, C6 一般 (A led both when rated) -> 1 ÷ 2 = 50.0%;
   会办事项 none (—); 企业评价 (4 + 4 + 4 + 4) ÷ 4 × 20 = 80.0 分
   score = (20 × 100 + 25 × 100 + 10 × 100 + 10 × 100 + 20 × 50 + 10 × 80) ÷ 95 = 8300 ÷ 95 = 87.37 -> 87.4, rank 1,
   金牌部室
 Department 人力社保局 (B): volume C1 C6 C4 = 3 (C6 by its assignment's 退回率 line)
   及时签收率 C1 on time, C4 late (C6 no longer needed: no line) -> 1 ÷ 2 = 50.0%; 按时办结率 — (C4 still running);
   退回率 0 ÷ 3 = 0.0% (100 points); 重办率 —; 满意率 —; 企业评价 (3 + 3 + 4 + 4) ÷ 4 × 20 = 70.0 分
   score = (20 × 50 + 10 × 100 + 10 × 70) ÷ 40 = 2700 ÷ 40 = 67.5, rank 2
 Citations (the table's cells): 纳入考核 6 件，响应率 91.7%，按时办结率 50.0%，办结率 66.7%，满意率 66.7%，综合得分 69.0
                                纳入考核 2 件，及时签收率 100.0%，按时办结率 100.0%，满意率 50.0%，综合得分 87.4
 Hall board, Mon 11-30 23:00: the 办结率 above; open C3 C5 (待分派) and C4 (办理中); overdue: C3 alone, lead
   "项目秘书", due "11-26 24:00", 已超期; no case created that day.
"""
import io
from datetime import date, datetime

from openpyxl import load_workbook
from sqlalchemy import select

from app.assessment.metrics import DEFAULT_WEIGHTS
from app.assessment.period import Month as Period
from app.enums import Role, TicketState as S
from app.extensions import db
from app.models import (AssessmentRun, Assignment, ClockLevelChange, Extension, Meeting, Notification, Procedure,
                        Ticket, TicketClock, User)
from app.supervision.scheduler import run_sweep
from app.tickets import services as ts
from sla.calendar import SHANGHAI
from tests.factories import verified_evaluation_token
from tests.test_calendar_corrections import row_of
from tests.test_duty_roster import subjects_to
from tests.test_month_figures import _row, _text

NOV = Period(2026, 11)
MARKS = ("lawful", "efficiency", "execution", "attitude")

# ---- the figures worked out above ---------------------------------------------------------------------------
RECEIVED_MONTH, RECEIVED_YTD = "50.0%（已办结 3 ÷ 收到 6）", "57.1%（已办结 4 ÷ 收到 7）"
DEADLINE_MONTH, DEADLINE_YTD = "66.7%（按期办结 2 ÷ 应办结 3）", "75.0%（按期办结 3 ÷ 应办结 4）"
SEC_CITATION = "纳入考核 6 件，响应率 91.7%，按时办结率 50.0%，办结率 66.7%，满意率 66.7%，综合得分 69.0"
A_CITATION = "纳入考核 2 件，及时签收率 100.0%，按时办结率 100.0%，满意率 50.0%，综合得分 87.4"
# Ranking rows: rank, name, 纳入考核件数, score, then the metrics in the table's order.
SEC_ROW = ["1", "周敏", "6", "69.0", "91.7%", "50.0%", "66.7%", "66.7%", "83.3%", "0", "90.0 分"]
A_ROW = ["1", "规划建设局", "2", "87.4", "100.0%", "100.0%", "0.0%", "0.0%", "50.0%", "—", "80.0 分"]
B_ROW = ["2", "人力社保局", "3", "67.5", "50.0%", "—", "0.0%", "—", "—", "—", "70.0 分"]


def bj(m, d, hh=0, mm=0, y=2026):
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


class ProofMonth:
    """Builds the month above through the real verbs and routes, checking each item as it happens."""

    def __init__(self, app, clock, factory, login, mail_port):
        self.app, self.clock, self.factory, self.login = app, clock, factory, login
        clock.set(bj(10, 1, 9))  # the people exist before the story starts
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=mail_port, MAIL_FROM="jianjian@zone.gov.cn")
        self.sec = factory.user(Role.SECRETARY)
        self.a = factory.department("规划建设局")
        self.b = factory.department("人力社保局")
        self.oa = factory.user(Role.OFFICER, department_id=self.a)
        self.ob = factory.user(Role.OFFICER, department_id=self.b)
        self.sup = factory.user(Role.SUPERVISOR)
        self.duty = factory.user(Role.SUPERVISOR)
        self.admin = factory.user(Role.ADMIN)
        self.category = factory.category("规划建设")
        with app.app_context():
            sec = db.session.get(User, self.sec.id)
            sec.display_name, sec.email = "周敏", "zhoumin@zone.gov.cn"
            db.session.get(User, self.duty.id).email = "duty@zone.gov.cn"
            db.session.commit()
        self.t = {}

    # -- small steps ---------------------------------------------------------------------------------------
    def at(self, m, d, hh=0, mm=0, y=2026):
        moment = bj(m, d, hh, mm, y)
        assert moment >= self.clock.now(), "the month is told in order: time never runs back"
        self.clock.set(moment)

    def client(self, person):
        return self.login(self.app.test_client(), person)

    def new(self, name, state, lead=None, support=()):
        self.t[name] = self.factory.ticket(state, secretary=self.sec, lead_officer=lead or self.oa,
                                           support_department_ids=list(support), category_id=self.category)

    def do(self, name, verb, *args, actor=None):
        """Run a verb on case `name` now, as `actor` (the secretary unless told)."""
        with self.app.test_request_context():
            t = db.session.get(Ticket, self.t[name].id)
            who = db.session.get(User, (actor or self.sec).id)
            if verb == "reply":
                ts.reply_to_enterprise(t, who, "已收到，正在办理")
            elif verb == "accept":
                ts.accept_ticket(t, who, t.version)
            elif verb == "sign":
                ts.sign_assignment(t, who, t.version)
            elif verb == "resolve":
                ts.resolve_ticket(t, who, t.version, "已办理完毕")
            elif verb == "close":
                ts.close_ticket(t, who, t.version, "回访满意")
            elif verb == "rate":
                ts.rate_ticket(t, *args)

    def clock_of(self, name, kind="resolution"):
        """(due, breached, level, amount, outcome, id) of the case's newest clock of a kind."""
        with self.app.app_context():
            c = db.session.scalars(select(TicketClock).where(TicketClock.ticket_id == self.t[name].id,
                                                             TicketClock.kind == kind)
                                   .order_by(TicketClock.id.desc())).first()
            return c.due_at, c.breached, c.level, c.amount, c.outcome, c.id

    def levels(self, clock_id):
        """(level, due time, withdrawn?) of every level change of a clock, oldest first."""
        with self.app.app_context():
            return [(r.level, r.due_at, r.withdrawn_at is not None) for r in db.session.scalars(
                select(ClockLevelChange).where(ClockLevelChange.clock_id == clock_id).order_by(ClockLevelChange.id))]

    def notes(self, person, *, ticket=None, kind=None, channel="in_app"):
        with self.app.app_context():
            query = select(Notification).where(Notification.user_id == person.id, Notification.channel == channel)
            if ticket is not None:
                query = query.where(Notification.ticket_id == self.t[ticket].id)
            if kind is not None:
                query = query.where(Notification.kind == kind)
            return [(n.kind, n.title, n.body, n.immediate) for n in db.session.scalars(query.order_by(Notification.id))]

    def breach_news_c3(self):
        """S's in-app 已超期 messages about C3's resolution clock."""
        return [n for n in self.notes(self.sec, ticket="C3", kind="overdue") if "办结时限" in n[2]]

    def sweep(self):
        return run_sweep(self.app)

    # -- the month -----------------------------------------------------------------------------------------
    def build(self):
        self.october()
        self.convened_and_ended_sign_off()
        self.correction_after_the_clock_stopped()
        self.evaluation_in_one_submission()
        self.first_breach_and_overdue_procedure()
        self.extension_into_an_uncovered_year()
        self.put_on_duty()
        self.breach_under_the_new_due_time()
        self.weekend_with_a_person_on_duty()
        from app.assessment import rules
        with self.app.test_request_context():
            admin = db.session.get(User, self.admin.id)
            for kind in ("secretary", "department"):
                rules.save_rule(kind, admin, dict(DEFAULT_WEIGHTS[kind]), 1, 60, 4)

    def october(self):
        self.at(10, 15, 9)
        self.new("C0", S.TRIAGE)
        self.at(10, 16, 10)
        self.do("C0", "resolve")
        self.at(10, 16, 11)
        self.do("C0", "close")

    def convened_and_ended_sign_off(self):
        from app.meetings import services as meetings
        self.at(11, 2, 9)
        self.new("C1", S.PROCESSING, support=[self.b])
        assert self.clock_of("C1")[0] == bj(11, 10)  # 5 WD: the end of Mon 11-9
        self.at(11, 2, 9, 30)
        self.do("C1", "reply")
        self.at(11, 2, 10)
        self.do("C1", "sign", actor=self.oa)
        self.at(11, 2, 11)
        self.do("C1", "sign", actor=self.ob)

        # C6: resolved before the supporting department signed; B's sign-off ends "no longer needed".
        self.at(11, 3, 9)
        self.new("C6", S.PROCESSING, support=[self.b])
        self.at(11, 3, 9, 30)
        self.do("C6", "reply")
        self.at(11, 3, 10)
        self.do("C6", "sign", actor=self.oa)
        self.at(11, 3, 15)
        self.do("C6", "resolve")
        with self.app.app_context():
            ended = db.session.scalar(
                select(TicketClock).join(Assignment, Assignment.id == TicketClock.assignment_id)
                .where(TicketClock.ticket_id == self.t["C6"].id, Assignment.department_id == self.b))
            assert (ended.outcome, ended.breached, ended.stopped_at) == ("not_needed", False, bj(11, 3, 15))

        # C1 convened on Wed 11-4: 25 WD from Mon 11-2 09:00 -> the end of Mon 12-7.
        self.at(11, 4, 9)
        with self.app.test_request_context():
            meetings.convene_meeting(db.session.get(User, self.sec.id), [db.session.get(Ticket, self.t["C1"].id)],
                                     subject="用地规划调整会办", starts_at=bj(11, 5, 10), place="三楼会议室", agenda="",
                                     lead_department_id=self.a)
        due, _breached, _level, amount, _outcome, _id = self.clock_of("C1")
        assert (amount, due) == (25, bj(12, 8))
        self.at(11, 5, 10)  # the meeting's time: minutes, plan decided, back to processing; the budget stays
        with self.app.test_request_context():
            meeting = db.session.scalar(select(Meeting))
            actor = db.session.get(User, self.sec.id)
            meetings.record_minutes(actor, meeting, "纪要", "由规划建设局牵头调整用地规划")
            meetings.decide_plan(actor, meeting)
            assert db.session.get(Ticket, self.t["C1"].id).state == S.PROCESSING
        due, _breached, _level, amount, _outcome, _id = self.clock_of("C1")
        assert (due, amount) == (bj(12, 8), 25)
        self.at(11, 5, 11)
        self.do("C6", "rate", "3", "partly")  # 一般 / 部分解决: closed, not reopened

    def correction_after_the_clock_stopped(self):
        self.at(11, 9, 9)
        self.new("C2", S.TRIAGE)
        self.at(11, 9, 9, 30)
        self.do("C2", "reply")
        self.at(11, 16, 9)
        self.new("C3", S.TRIAGE)
        self.at(11, 16, 9, 30)
        self.do("C3", "reply")
        self.start_procedure()

        self.at(11, 17, 10)
        self.do("C2", "resolve")  # ten hours after "2026-11-16 24:00"
        assert self.clock_of("C2")[:2] == (bj(11, 17), True)
        staff = self.client(self.sup)
        drill = row_of(staff.get(f"/assessment/2026-11/secretary/{self.sec.id}/on_time?view=draft")
                       .get_data(as_text=True), self.t["C2"].number)
        assert "2026-11-16 24:00" in drill and "超时完成" in drill
        self.at(11, 18, 10)
        self.do("C1", "resolve")  # on time under 25 WD (5 WD would have ended 11-9)
        assert self.clock_of("C1")[:2] == (bj(12, 8), False)
        self.at(11, 19, 10)
        self.do("C1", "rate", "5", "solved")
        self.do("C2", "rate", "4", "solved")

        # Fri 11-20: Wed 11-11 was a day off. The stopped clocks of the unpublished month follow.
        self.at(11, 20, 10)
        response = self.client(self.admin).post("/admin/calendar", data={"day": "2026-11-11", "kind": "holiday",
                                                                          "note": "停电停工"})
        assert response.status_code == 303
        assert self.clock_of("C2")[:2] == (bj(11, 18), False)  # "2026-11-17 24:00", on time
        assert self.clock_of("C1")[:2] == (bj(12, 9), False)   # "2026-12-08 24:00"
        assert self.clock_of("C6")[:2] == (bj(11, 11), False)  # "2026-11-10 24:00": 11-11 comes after it
        history = staff.get(f"/tickets/{self.t['C2'].id}/history").get_data(as_text=True)
        assert "2026-11-16 24:00 改为 2026-11-17 24:00" in history
        history = staff.get(f"/tickets/{self.t['C1'].id}/history").get_data(as_text=True)
        assert "2026-12-07 24:00 改为 2026-12-08 24:00" in history

    def start_procedure(self):
        from app.projects import services
        self.at(11, 16, 10)
        with self.app.test_request_context():
            sec = db.session.get(User, self.sec.id)
            kind = services.add_procedure_type(db.session.get(User, self.admin.id), "排水许可", self.a, 5)
            from app.models import Enterprise
            enterprise = db.session.get(Enterprise, self.factory.enterprise(self.sec))
            project = services.create_project(sec, enterprise, name="智能装备产业园", investment_wan=50000,
                                              industry="装备制造", park="科技城", leader="张区长")
            procedure = services.create_procedure(sec, project.enterprise, kind.id, project=project)
            services.update_procedure(sec, procedure, status="submitted", submitted_on=date(2026, 11, 16))
            self.project_id, self.procedure_id = project.id, procedure.id
            assert db.session.get(Procedure, procedure.id).due_on == date(2026, 11, 23)

    def evaluation_in_one_submission(self):
        self.at(11, 20, 10, 30)
        with self.app.test_request_context():
            token = verified_evaluation_token(self.t["C1"].enterprise_id, NOV)
        url = f"/evaluate/{token}"
        public = self.app.test_client()
        page = public.get(url).get_data(as_text=True)
        assert "周敏" in page and "规划建设局" in page and "人力社保局" in page and page.count("提交评价") == 1
        data = {}
        for prefix, values in ((f"secretary_{self.sec.id}", (5, 4, 5, 4)), (f"department_{self.a}", (4, 4, 4, 4)),
                               (f"department_{self.b}", (3, 3, 4, 4))):
            data.update({f"{prefix}-{k}": str(v) for k, v in zip(MARKS, values)})
        assert public.post(url, data=data).status_code == 303
        assert public.get(url).get_data(as_text=True).count("已评价") == 3

    def first_breach_and_overdue_procedure(self):
        self.at(11, 23, 9)
        self.new("C4", S.PROCESSING, lead=self.ob)
        self.at(11, 23, 9, 30)
        self.do("C4", "reply")

        # Tue 11-24 01:00: C3's warning and breach, told once; the procedure is late, its secretary told once.
        self.at(11, 24, 1)
        self.sweep()
        c3 = self.clock_of("C3")[5]
        assert self.levels(c3) == [("warning", bj(11, 24), False), ("overdue", bj(11, 24), False)]
        assert len(self.breach_news_c3()) == 1
        assert len(self.notes(self.sec, kind="procedure_overdue")) == 1

        self.at(11, 24, 9)
        self.sweep()
        sec = self.client(self.sec)
        for url in (f"/projects/{self.project_id}", "/procedures", "/workspace"):
            assert "超期 9 小时" in sec.get(url).get_data(as_text=True), url
        board = self.client(self.sup).get("/board/overdue").get_data(as_text=True)
        assert "排水许可" in board and "超期 9 小时" in board and "2026-11-23 24:00" in board
        messages = self.notes(self.sec, kind="procedure_overdue")
        assert len(messages) == 1 and "排水许可" in messages[0][1] and "2026-11-23 24:00" in messages[0][2]

        # 10:00: an extension to Thu 11-26 withdraws both levels, tells nobody.
        self.at(11, 24, 10)
        assert sec.post(f"/tickets/{self.t['C3'].id}/extensions",
                        data={"clock_id": c3, "days": "3", "reason": "等待第三方检测"}).status_code == 303
        with self.app.app_context():
            ext_id = db.session.scalar(select(Extension.id).where(Extension.ticket_id == self.t["C3"].id))
        assert self.client(self.sup).post(f"/extensions/{ext_id}/decide", data={
            "decision": "approve", "due_mode": "date", "due_on": "2026-11-26"}).status_code == 303
        due, _breached, level, _amount, _outcome, _id = self.clock_of("C3")
        assert (due, level) == (bj(11, 27), "ok")
        assert self.levels(c3) == [("warning", bj(11, 24), True), ("overdue", bj(11, 24), True)]
        history = sec.get(f"/tickets/{self.t['C3'].id}/history").get_data(as_text=True)
        assert "已撤销：截止时间已延后" in history and "2026-11-23 24:00 → 2026-11-26 24:00" in history
        self.sweep()
        assert len(self.breach_news_c3()) == 1

        self.at(11, 25, 10)
        self.do("C4", "sign", actor=self.ob)  # a day late: due "2026-11-24 24:00"

    def breach_under_the_new_due_time(self):
        c3 = self.clock_of("C3")[5]
        # Fri 11-27 01:00: the breach under the new due time, announced once; the old one stays withdrawn.
        self.at(11, 27, 1)
        self.sweep()
        assert self.levels(c3) == [("warning", bj(11, 24), True), ("overdue", bj(11, 24), True),
                                   ("warning", bj(11, 27), False), ("overdue", bj(11, 27), False)]
        with self.app.app_context():
            live = db.session.scalars(select(ClockLevelChange).where(ClockLevelChange.clock_id == c3,
                                                                     ClockLevelChange.withdrawn_at.is_(None))).all()
            assert {(r.level, r.at) for r in live} == {("warning", bj(11, 26, 8, 30)), ("overdue", bj(11, 27))}
        news = self.breach_news_c3()
        assert len(news) == 2 and "2026-11-26 24:00" in news[-1][2]
        self.sweep()
        assert len(self.breach_news_c3()) == 2

    def extension_into_an_uncovered_year(self):
        self.at(11, 25, 11)
        c4 = self.clock_of("C4")[5]
        assert self.clock_of("C4")[0] == bj(12, 1)  # the end of Mon 11-30
        sec = self.client(self.sec)
        assert sec.post(f"/tickets/{self.t['C4'].id}/extensions",
                        data={"clock_id": c4, "days": "20", "reason": "等待省厅批复"}).status_code == 303
        with self.app.app_context():
            ext_id = db.session.scalar(select(Extension.id).where(Extension.ticket_id == self.t["C4"].id))
        self.at(11, 25, 11, 30)
        assert self.client(self.sup).post(f"/extensions/{ext_id}/decide", data={
            "decision": "approve", "due_mode": "date", "due_on": "2027-01-08", "note": "同意"}).status_code == 303
        assert self.clock_of("C4")[0] == bj(1, 9, y=2027)
        self.at(11, 25, 14)
        admin = self.client(self.admin)
        assert admin.post("/admin/calendar", data={"day": "2027-02-10", "kind": "holiday",
                                                   "note": "春节"}).status_code == 303
        banner = "2027 年的全年放假安排尚未收录"
        assert banner in admin.get("/admin/calendar").get_data(as_text=True)
        assert banner in self.client(self.sup).get("/workspace").get_data(as_text=True)
        assert "2027-01-08 24:00（暂定）" in sec.get(f"/tickets/{self.t['C4'].id}").get_data(as_text=True)

        self.at(11, 25, 15)  # the late procedure is approved: one 代办 completed this month
        from app.projects import services
        with self.app.test_request_context():
            services.update_procedure(db.session.get(User, self.sec.id), db.session.get(Procedure, self.procedure_id),
                                      status="approved", submitted_on=date(2026, 11, 16),
                                      approved_on=date(2026, 11, 25))

    def put_on_duty(self):
        self.at(11, 26, 10)
        assert self.client(self.admin).post("/admin/duty", data={"day": "2026-11-28",
                                                                 "user_id": str(self.duty.id)}).status_code == 303

    def weekend_with_a_person_on_duty(self):
        from app.supervision.notify import deliver_pending
        self.at(11, 27, 19)
        self.new("C5", S.INTAKE)
        assert self.clock_of("C5", "acknowledge")[0] == bj(11, 28, 19)

        # No sweep ran between Friday 19:00 and Saturday 19:05 here, so this sweep finds the clock past both the
        # warning (80 % of 24 h: Saturday 14:12) and its due time: the history keeps both levels, but each person
        # gets one message, for the level it stands at now (超期).
        self.at(11, 28, 19, 5)
        self.sweep()
        to_duty = self.notes(self.duty, ticket="C5")
        assert [(kind, immediate) for kind, _t, _b, immediate in to_duty] == [("overdue", True)]
        assert [(kind, immediate) for kind, _t, _b, immediate in self.notes(self.sec, ticket="C5")] == \
            [("overdue", False)]
        with self.app.app_context():
            sent = deliver_pending(self.clock.now())
        assert sent["failed"] == 0 and sent["sent"] == 1, sent  # Saturday 19:05: the duty person's one email only
        self.sent_on_saturday = list(self.mails)
        self.sweep()
        assert len(self.notes(self.duty, ticket="C5")) == 1

        self.at(11, 30, 9)
        self.do("C5", "accept")
        self.at(11, 30, 9, 30)
        self.do("C5", "reply")
        assert self.clock_of("C5", "acknowledge")[:2] == (bj(11, 28, 19), True)


# ---- the surfaces -------------------------------------------------------------------------------------------

def _check_completion(page: str):
    text = _text(page)
    for figure in (RECEIVED_MONTH, RECEIVED_YTD, DEADLINE_MONTH, DEADLINE_YTD):
        assert figure in text, figure


def _check_rankings(page: str, m: ProofMonth, *, award_in_name=False):
    """The three ranking rows; the month page writes the award after the winner's name, the report does not."""
    for row_id, expected, award in ((f"unit-secretary-{m.sec.id}", SEC_ROW, "金牌秘书"),
                                    (f"unit-department-{m.a}", A_ROW, "金牌部室"),
                                    (f"unit-department-{m.b}", B_ROW, None)):
        cells = _row(page, row_id)
        name = f"{expected[1]} {award}" if award and award_in_name else expected[1]
        assert cells == [expected[0], name] + expected[2:], cells
    text = _text(page)
    assert SEC_CITATION in text and A_CITATION in text


def _check_ticket_pages(client, m: ProofMonth):
    def panel(name):
        return client.get(f"/tickets/{m.t[name].id}/deadlines").get_data(as_text=True)

    c1 = panel("C1")
    row = row_of(c1, "办结时限")
    assert "25 个工作日" in row and "2026-11-02 09:00" in row and "2026-12-08 24:00" in row and "按时完成" in row
    assert "会办件：办结时限按会办标准计算（25 个工作日）" in c1
    row = row_of(panel("C2"), "办结时限")
    assert "2026-11-17 24:00" in row and "按时完成" in row and "超时" not in row
    c3 = panel("C3")
    row = row_of(c3, "办结时限")
    assert "2026-11-26 24:00" in row and "已超期" in row
    assert c3.count("已撤销") == 2 and "到期时间 2026-11-23 24:00" in c3 and "到期时间 2026-11-26 24:00" in c3
    c4 = panel("C4")
    assert "2027-01-08 24:00（暂定）" in row_of(c4, "办结时限")
    assert "（延至 2027-01-08）" in c4 and "等待省厅批复" in c4
    assert "超时完成" in row_of(c4, "人力社保局 · 部门签收时限")
    c5 = panel("C5")
    row = row_of(c5, "受理时限")
    assert "24 小时" in row and "2026-11-28 19:00" in row and "超时完成" in row
    assert "到期后已过 38 小时。" in c5
    c6 = panel("C6")
    assert "不再需要" in row_of(c6, "人力社保局 · 部门签收时限")
    assert "按时完成" in row_of(c6, "规划建设局 · 部门签收时限")
    assert "2026-11-10 24:00" in row_of(c6, "办结时限")


def _drill(client, kind, unit_id, metric):
    return client.get(f"/assessment/2026-11/{kind}/{unit_id}/{metric}?view=draft").get_data(as_text=True)


def _check_narrowed_lines(app, m: ProofMonth):
    """A month's lines narrowed to one case are exactly that case's lines of the whole month: some metrics narrow
    behind a fence (a department's on time, reopens and satisfaction, whose lead is looked up line by line), the rest
    by the caller's filter, and exclusions, appeals and calendar corrections read them narrowed."""
    from app.assessment.facts import facts
    from app.timesource import utcnow

    with app.app_context():
        for kind in ("secretary", "department"):
            whole = db.session.execute(select(facts(kind, Period(2026, 11), utcnow()))).all()
            assert whole
            for case in m.t.values():
                narrowed = db.session.execute(select(facts(kind, Period(2026, 11), utcnow(),
                                                           ticket_ids={case.id}))).all()
                assert sorted(narrowed) == sorted(r for r in whole if r.ticket_id == case.id), (kind, case.number)
            # A's on-time, reopen and satisfaction lines (C1 and C6) are among those checked.
            assert kind == "secretary" or {r.metric for r in whole} >= {"on_time", "reopens", "satisfaction"}


def _check_drilldowns(client, m: ProofMonth):
    n = {name: ref.number for name, ref in m.t.items()}
    page = _drill(client, "secretary", m.sec.id, "on_time")
    assert "50.0%" in page and "计入 2 条" in _text(page)
    assert "2026-11-17 24:00" in row_of(page, n["C2"]) and "按时" in row_of(page, n["C2"])
    assert "2026-11-26 24:00" in row_of(page, n["C3"]) and "已超时，尚未完成" in row_of(page, n["C3"])
    assert n["C1"] not in page and n["C6"] not in page  # A's lines
    page = _drill(client, "secretary", m.sec.id, "response")
    assert "91.7%" in page and "计入 12 条" in _text(page) and page.count("超时完成") == 1
    assert "2026-11-28 19:00" in row_of(page, n["C5"])
    page = _drill(client, "secretary", m.sec.id, "completion")
    assert "66.7%" in page and "计入 3 条" in _text(page)
    assert all(n[c] in page for c in ("C2", "C3", "C6")) and n["C1"] not in page
    assert "90.0 分" in _drill(client, "secretary", m.sec.id, "evaluation")

    page = _drill(client, "department", m.a, "on_time")
    assert "100.0%" in page and "计入 2 条" in _text(page)
    assert "2026-12-08 24:00" in row_of(page, n["C1"]) and "2026-11-10 24:00" in row_of(page, n["C6"])
    page = _drill(client, "department", m.a, "satisfaction")
    assert "50.0%" in page and "计入 2 条" in _text(page)
    page = _drill(client, "department", m.b, "sign_off")
    assert "50.0%" in page and "计入 2 条" in _text(page)
    assert "按时" in row_of(page, n["C1"]) and "超时完成" in row_of(page, n["C4"]) and n["C6"] not in page
    assert "70.0 分" in _drill(client, "department", m.b, "evaluation")
    assert "80.0 分" in _drill(client, "department", m.a, "evaluation")


def _check_excel(client):
    wb = load_workbook(io.BytesIO(client.get("/assessment/2026-11/report.xlsx?view=draft").data))
    overview = {row[0]: row[1:] for row in wb["概览"].iter_rows(min_row=2, values_only=True)}
    assert overview["办结率（收件口径）本月 %"] == (50.0, "已办结 3 ÷ 收到 6")
    assert overview["办结率（收件口径）本年累计 %"] == (57.1, "已办结 4 ÷ 收到 7")
    assert overview["办结率（时限口径）本月 %"] == (66.7, "按期办结 2 ÷ 应办结 3")
    assert overview["办结率（时限口径）本年累计 %"] == (75.0, "按期办结 3 ÷ 应办结 4")
    expected = {"收到诉求": 6, "受理": 6, "提交会办": 1, "办结": 3, "关闭": 3, "满意率 %": 66.7, "解决率 %": 83.3,
                "评价数": 3, "走访": 0, "代办事项办结": 1, "受理时限按时率 %": 83.3, "首次答复时限按时率 %": 100.0,
                "部门签收时限按时率 %": 75.0, "办结时限按时率 %": 75.0, "回访时限按时率 %": 100.0}
    assert {k: overview[k][0] for k in expected} == expected
    secretaries = list(wb["项目秘书排名"].iter_rows(min_row=2, values_only=True))
    assert secretaries[0] == (1, "周敏", 6, 69.0, 91.7, 50.0, 66.7, 66.7, 83.3, 0.0, 90.0, "金牌秘书")
    departments = {row[1]: row for row in wb["部室排名"].iter_rows(min_row=2, values_only=True)}
    assert departments["规划建设局"] == (1, "规划建设局", 2, 87.4, 100.0, 100.0, 0.0, 0.0, 50.0, None, 80.0, "金牌部室")
    # No award: an empty cell.
    assert departments["人力社保局"] == (2, "人力社保局", 3, 67.5, 50.0, None, 0.0, None, None, None, 70.0, None)


def test_the_proof_month_reads_the_same_on_every_surface(app, clock, factory, login, smtp_server):  # noqa: F811
    port, mails = smtp_server
    m = ProofMonth(app, clock, factory, login, port)
    m.mails = mails
    m.build()

    # The duty person's mail left on Saturday evening; the secretary's waits for Monday's working hours.
    assert subjects_to(m.sent_on_saturday, "zhoumin@zone.gov.cn") == []
    to_duty = subjects_to(m.sent_on_saturday, "duty@zone.gov.cn")
    assert len(to_duty) == 1 and m.t["C5"].number in to_duty[0] and "超期" in to_duty[0]

    # The hall board on the month's last evening (a supervisor: the live standings too).
    clock.set(bj(11, 30, 23))
    m.sweep()
    assert len(m.breach_news_c3()) == 2  # still announced once under each due time
    hall = m.client(m.sup).get("/hall").get_data(as_text=True)
    _check_completion(hall)
    text = _text(hall)
    assert "今日新增诉求 0" in text and "待分派 2" in text and "办理中 1" in text
    assert "超期诉求（共 1 件）" in text
    assert f"{m.t['C3'].number} 规划建设 项目秘书 11-26 24:00 已超期" in text
    assert "1 周敏 69.0" in text and "1 规划建设局 87.4" in text and "2 人力社保局 67.5" in text
    # The hall's screen (the kiosk token, no login) shows the same figures, without the draft standings.
    app.config["KIOSK_TOKEN"] = "hall-screen-token-0123456789"
    kiosk = app.test_client().get("/hall/panel?token=hall-screen-token-0123456789").get_data(as_text=True)
    _check_completion(kiosk)
    assert f"{m.t['C3'].number} 规划建设 项目秘书 11-26 24:00 已超期" in _text(kiosk)
    assert "周敏" not in kiosk and "实时排名" not in kiosk

    # December 1st: the month's figures as a supervisor reads them, draft first.
    clock.set(bj(12, 1, 9))
    staff = m.client(m.sup)
    _check_ticket_pages(staff, m)
    _check_drilldowns(staff, m)
    _check_narrowed_lines(app, m)
    draft = staff.get("/assessment/2026-11?view=draft").get_data(as_text=True)
    _check_completion(draft)
    _check_rankings(draft, m, award_in_name=True)
    report = staff.get("/assessment/2026-11/report?view=draft").get_data(as_text=True)
    _check_completion(report)
    _check_rankings(report, m)
    assert "满意率 66.7%" in _text(report) and "解决率 83.3%" in _text(report)
    _check_excel(staff)

    # Published from the lines the SLA worker staged this morning (the month's lines are not written afresh), the
    # month reads the same, and the hall names the winners with the same citations.
    from app.assessment import staging
    with app.app_context():
        assert staging.keep(bj(12, 1, 8)) == "built 2026-11"
    assert staff.post("/assessment/2026-11/publish", data={"note": ""}).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(AssessmentRun.lines_key).where(AssessmentRun.month == "2026-11")) < 0
    month_page = staff.get("/assessment/2026-11").get_data(as_text=True)
    assert "已发布 第 1 版" in month_page
    _check_completion(month_page)
    _check_rankings(month_page, m, award_in_name=True)
    frozen = _text(staff.get(f"/assessment/2026-11/secretary/{m.sec.id}/on_time").get_data(as_text=True))
    assert "已发布 第 1 版的冻结数据" in frozen and "50.0%" in frozen and "计入 2 条" in frozen
    clock.set(bj(12, 1, 9, 5))
    hall = _text(m.client(m.sec).get("/hall").get_data(as_text=True))
    assert "2026年11月 月度考评（已发布）" in hall
    assert f"金牌秘书：周敏 {SEC_CITATION}" in hall and f"金牌部室：规划建设局 {A_CITATION}" in hall
