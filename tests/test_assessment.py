"""Monthly assessment on hand-built months: every expected figure is worked out here from the scenario,
not read back from the code. October 2026 (National Day 10-01..10-07; 10-12 is a Monday): a resolution
clock started Mon 10-12 09:00 has 5 working days and is due Tue 10-20 00:00."""
import io
import json
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.admin.services import create_user
from app.assessment import evaluation, publishing, report, rules
from app.assessment.facts import facts
from app.supervision.sweep import sweep
from app.assessment.period import Month
from app.enums import Role
from app.extensions import db
from app.models import (Appeal, AssessmentFact, AssessmentRun, Category, Department, Enterprise,
                        EnterpriseEvaluation, ScoreExclusion, Ticket, User)
from app.tickets import services as ts
from app.tickets.codes import new_submission_key
from app.tickets.intake import submit_public_ticket
from app.timesource import utcnow
from sla.calendar import SHANGHAI
from tests.conftest import PASSWORD, Person

OCT = Month(2026, 10)


def bj(m, d, hh=9, mm=0):
    return datetime(2026, m, d, hh, mm, tzinfo=SHANGHAI)


class Month10:
    """Builds October through the real workflow verbs, moving the injectable clock between steps."""

    def __init__(self, clock):
        self.clock = clock
        self.category = Category(name="政策咨询", description="", is_active=True)
        db.session.add(self.category)
        db.session.commit()
        self.n = 0

    def user(self, name, role, department_id=None):
        return create_user(name, name, role, PASSWORD, department_id=department_id)

    def department(self, name):
        dept = Department(name=name, is_active=True)
        db.session.add(dept)
        db.session.commit()
        return dept

    def ticket(self, secretary, at):
        """Submitted and accepted at `at` by `secretary` (acknowledged at once)."""
        self.n += 1
        self.clock.set(at)
        ent = Enterprise(name=f"考评测试企业{self.n}", secretary_id=secretary.id)
        db.session.add(ent)
        db.session.commit()
        data = {"enterprise_name": ent.name, "credit_code": "", "contact_name": "王经理", "mobile": "13812345678",
                "title": f"考评诉求{self.n}", "description": "用电增容", "category_id": self.category.id,
                "urgency": "normal"}
        ticket, _code, _new = submit_public_ticket(data, [], new_submission_key())
        ts.accept_ticket(ticket, secretary, ticket.version)
        return ticket

    def resolve(self, ticket, actor, at):
        self.clock.set(at)
        ts.resolve_ticket(ticket, actor, ticket.version, "已办理完毕")

    def rate(self, ticket, at, satisfaction="5", solved="solved"):
        self.clock.set(at)
        ts.rate_ticket(ticket, satisfaction, solved)

    def first_contact(self, secretary, n, *, late=(), ratings=()):
        """n tickets accepted Mon 10-12 09:00 and resolved by the secretary at first contact: on 10-13 (in
        time for the first reply, due 10-14 00:00, and the resolution, due 10-20 00:00) or late on 10-26."""
        tickets = []
        for i in range(n):
            t = self.ticket(secretary, bj(10, 12))
            self.resolve(t, secretary, bj(10, 26) if i in late else bj(10, 13))
            tickets.append(t)
        for i, (sat, sol) in enumerate(ratings):
            self.rate(tickets[i], bj(10, 28), sat, sol)
        return tickets


def weights(kind, **w):
    full = {k: 0 for k in rules.rule_for(kind).weights}
    full.update(w)
    return full


def person(user):
    return Person(user.id, user.username, user.role, user.department_id)


def scores_by_name(kind, month=OCT):
    return {u.name: u for u in publishing.live_scores(kind, month)}


def test_secretary_month_with_pauses_exclusions_appeals_ties_and_minimum(app, clock, login):
    with app.test_request_context():
        b = Month10(clock)
        admin = b.user("adm", Role.ADMIN.value)
        sup = person(b.user("sup", Role.SUPERVISOR.value))
        a_, b_, c_, d_ = (b.user(name, Role.SECRETARY.value) for name in ("甲", "乙", "丙", "丁"))
        b.user("戊", Role.SECRETARY.value)  # no tickets at all
        # Scores = on-time resolution and satisfaction, half each (the other metrics still show, weight 0).
        rules.save_rule("secretary", admin, weights("secretary", on_time=50, satisfaction=50), 5, 90, 4)
        # 甲: five on time, all satisfied -> 100 / 100 -> 100.
        b.first_contact(a_, 5, ratings=[("5", "solved")] * 5)
        # 乙: six, one late; a supervisor excludes the late one -> on time 5/5, satisfied 5/5 -> 100 (tie).
        b_late = b.first_contact(b_, 6, late=(5,), ratings=[("4", "solved")] * 5)[5].id
        # 丙: c1 on hold 10-13 09:00 .. 10-23 09:00 (8 working days), resolved 10-27 10:00: late by the wall
        # clock (due 10-20) but on time once the pause is excluded (due 10-30 00:00).
        c1 = b.ticket(c_, bj(10, 12))
        clock.set(bj(10, 13))
        ts.hold_ticket(c1, c_, c1.version, "等待企业补充材料")
        clock.set(bj(10, 23))
        ts.resume_ticket(c1, c_, c1.version)
        b.resolve(c1, c_, bj(10, 27, 10))
        c2, c3, c4, c5, c6 = b.first_contact(c_, 5, late=(2, 3, 4))  # c2, c3 on time; c4, c5, c6 late
        for t, sat in ((c1, "5"), (c2, "5"), (c3, "4"), (c4, "4"), (c5, "3"), (c6, "3")):
            b.rate(t, bj(10, 28), sat, "solved")
        c5_id, c6_id = c5.id, c6.id
        # 丁: three on time -> below the minimum of five.
        b.first_contact(d_, 3)
        b_id, c_person = b_.id, person(c_)

    client = login(app.test_client(), sup)
    assert client.post(f"/assessment/tickets/{b_late}/exclude", data={"reason": "企业诉求超出政策范围"}).status_code == 303
    c_client = login(app.test_client(), c_person)
    assert c_client.post(f"/assessment/tickets/{c6_id}/appeal", data={"reason": "企业迟迟未提供材料"}).status_code == 303
    assert c_client.post(f"/assessment/tickets/{c5_id}/appeal", data={"reason": "系统故障"}).status_code == 303
    with app.app_context():
        appeals = {a.ticket_id: a.id for a in db.session.scalars(select(Appeal))}
    client.post(f"/assessment/appeals/{appeals[c6_id]}/decide", data={"decision": "accept", "reason": "情况属实"})
    client.post(f"/assessment/appeals/{appeals[c5_id]}/decide", data={"decision": "reject", "reason": "无依据"})

    clock.set(bj(11, 16))
    with app.test_request_context():
        s = scores_by_name("secretary")
    assert (s["甲"].figures["on_time"].counted, s["甲"].figures["on_time"].earned) == (5, 5)
    assert s["甲"].score == 100.0 and s["乙"].score == 100.0
    assert s["乙"].figures["on_time"].counted == 5 and s["乙"].figures["on_time"].excluded == 1
    assert s["乙"].volume == 5
    # 丙: the appeal on c6 was accepted -> c6 leaves every 丙 figure; c5's was rejected, so it stays.
    on_time = s["丙"].figures["on_time"]
    assert (on_time.counted, on_time.earned, on_time.excluded) == (5, 3, 1)  # c1 (paused), c2, c3 on time
    sat = s["丙"].figures["satisfaction"]
    assert (sat.counted, sat.earned) == (5, 4)  # c1..c4 satisfied, c5 not
    assert s["丙"].score == pytest.approx((60.0 + 80.0) / 2)
    assert s["丙"].volume == 5
    # Response (acknowledge + first reply) is computed and shown even with weight 0: 2 clocks per ticket.
    assert s["甲"].figures["response"].counted == 10 and s["甲"].figures["response"].rate == 100.0
    # 丁 is scored but below the minimum; 戊 has nothing.
    assert s["丁"].status == "below_minimum" and s["丁"].rank is None and s["丁"].score == 100.0
    assert s["戊"].status == "no_tickets" and s["戊"].score is None
    # Ties share a rank and both take the award; the next rank skips.
    assert (s["甲"].rank, s["乙"].rank, s["丙"].rank) == (1, 1, 3)
    assert s["甲"].gold and s["乙"].gold and not s["丙"].gold and not s["丁"].gold

    # The drill-down lists every line with its reason, the excluded ticket and the accepted appeal included.
    page = client.get(f"/assessment/2026-10/secretary/{c_person.id}/on_time?view=draft").get_data(as_text=True)
    assert page.count("申诉已采纳") == 1 and "情况属实" in page and page.count("超时完成") == 2
    page = client.get(f"/assessment/2026-10/secretary/{b_id}/on_time?view=draft").get_data(as_text=True)
    assert "不纳入考核：企业诉求超出政策范围" in page
    month_page = client.get("/assessment/2026-10").get_data(as_text=True)
    assert "金牌秘书" in month_page and "不足 5 件，不参与排名" in month_page and "本月无纳入考核的诉求" in month_page
    report = client.get("/assessment/2026-10/report").get_data(as_text=True)
    assert "情况属实" in report and "企业诉求超出政策范围" in report and "无依据" in report
    # Nobody but supervisors sees an unpublished month's figures.
    assert c_client.get(f"/assessment/2026-10/secretary/{c_person.id}/on_time").status_code == 404
    assert c_client.get(f"/assessment/2026-10/secretary/{c_person.id}/on_time?view=draft").status_code == 404


def test_a_late_clock_standing_still_is_decided_only_once_it_runs_again(app, clock):
    """A clock past its due time whose case is on hold now is not decided yet: the response lines, the on-time
    lines, a secretary's 办结率 lines and the centre's 办结率 by deadline leave it out while it stands still, and
    count it, late, once the case runs again. Both forms of "stands still now" in app/assessment/facts.py are
    read: the probe (`paused_now`, the on-time lines) and the set (`paused_set`, the others)."""
    with app.test_request_context():
        b = Month10(clock)
        sec = b.user("甲", Role.SECRETARY.value)
        # Accepted Mon 10-12 09:00 and acknowledged at once (on time). Never replied to: the first reply was due
        # Wed 10-14 00:00 and the resolution Tue 10-20 00:00. Held Wed 10-21 09:00, both already late.
        t = b.ticket(sec, bj(10, 12))
        clock.set(bj(10, 21))
        ts.hold_ticket(t, sec, t.version, "等待企业补充材料")
        ticket_id = t.id

        def reasons(metric):
            f = facts("secretary", OCT, utcnow(), only=[metric])
            return sorted(db.session.scalars(select(f.c.reason).where(f.c.ticket_id == ticket_id)))

        def deadline_rate():
            return report.completion_rates(OCT, utcnow())["deadline"]["month"]

        clock.set(bj(11, 16))  # October is over; the case is still on hold
        assert reasons("response") == ["on_time"]  # the acknowledgement only
        assert reasons("on_time") == []
        assert reasons("completion") == []
        assert deadline_rate()["counted"] == 0
        ts.resume_ticket(t, sec, t.version)
        # Running again, both due times long past: the first reply and the resolution count, late and still open.
        assert reasons("response") == ["late_open", "on_time"]
        assert reasons("on_time") == ["late_open"]  # no department led it: the secretary's
        assert reasons("completion") == ["late_open"]
        assert deadline_rate() == {"counted": 1, "done": 0, "rate": 0.0}


def test_departments_hold_their_own_breaches_and_returns_reopens_evaluations_count(app, clock):
    with app.test_request_context():
        b = Month10(clock)
        sec = b.user("秘书", Role.SECRETARY.value)
        d1, d2 = b.department("住建局"), b.department("人社局")
        o1, o2 = b.user("o1", Role.OFFICER.value, d1.id), b.user("o2", Role.OFFICER.value, d2.id)

        def dispatched(dept):
            t = b.ticket(sec, bj(10, 12))
            ts.dispatch_ticket(t, sec, t.version, dept.id, [], "请办理")
            ts.reply_to_enterprise(t, sec, "已转相关部门办理")
            return t

        # t1: signed within the hour, resolved 10-14 -> sign-off and resolution on time, both 住建局's.
        t1 = dispatched(d1)
        clock.set(bj(10, 12, 10))
        ts.sign_assignment(t1, o1, t1.version)
        b.resolve(t1, sec, bj(10, 14))
        # t2: signed 10-16 (sign-off due 10-14 00:00: late), resolved 10-26 (late): both 住建局's breaches.
        t2 = dispatched(d1)
        clock.set(bj(10, 16))
        ts.sign_assignment(t2, o1, t2.version)
        b.resolve(t2, sec, bj(10, 26))
        # t3: 人社局 returns it within the hour (a timely answer, and a return); re-dispatched to 住建局.
        t3 = dispatched(d2)
        clock.set(bj(10, 12, 11))
        ts.return_assignment(t3, o2, t3.version, "不属于本部门职责")
        clock.set(bj(10, 13))
        ts.dispatch_ticket(t3, sec, t3.version, d1.id, [], "请办理")
        clock.set(bj(10, 13, 10))
        ts.sign_assignment(t3, o1, t3.version)
        b.resolve(t3, sec, bj(10, 15))
        # t4: resolved 10-14, the enterprise says unsolved on 10-15 -> reopened; the new resolution clock
        # (started 10-15 09:00, due 10-22 00:00) is still running on 11-16: late, and 住建局 held it.
        t4 = dispatched(d1)
        clock.set(bj(10, 12, 10))
        ts.sign_assignment(t4, o1, t4.version)
        b.resolve(t4, sec, bj(10, 14))
        b.rate(t4, bj(10, 15), "2", "unsolved")
        clock.set(bj(11, 16))
        enterprise = db.session.get(Enterprise, t1.enterprise_id)
        # A supervisor has confirmed the company's contact by phone: only then does a link exist.
        enterprise.contact_name, enterprise.mobile, enterprise.contact_verified = "赵经理", "13900001111", True
        db.session.commit()
        token = evaluation.evaluation_token(enterprise, OCT)
        d1_id, d2_id, sec_id = d1.id, d2.id, sec.id

    # The enterprise of t1 scores 住建局 through its link: (5 + 5 + 4 + 4) / 20 -> 90.
    public = app.test_client()
    form = public.get(f"/evaluate/{token}").get_data(as_text=True)
    assert "住建局" in form and "秘书" in form and "人社局" not in form
    marks = {"lawful": "5", "efficiency": "5", "execution": "4", "attitude": "4"}

    def unit(prefix, given):  # one unit's fieldset on the one evaluation form
        return {f"{prefix}-{k}": v for k, v in given.items()}

    first = public.post(f"/evaluate/{token}", data=unit(f"department_{d1_id}", marks))
    assert first.status_code == 303
    again = public.post(f"/evaluate/{token}", data=unit(f"department_{d1_id}", marks))
    assert again.status_code == 409 and "本月已评价过该单位" in again.get_data(as_text=True)
    stranger = public.post(f"/evaluate/{token}", data=unit(f"department_{d2_id}", marks))
    assert stranger.status_code == 400  # 人社局 never worked on this enterprise's ticket: nothing of it is read
    bad = public.post(f"/evaluate/{token}", data=unit(f"secretary_{sec_id}", {**marks, "attitude": "9"}))
    assert bad.status_code == 400
    assert public.get("/evaluate/forged-token").status_code == 404

    with app.test_request_context():
        assert db.session.scalar(select(func.count(EnterpriseEvaluation.id))) == 1
        given = db.session.scalar(select(EnterpriseEvaluation))
        assert (given.contact_name, given.contact_mobile) == ("赵经理", "13900001111")  # who gave the marks
        d = scores_by_name("department")
        s = scores_by_name("secretary")
    f = d["住建局"].figures
    assert (f["sign_off"].counted, f["sign_off"].earned) == (4, 3)  # t1, t3, t4 on time; t2 late
    assert (f["on_time"].counted, f["on_time"].earned) == (5, 3)  # t1, t3, t4 (first) on time; t2, t4 (second) late
    assert (f["returns"].counted, f["returns"].earned) == (4, 0)
    assert (f["reopens"].counted, f["reopens"].earned) == (4, 1)  # t4 came back
    assert (f["satisfaction"].counted, f["satisfaction"].earned) == (1, 0)
    assert f["evaluation"].rate == pytest.approx(90.0)
    assert f["action_items"].rate is None  # no data: its weight is shared out
    expected = (20 * 75 + 25 * 60 + 10 * (100 - 0) + 10 * (100 - 25) + 20 * 0 + 10 * 90) / (20 + 25 + 10 + 10 + 20 + 10)
    assert d["住建局"].score == round(expected, 1)
    g = d["人社局"].figures
    assert (g["sign_off"].counted, g["sign_off"].earned) == (1, 1)
    assert (g["returns"].counted, g["returns"].earned) == (1, 1) and g["returns"].points == 0.0
    # The secretary holds none of these resolution clocks: a department led each when it was decided.
    assert s["秘书"].figures["on_time"].counted == 0
    # Completion (办结率, deadline-based) is the secretary's: five resolution clocks fell due in October
    # (t1..t4's first, t4's second due 10-22); met in time: t1, t3, t4's first; t2 was resolved late (10-26)
    # and t4's second is still open.
    assert (s["秘书"].figures["completion"].counted, s["秘书"].figures["completion"].earned) == (5, 3)


def test_a_month_whose_best_score_misses_the_bar_has_no_winner(app, clock):
    with app.test_request_context():
        b = Month10(clock)
        admin = b.user("adm", Role.ADMIN.value)
        sec = b.user("秘书", Role.SECRETARY.value)
        rules.save_rule("secretary", admin, weights("secretary", on_time=100), 1, 90, 4)
        b.first_contact(sec, 2, late=(0,))  # one on time, one late -> 50
        clock.set(bj(11, 16))
        s = scores_by_name("secretary")
    assert s["秘书"].rank == 1 and s["秘书"].score == 50.0 and not s["秘书"].gold


def test_publishing_freezes_the_month_and_republishing_keeps_versions(app, clock, login):
    with app.test_request_context():
        b = Month10(clock)
        sup = person(b.user("sup", Role.SUPERVISOR.value))
        sec = person(b.user("秘书", Role.SECRETARY.value))
        late_id = b.first_contact(db.session.get(User, sec.id), 5, late=(4,), ratings=[("5", "solved")] * 5)[4].id
    clock.set(bj(10, 30))
    client = login(app.test_client(), sup)
    early = client.post("/assessment/2026-10/publish", data={"note": ""})
    assert "2026年9月 考评尚未发布" in client.get("/workspace").get_data(as_text=True)
    assert early.status_code == 400 and "尚未结束" in early.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(AssessmentRun.id))) == 0

    clock.set(bj(11, 2))
    assert client.post("/assessment/2026-10/publish", data={"note": ""}).status_code == 303
    with app.test_request_context():
        run = publishing.latest_run(OCT)
        frozen = {u["name"]: u for u in run.summary["units"]["secretary"]}["秘书"]
        facts_before = db.session.scalar(select(func.count(AssessmentFact.id)).where(AssessmentFact.run_id == run.id))
    assert frozen["figures"]["on_time"]["counted"] == 5 and frozen["figures"]["on_time"]["earned"] == 4
    assert facts_before > 0

    # A later exclusion changes the live draft but not the published month.
    client.post(f"/assessment/tickets/{late_id}/exclude", data={"reason": "重复诉求"})
    with app.test_request_context():
        assert scores_by_name("secretary")["秘书"].figures["on_time"].counted == 4
        assert report.ratings(OCT)["counted"] == 4  # the centre's satisfaction leaves it out too
    published = client.get("/assessment/2026-10").get_data(as_text=True)
    assert "已发布 第 1 版" in published and "80.0%" in published
    drill = client.get(f"/assessment/2026-10/secretary/{sec.id}/on_time").get_data(as_text=True)
    assert "不纳入考核" not in drill and drill.count("超时完成") == 1
    draft = client.get(f"/assessment/2026-10/secretary/{sec.id}/on_time?view=draft").get_data(as_text=True)
    assert "不纳入考核：重复诉求" in draft

    # Publishing again without saying so is refused; with a reason it becomes version 2, version 1 stays.
    assert client.post("/assessment/2026-10/publish", data={"note": "更正"}).status_code == 409
    assert client.post("/assessment/2026-10/publish", data={"republish": "y", "note": ""}).status_code == 400
    assert client.post("/assessment/2026-10/publish",
                       data={"republish": "y", "note": "排除重复诉求后更正"}).status_code == 303
    with app.app_context():
        assert [r.version for r in publishing.runs_of(OCT)] == [2, 1]
    v1 = client.get("/assessment/2026-10?version=1").get_data(as_text=True)
    v2 = client.get("/assessment/2026-10").get_data(as_text=True)
    assert "80.0%" in v1 and "已发布 第 2 版" in v2 and "排除重复诉求后更正" in v2 and "100.0%" in v2
    # Secretaries see the published month and their own drill-down, not other units'; their workspace
    # tells them where they stood.
    sec_client = login(app.test_client(), sec)
    workspace = sec_client.get("/workspace").get_data(as_text=True)
    assert "2026年10月 考评" in workspace and "件数不足，未参与排名" in workspace  # v2: 4 tickets once one left
    assert sec_client.get("/assessment/2026-10").status_code == 200
    assert sec_client.get(f"/assessment/2026-10/secretary/{sec.id}/on_time").status_code == 200
    assert sec_client.get(f"/assessment/2026-10/secretary/{sup.id}/on_time").status_code in (403, 404)
    assert sec_client.post("/assessment/2026-10/publish", data={"republish": "y", "note": "x"}).status_code == 403


def test_excel_report_cell_by_cell_and_formula_text_stays_text(app, clock, login):
    with app.test_request_context():
        b = Month10(clock)
        sup = person(b.user("sup", Role.SUPERVISOR.value))
        sec = b.user("=HYPERLINK(\"http://x\")", Role.SECRETARY.value)
        b.first_contact(sec, 5, late=(4,), ratings=[("5", "solved")] * 4 + [("3", "partly")])
    clock.set(bj(11, 16))
    client = login(app.test_client(), sup)
    response = client.get("/assessment/2026-10/report.xlsx?view=draft")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames == ["概览", "渠道", "类别", "项目秘书排名", "部室排名", "差评整改", "不纳入考核", "申诉"]
    overview = {row[0]: row[1] for row in wb["概览"].iter_rows(min_row=2, values_only=True)}
    assert overview["收到诉求"] == 5 and overview["办结"] == 5 and overview["状态"] == "草稿（2026-11-16 09:00:00 计算）"  # the clock when the draft was computed
    assert overview["满意率 %"] == 80.0 and overview["解决率 %"] == 90.0  # (4 + 0.5) / 5
    assert overview["办结时限按时率 %"] == 80.0
    channels = {row[0]: row[1] for row in wb["渠道"].iter_rows(min_row=2, values_only=True)}
    assert channels["网上提交"] == 5 and channels["走访"] == 0
    assert list(wb["类别"].iter_rows(values_only=True)) == [("类别", "件数"), ("政策咨询", 5)]
    ranking = list(wb["项目秘书排名"].iter_rows(values_only=True))
    assert ranking[0][:5] == ("名次", "名称", "纳入考核件数", "得分", "响应率")
    row = ranking[1]
    assert row[1] == "'=HYPERLINK(\"http://x\")" and wb["项目秘书排名"].cell(row=2, column=2).data_type == "s"
    # Response: 5 acknowledgements + 4 of 5 first replies in time = 90 %; resolution: 4 of 5 = 80 %.
    assert row[0] == 1 and row[2] == 5 and row[4] == 90.0 and row[5] == 80.0
    report = client.get("/assessment/2026-10/report?view=draft").get_data(as_text=True)
    assert report.count('class="chart"') == 5  # channels, categories, trend, two rankings
    assert 'text-anchor="end">=HYPERLINK(&#34;ht</text>' in report and "<script>" not in report


def test_weights_must_add_up_to_100_and_bad_input_changes_nothing(app, clock, login):
    with app.test_request_context():
        admin = person(Month10(clock).user("adm", Role.ADMIN.value))
        keys = list(rules.rule_for("secretary").weights)
    client = login(app.test_client(), admin)
    data = {"kind": "secretary", "secretary-min_tickets": "5", "secretary-gold_min_score": "90",
            "secretary-visit_target": "4", **{f"secretary-w_{k}": "10" for k in keys}}
    r = client.post("/admin/scoring", data=data)
    assert r.status_code == 400 and "各项权重之和应为 100，现在是 70" in r.get_data(as_text=True)
    with app.app_context():
        assert rules.rule_for("secretary").weights["response"] == 20
    data["secretary-w_response"] = "40"
    assert client.post("/admin/scoring", data=data).status_code == 303
    data["secretary-w_response"] = "-5"
    assert client.post("/admin/scoring", data=data).status_code == 400
    data["secretary-w_response"] = "四十"
    assert client.post("/admin/scoring", data=data).status_code == 400
    with app.app_context():
        assert rules.rule_for("secretary").weights["response"] == 40
    assert "考核权重" in client.get("/admin/scoring").get_data(as_text=True)


def test_exclusion_and_appeal_rules(app, clock, login):
    with app.test_request_context():
        b = Month10(clock)
        sup = person(b.user("sup", Role.SUPERVISOR.value))
        sec, other = person(b.user("秘书", Role.SECRETARY.value)), person(b.user("别人", Role.SECRETARY.value))
        t = b.first_contact(db.session.get(User, sec.id), 1)[0].id
    sup_client, sec_client = login(app.test_client(), sup), login(app.test_client(), sec)
    other_client = login(app.test_client(), other)

    def count(model):
        with app.app_context():
            return db.session.scalar(select(func.count(model.id)))

    assert sec_client.post(f"/assessment/tickets/{t}/exclude", data={"reason": "x"}).status_code == 403
    sup_client.post(f"/assessment/tickets/{t}/exclude", data={"reason": "   "})
    assert count(ScoreExclusion) == 0
    sup_client.post(f"/assessment/tickets/{t}/exclude", data={"reason": "重复"})
    again = sup_client.post(f"/assessment/tickets/{t}/exclude", data={"reason": "重复"}, follow_redirects=True)
    assert "该诉求已不纳入考核" in again.get_data(as_text=True)
    assert count(ScoreExclusion) == 1
    page = sup_client.get(f"/tickets/{t}").get_data(as_text=True)
    assert "不纳入考核" in page and "恢复纳入考核" in page
    sup_client.post(f"/assessment/tickets/{t}/include", data={"reason": "误操作"})
    assert count(ScoreExclusion) == 0
    with app.app_context():
        kinds = [e.kind for e in db.session.get(Ticket, t).events]
    assert kinds.count("score_excluded") == 1 and kinds.count("score_included") == 1
    # Appeals: only the unit concerned, once; only supervisors decide, once, with a reason.
    assert other_client.post(f"/assessment/tickets/{t}/appeal", data={"reason": "x"}).status_code == 404
    assert "考核申诉" in sec_client.get(f"/tickets/{t}").get_data(as_text=True)
    sec_client.post(f"/assessment/tickets/{t}/appeal", data={"reason": "企业撤回"})
    sec_client.post(f"/assessment/tickets/{t}/appeal", data={"reason": "再次申诉"})
    assert count(Appeal) == 1
    with app.app_context():
        appeal_id = db.session.scalar(select(Appeal.id))
    assert sec_client.post(f"/assessment/appeals/{appeal_id}/decide",
                           data={"decision": "accept", "reason": "自己批"}).status_code == 403
    sup_client.post(f"/assessment/appeals/{appeal_id}/decide", data={"decision": "accept", "reason": ""})

    def status():
        with app.app_context():
            return db.session.get(Appeal, appeal_id).status

    assert status() == "pending"
    sup_client.post(f"/assessment/appeals/{appeal_id}/decide", data={"decision": "accept", "reason": "同意"})
    sup_client.post(f"/assessment/appeals/{appeal_id}/decide", data={"decision": "reject", "reason": "改主意"})
    assert status() == "accepted"
    listing = sec_client.get("/assessment/appeals").get_data(as_text=True)
    assert "企业撤回" in listing and "已采纳" in listing
    assert "企业撤回" not in other_client.get("/assessment/appeals").get_data(as_text=True)


@pytest.mark.app_config(KIOSK_TOKEN="hall-screen-token-0123456789")
def test_hall_board_opens_with_the_kiosk_token_and_shows_no_contact_data(app, clock):
    with app.test_request_context():
        b = Month10(clock)
        t = b.ticket(b.user("秘书", Role.SECRETARY.value), bj(11, 2)).number
        clock.set(bj(11, 16))
        sweep(clock.now())  # the worker flags it overdue
    anonymous = app.test_client()
    assert anonymous.get("/hall").status_code == 302
    assert anonymous.get("/hall?token=wrong").status_code == 302
    assert anonymous.get("/hall/panel?token=wrong").status_code == 403
    page = anonymous.get("/hall?token=hall-screen-token-0123456789")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "超期诉求" in html and t in html
    assert 'hx-trigger="every 30s"' in html and "token=hall-screen-token-0123456789" in html
    assert "13812345678" not in html and "王经理" not in html and "考评测试企业" not in html
    panel = anonymous.get("/hall/panel?token=hall-screen-token-0123456789").get_data(as_text=True)
    assert "今日新增诉求" in panel and "<html" not in panel


def test_month_arithmetic():
    m = Month.parse("2026-12")
    assert str(m.next()) == "2027-01" and str(Month(2026, 1).previous()) == "2025-12"
    assert m.start.isoformat() == "2026-11-30T16:00:00+00:00" and m.last_day.day == 31
    for bad in ("2026-13", "2026-1", "1999-05", "abcd-ef", "", None, "2026-10x"):
        assert Month.parse(bad) is None


def test_summary_is_plain_json(app, clock):
    with app.test_request_context():
        b = Month10(clock)
        b.first_contact(b.user("秘书", Role.SECRETARY.value), 1)
        clock.set(bj(11, 16))
        result = publishing.live_result(OCT)
    assert json.loads(json.dumps(result))["center"]["received"] == 1


def test_a_department_appeal_takes_the_ticket_out_of_that_department_only(app, clock, login):
    with app.test_request_context():
        b = Month10(clock)
        sup = person(b.user("sup", Role.SUPERVISOR.value))
        sec = b.user("秘书", Role.SECRETARY.value)
        dept = b.department("住建局")
        officer = person(b.user("o1", Role.OFFICER.value, dept.id))
        t = b.ticket(sec, bj(10, 12))
        ts.dispatch_ticket(t, sec, t.version, dept.id, [], "请办理")
        clock.set(bj(10, 16))  # sign-off due 10-14 00:00: late
        ts.sign_assignment(t, db.session.get(User, officer.id), t.version)
        b.resolve(t, sec, bj(10, 19))
        ticket_id, dept_id = t.id, dept.id
    clock.set(bj(11, 16))
    officer_client = login(app.test_client(), officer)
    assert officer_client.post(f"/assessment/tickets/{ticket_id}/appeal",
                               data={"reason": "转办时缺少企业联系方式"}).status_code == 303
    with app.app_context():
        appeal = db.session.scalar(select(Appeal))
        assert (appeal.unit_kind, appeal.unit_id) == ("department", dept_id)
    login(app.test_client(), sup).post(f"/assessment/appeals/{appeal.id}/decide",
                                       data={"decision": "accept", "reason": "属实"})
    with app.test_request_context():
        d, s = scores_by_name("department"), scores_by_name("secretary")
    assert d["住建局"].figures["sign_off"].counted == 0 and d["住建局"].figures["sign_off"].excluded == 1
    assert d["住建局"].status == "no_tickets"
    # The secretary's own figures for the same ticket are untouched: the appeal was the department's.
    assert s["秘书"].figures["response"].counted == 2 and s["秘书"].figures["response"].excluded == 0


def test_a_lead_that_returns_a_reopened_case_still_owns_its_earlier_resolution(app, clock):
    with app.test_request_context():
        b = Month10(clock)
        sec = b.user("秘书", Role.SECRETARY.value)
        dept = b.department("住建局")
        officer = b.user("o1", Role.OFFICER.value, dept.id)
        t = b.ticket(sec, bj(10, 12))
        ts.dispatch_ticket(t, sec, t.version, dept.id, [], "请办理")
        clock.set(bj(10, 12, 10))
        ts.sign_assignment(t, officer, t.version)
        b.resolve(t, sec, bj(10, 14))  # first resolution clock: on time, 住建局 led it
        b.rate(t, bj(10, 15), "2", "unsolved")  # reopened: a second clock, due 10-22 00:00
        clock.set(bj(10, 16))
        ts.return_assignment(t, officer, t.version, "需由其他部门牵头")  # back to triage; nobody leads now
        clock.set(bj(11, 16))
        d, s = scores_by_name("department"), scores_by_name("secretary")
    f = d["住建局"].figures
    assert (f["on_time"].counted, f["on_time"].earned) == (1, 1)  # the return does not rewrite 10-14
    assert (f["reopens"].counted, f["reopens"].earned) == (1, 1)
    assert (f["returns"].counted, f["returns"].earned) == (1, 1)
    # The second clock broke on 10-22 with no department holding the case: the secretary's breach.
    assert (s["秘书"].figures["on_time"].counted, s["秘书"].figures["on_time"].earned) == (1, 0)
