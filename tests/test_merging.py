"""并单 (issue 15): possible duplicates, merging a duplicate into the kept case, undoing it, and what each person
and each enterprise sees and is told."""
from datetime import timedelta

import pytest
from sqlalchemy import text

from app.assessment.period import Month
from app.assessment.report import completion_rates, month_figures
from app.enums import Role, TicketState as S
from app.errors import NotAllowed, TransitionRefused, ValidationFailed
from app.extensions import db
from app.models import Notification, Ticket, TicketEvent, User
from app.tickets import merging, search
from app.timesource import utcnow
from tests.conftest import START

TITLE = "厂房用电增容审批进度咨询"
TEXT = "新建厂房需要增容到两千千伏安，供电所一直没有批复，影响设备调试。"


def _t(ticket_id) -> Ticket:
    return db.session.get(Ticket, ticket_id)


def _u(person) -> User:
    return db.session.get(User, person.id)


def _numbers(candidates):
    return [c.ticket.number for c in candidates]


@pytest.fixture
def cases(factory, clock):
    """The secretary's base case and the cases around it (all the secretary's enterprises, so all visible to her):
      same     same enterprise, open, unrelated text          → shown first (same enterprise)
      twin     another enterprise, the very same text, open    → shown (similarity 100 %)
      close    another enterprise, similar wording, open       → shown after twin
      other    another enterprise, unrelated text, open        → not shown
      old_done similar text, created and closed 120 days ago   → not shown (closed, not recent)
      old_open similar text, created 120 days ago, still open  → shown (open)
      rejected the very same text, refused at intake           → not shown (refused)"""
    sec = factory.user(Role.SECRETARY)
    officer = factory.user(Role.OFFICER)
    ent = factory.enterprise(sec)
    made = {}
    clock.set(START - timedelta(days=120))
    made["old_done"] = factory.ticket(S.CLOSED, secretary=sec, lead_officer=officer, enterprise_id=factory.enterprise(sec),
                                      title=TITLE, description=TEXT)
    made["old_open"] = factory.ticket(S.PROCESSING, secretary=sec, lead_officer=officer,
                                      enterprise_id=factory.enterprise(sec), title="厂房用电增容审批进度", description=TEXT)
    clock.set(START)
    made["base"] = factory.ticket(S.TRIAGE, secretary=sec, lead_officer=officer, enterprise_id=ent, title=TITLE,
                                  description=TEXT)
    made["same"] = factory.ticket(S.TRIAGE, secretary=sec, lead_officer=officer, enterprise_id=ent,
                                  title="招聘补贴申领材料", description="去年新招应届生的社保补贴如何申领。")
    made["twin"] = factory.ticket(S.TRIAGE, secretary=sec, lead_officer=officer, enterprise_id=factory.enterprise(sec),
                                  title=TITLE, description=TEXT)
    made["close"] = factory.ticket(S.PROCESSING, secretary=sec, lead_officer=officer,
                                   enterprise_id=factory.enterprise(sec), title="用电增容审批一直没有进度",
                                   description="厂房增容申请提交两个月，供电所没有批复。")
    made["other"] = factory.ticket(S.TRIAGE, secretary=sec, lead_officer=officer, enterprise_id=factory.enterprise(sec),
                                   title="环评批复材料清单", description="扩建项目环境影响评价需要提交哪些材料。")
    made["rejected"] = factory.ticket(S.REJECTED, secretary=sec, lead_officer=officer,
                                      enterprise_id=factory.enterprise(sec), title=TITLE, description=TEXT)
    return sec, officer, made


def test_candidates_ranked_same_enterprise_first_then_by_similarity(app, cases):
    sec, _officer, c = cases
    with app.test_request_context():
        found = merging.duplicates_of(_u(sec), _t(c["base"].id), utcnow())
        numbers = _numbers(found)
        # same enterprise first; then by similarity: the twin (identical text, 100 %) before the looser wordings.
        assert numbers[0] == c["same"].number and found[0].same_enterprise
        assert numbers[1] == c["twin"].number and found[1].percent == 100
        assert set(numbers[2:]) == {c["close"].number, c["old_open"].number}
        assert all(found[i].similarity >= found[i + 1].similarity for i in range(1, len(found) - 1))
        assert all(merging.MIN_SIMILARITY <= f.similarity < 1 for f in found[2:])
        for hidden in ("other", "old_done", "rejected", "base"):
            assert c[hidden].number not in numbers, hidden


def test_similarity_is_dice_of_character_pairs():
    # "用电增容" → {用电, 电增, 增容}; "用电报装" → {用电, 电报, 报装}: one shared pair, 2×1 / (3+3) = 1/3.
    assert merging.dice(merging.bigrams("用电增容"), merging.bigrams("用电报装")) == pytest.approx(1 / 3)
    assert merging.dice(merging.bigrams("用电增容"), merging.bigrams("用电增容")) == 1.0


def test_officer_sees_only_candidates_of_cases_dispatched_to_the_department(app, factory):
    mine, theirs = factory.user(Role.OFFICER), factory.user(Role.OFFICER)
    base = factory.ticket(S.PROCESSING, lead_officer=mine, title=TITLE, description=TEXT)
    seen = factory.ticket(S.PROCESSING, lead_officer=mine, title=TITLE, description=TEXT)
    hidden = factory.ticket(S.PROCESSING, lead_officer=theirs, title=TITLE, description=TEXT)
    with app.test_request_context():
        numbers = _numbers(merging.duplicates_of(_u(mine), _t(base.id), utcnow()))
        assert numbers == [seen.number]
        sup = db.session.get(User, factory.user(Role.SUPERVISOR).id)
        assert set(_numbers(merging.duplicates_of(sup, _t(base.id), utcnow()))) == {seen.number, hidden.number}


def test_intake_check_shows_possible_duplicates_to_staff_only(app, factory, login, cases):
    sec, officer, c = cases
    client = login(app.test_client(), sec)
    page = client.get("/tickets/duplicates", query_string={"title": "用电增容审批进度", "description": "",
                                                           "enterprise_id": ""}, headers={"HX-Request": "true"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and c["twin"].number in html and "相似度" in html
    assert c["other"].number not in html and "<html" not in html  # a fragment for htmx
    assert login(app.test_client(), officer).get("/tickets/duplicates?title=用电").status_code == 403
    assert app.test_client().get("/tickets/duplicates?title=用电").status_code == 302  # to the login page
    # The offline intake form asks for it as the secretary types; the public form never does.
    assert "/tickets/duplicates" in client.get("/tickets/new").get_data(as_text=True)
    assert "/tickets/duplicates" not in app.test_client().get("/submit").get_data(as_text=True)


def test_ticket_page_panel_lists_candidates_with_their_figures(app, login, cases):
    sec, _officer, c = cases
    client = login(app.test_client(), sec)
    assert f'/tickets/{c["base"].id}/duplicates' in client.get(f'/tickets/{c["base"].id}').get_data(as_text=True)
    html = client.get(f'/tickets/{c["base"].id}/duplicates', headers={"HX-Request": "true"}).get_data(as_text=True)
    assert html.index(c["same"].number) < html.index(c["twin"].number)
    assert "同一企业" in html and "相似度 100%" in html and "招聘补贴申领材料" in html


def test_similarity_search_uses_the_index(app, cases, capsys):
    with app.test_request_context():
        sql, params = search.sharing_tokens_sql(merging.search_tokens(TITLE, TEXT))
        bound = dict(params, jj_per=merging.PER_TOKEN, jj_keep=merging.KEEP)
        if db.engine.dialect.name == "postgresql":
            # A table of a few rows is read whole; with scans priced out the plan shows the GIN index can answer.
            db.session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = [r[0] for r in db.session.execute(text("EXPLAIN " + sql), bound)]
            assert any("ix_ticket_search_terms" in line or "pk_ticket_search" in line for line in plan), plan
            assert not any("Seq Scan on ticket_search" in line for line in plan), plan
        else:
            plan = [r[-1] for r in db.session.execute(text("EXPLAIN QUERY PLAN " + sql), bound)]
            # Each pair is one FTS5 index lookup in rowid order (no sort, no scan of the ticket table).
            assert any("VIRTUAL TABLE INDEX" in line for line in plan), plan
            assert not any(line.startswith("SCAN ticket ") or line == "SCAN ticket" for line in plan), plan
        with capsys.disabled():
            print("\nsimilarity search plan:\n  " + "\n  ".join(plan))


@pytest.fixture
def pair(factory, sms_gateway, app):
    """Two enterprises reporting the same problem: the kept case (processing) and the duplicate (triage, with its
    acknowledgement done and first-reply and resolution clocks running). One secretary looks after both."""
    app.config.update(SMS_GATEWAY_URL=sms_gateway.url, SMS_GATEWAY_KEY=sms_gateway.key)
    sec = factory.user(Role.SECRETARY)
    officer = factory.user(Role.OFFICER)
    kept = factory.ticket(S.PROCESSING, secretary=sec, lead_officer=officer, title="用电增容审批进度咨询（保留）",
                          description=TEXT)
    dup = factory.ticket(S.TRIAGE, secretary=sec, lead_officer=officer, title=TITLE, description=TEXT,
                         contact_mobile="13900001111")
    return sec, kept, dup


def test_merge_closes_the_duplicate_stops_its_clocks_links_both_and_tells_both(app, pair, clock):
    sec, kept, dup = pair
    with app.test_request_context():
        running = [c.kind for c in _t(dup.id).clocks if c.running]
        assert set(running) == {"first_reply", "resolution"}
        merging.merge_tickets(_t(kept.id), _t(dup.id), _u(sec), utcnow(), "两家企业反映同一变电站容量问题")
        d, k = _t(dup.id), _t(kept.id)
        assert d.state == S.MERGED and d.merged_into_id == k.id and d.merged_from == "triage"
        assert d.closed_at == START and d.due_at is None
        stopped = [c for c in d.clocks if c.kind in running]
        assert stopped and all(c.stopped_at == START and c.outcome == merging.CLOCK_MERGED for c in stopped)
        assert not [c for c in d.clocks if c.running]
        assert [dd.id for dd in k.duplicates] == [d.id]
        merged_event = [e for e in d.events if e.kind == "merged"][-1]
        kept_event = [e for e in k.events if e.kind == "merge_kept"][-1]
        assert merged_event.details == {"kept": k.number} and kept_event.details == {"duplicate": d.number}
        assert merged_event.body == kept_event.body == "两家企业反映同一变电站容量问题"
        assert not merged_event.is_public and not kept_event.is_public  # the reason may name the other company
        told = {(n.ticket_id, n.channel, n.address) for n in db.session.query(Notification).filter_by(kind="merged")}
        assert told == {(d.id, "sms", "13900001111"), (k.id, "sms", "13812345678")}
        body = db.session.query(Notification).filter_by(kind="merged", ticket_id=d.id).one().body
        assert d.number in body and k.number not in body  # never names the other case


def test_tracking_after_a_merge_shows_each_enterprise_only_its_own(app, pair, factory, login):
    sec, kept, dup = pair
    with app.test_request_context():
        merging.merge_tickets(_t(kept.id), _t(dup.id), _u(sec), utcnow(), "同一问题")
    # The duplicate's enterprise (another company): code and personal link still open its page, which says it was
    # merged and the state, but not the kept case's number, title or company.
    c = app.test_client()
    assert c.post("/track", data={"number": dup.number, "code": dup.code}).status_code == 303
    html = c.get(f"/track/{dup.number}").get_data(as_text=True)
    assert "合并办理" in html and "办理中" in html
    assert kept.number not in html and "保留" not in html
    link_html = app.test_client().get(f"/t/{dup.link}").get_data(as_text=True)
    assert "合并办理" in link_html and kept.number not in link_html
    # The kept case's enterprise: its page as before, the duplicate not named.
    k = app.test_client()
    assert k.post("/track", data={"number": kept.number, "code": kept.code}).status_code == 303
    kept_html = k.get(f"/track/{kept.number}").get_data(as_text=True)
    assert "用电增容审批进度咨询（保留）" in kept_html and dup.number not in kept_html
    # Staff: the kept case's page links the duplicate and folds its history; the duplicate's page links back.
    staff = login(app.test_client(), sec)
    page = staff.get(f"/tickets/{kept.id}").get_data(as_text=True)
    assert dup.number in page and "查看重复诉求" in page
    assert kept.number in staff.get(f"/tickets/{dup.id}").get_data(as_text=True)


def test_same_enterprise_duplicate_page_shows_the_kept_case_progress(app, factory):
    sec = factory.user(Role.SECRETARY)
    ent = factory.enterprise(sec)
    kept = factory.ticket(S.PROCESSING, secretary=sec, enterprise_id=ent, title="同一企业保留的诉求")
    dup = factory.ticket(S.INTAKE, secretary=sec, enterprise_id=ent, title="同一企业重复的诉求")
    with app.test_request_context():
        merging.merge_tickets(_t(kept.id), _t(dup.id), _u(sec), utcnow(), "同一问题")
    c = app.test_client()
    c.post("/track", data={"number": dup.number, "code": dup.code})
    html = c.get(f"/track/{dup.number}").get_data(as_text=True)
    assert kept.number in html and "同一企业保留的诉求" in html and "合并后诉求的办理过程" in html


def test_month_counts_a_merged_pair_once(app, factory):
    # Three cases received and accepted in November 2026; one of them is merged into another. By the rule "a
    # merged duplicate counts once, as the kept case": received 3 − 1 = 2, accepted 3 − 1 = 2, and the received-
    # basis 办结率 divides by 2 cases, none resolved.
    sec = factory.user(Role.SECRETARY)
    a = factory.ticket(S.TRIAGE, secretary=sec)
    b = factory.ticket(S.TRIAGE, secretary=sec)
    factory.ticket(S.TRIAGE, secretary=sec)
    month = Month(2026, 11)
    with app.test_request_context():
        before = month_figures(month, utcnow())
        assert (before["received"], before["accepted"]) == (3, 3)
        merging.merge_tickets(_t(a.id), _t(b.id), _u(sec), utcnow(), "同一问题")
        after = month_figures(month, utcnow())
        assert (after["received"], after["accepted"]) == (2, 2)
        assert sum(n for _c, n in after["by_channel"]) == 2
        assert completion_rates(month, utcnow())["received"]["month"]["counted"] == 2


def test_unmerge_restores_state_and_clocks(app, pair, clock, factory):
    sec, kept, dup = pair
    with app.test_request_context():
        due_before = {c.kind: c.due_at for c in _t(dup.id).clocks if c.running}
        merging.merge_tickets(_t(kept.id), _t(dup.id), _u(sec), utcnow(), "同一问题")
    clock.advance(days=3)
    sup = factory.user(Role.SUPERVISOR)
    with app.test_request_context():
        with pytest.raises(NotAllowed):
            merging.unmerge_tickets(_t(dup.id), _u(sec), utcnow(), "并错了")  # a secretary may not undo
        db.session.rollback()
        merging.unmerge_tickets(_t(dup.id), _u(sup), utcnow(), "并错了，两家问题不同")
        d, k = _t(dup.id), _t(kept.id)
        assert d.state == S.TRIAGE and d.merged_into_id is None and d.closed_at is None
        running = {c.kind: c for c in d.clocks if c.running}
        assert set(running) == set(due_before)  # the same clocks, not new ones
        for kind, c in running.items():
            # the three merged days are a pause: the deadline moves later, never earlier
            assert [(p.started_at, p.ended_at) for p in c.pauses] == [(START, START + timedelta(days=3))]
            assert c.due_at >= due_before[kind]
        assert [e.kind for e in d.events][-2:] == ["unmerged", "progress"]
        assert k.events[-1].kind == "unmerge_kept" and k.events[-1].details == {"duplicate": d.number}
        assert db.session.query(Notification).filter_by(kind="unmerged", ticket_id=d.id).count() == 1
        assert k.duplicates == []


def test_self_merge_chains_and_stale_targets_are_refused(app, factory, clock):
    sec = factory.user(Role.SECRETARY)
    clock.set(START - timedelta(days=120))
    old = factory.ticket(S.CLOSED, secretary=sec)
    clock.set(START)
    a = factory.ticket(S.TRIAGE, secretary=sec)
    b = factory.ticket(S.TRIAGE, secretary=sec)
    c = factory.ticket(S.TRIAGE, secretary=sec)
    with app.test_request_context():
        me = _u(sec)
        with pytest.raises(ValidationFailed, match="它自己"):
            merging.merge_tickets(_t(a.id), _t(a.id), me, utcnow(), "x")
        db.session.rollback()
        with pytest.raises(TransitionRefused, match="超过 90 天"):
            merging.merge_tickets(_t(old.id), _t(a.id), me, utcnow(), "x")
        db.session.rollback()
        merging.merge_tickets(_t(b.id), _t(a.id), me, utcnow(), "a 与 b 同一问题")  # a → b
        events = db.session.query(TicketEvent).count()
        for kept, duplicate, message in ((a, c, "连环并单"),    # into a merged case
                                         (c, b, "连环并单"),    # b already has a duplicate: it cannot go elsewhere
                                         (c, a, "不能再次并单")):  # a is merged already
            with pytest.raises(TransitionRefused, match=message):
                merging.merge_tickets(_t(kept.id), _t(duplicate.id), me, utcnow(), "x")
            db.session.rollback()
        assert db.session.query(TicketEvent).count() == events
        assert (_t(c.id).state, _t(b.id).state) == (S.TRIAGE, S.TRIAGE)


def test_who_may_merge(app, factory, login):
    sec, colleague = factory.user(Role.SECRETARY), factory.user(Role.SECRETARY)
    officer = factory.user(Role.OFFICER)
    kept = factory.ticket(S.PROCESSING, secretary=sec, lead_officer=officer)
    dup = factory.ticket(S.PROCESSING, secretary=sec, lead_officer=officer)
    with app.test_request_context():
        # The colleague sees neither (not hers, not in intake); the officer sees both but is no secretary.
        for person in (colleague, officer):
            with pytest.raises(NotAllowed):
                merging.merge_tickets(_t(kept.id), _t(dup.id), _u(person), utcnow(), "同一问题")
            db.session.rollback()
        assert _t(dup.id).state == S.PROCESSING
    # A secretary who sees both intake cases but is not the kept case's secretary may not merge them.
    k2 = factory.ticket(S.INTAKE, secretary=sec)
    d2 = factory.ticket(S.INTAKE, secretary=sec)
    with app.test_request_context():
        with pytest.raises(NotAllowed, match="保留诉求的项目秘书"):
            merging.merge_tickets(_t(k2.id), _t(d2.id), _u(colleague), utcnow(), "同一问题")
        db.session.rollback()
    # Through the page: the officer is refused, the kept case's secretary merges and lands on the kept case.
    assert login(app.test_client(), officer).post(
        f"/tickets/{dup.id}/merge", data={"other_number": kept.number, "direction": "into_other",
                                          "reason": "同一问题"}).status_code == 403
    client = login(app.test_client(), sec)
    bad = client.post(f"/tickets/{dup.id}/merge", data={"other_number": "JJ-0000-000000", "direction": "into_other",
                                                        "reason": "同一问题，保留此句"})
    assert bad.status_code == 400 and "没有找到编号" in bad.get_data(as_text=True)
    assert "同一问题，保留此句" in bad.get_data(as_text=True)  # nothing typed is lost
    ok = client.post(f"/tickets/{dup.id}/merge", data={"other_number": kept.number.lower(), "direction": "into_other",
                                                       "reason": "同一问题"})
    assert ok.status_code == 303 and ok.headers["Location"].endswith(f"/tickets/{kept.id}#merge")
    supervisor = login(app.test_client(), factory.user(Role.SUPERVISOR))
    assert client.post(f"/tickets/{dup.id}/unmerge", data={"reason": "并错了"}).status_code == 403
    assert supervisor.post(f"/tickets/{dup.id}/unmerge", data={"reason": "并错了"}).status_code == 303
    with app.test_request_context():
        assert _t(dup.id).state == S.PROCESSING


def test_the_kept_case_page_can_take_in_a_duplicate(app, factory, login):
    sec = factory.user(Role.SECRETARY)
    kept = factory.ticket(S.PROCESSING, secretary=sec, title=TITLE, description=TEXT)
    dup = factory.ticket(S.ON_HOLD, secretary=sec, title=TITLE, description=TEXT)
    client = login(app.test_client(), sec)
    # The candidate's "与本诉求并单…" link opens the form with its number filled in.
    page = client.get(f"/tickets/{kept.id}?keep={dup.number}").get_data(as_text=True)
    assert f'value="{dup.number}"' in page
    done = client.post(f"/tickets/{kept.id}/merge", data={"other_number": dup.number, "direction": "keep_this",
                                                          "reason": "同一问题"})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/tickets/{kept.id}#merge")
    with app.test_request_context():
        d = _t(dup.id)
        assert (d.state, d.merged_into_id, d.merged_from) == (S.MERGED, kept.id, "on_hold")
        assert not [c for c in d.clocks if c.running]


def test_a_merged_duplicate_lines_are_listed_not_counted(app, factory, clock):
    # The duplicate was accepted at once (its acknowledgement on time: one "response" line for the secretary in
    # November, decided before the merge, so it stays counted). Merging stops its first-reply clock, due later:
    # that line is listed with the reason 已并单 and not counted; the kept case's own line still counts.
    from sqlalchemy import select
    from app.assessment.facts import facts
    from app.assessment.metrics import SECRETARY, reason_label
    sec = factory.user(Role.SECRETARY)
    kept = factory.ticket(S.TRIAGE, secretary=sec)
    dup = factory.ticket(S.TRIAGE, secretary=sec)
    month = Month(2026, 11)

    def lines(ticket_id):
        f = facts(SECRETARY, month, utcnow(), only=["response"])
        return [(r.counted, r.reason) for r in db.session.execute(select(f).where(f.c.ticket_id == ticket_id))]

    with app.test_request_context():
        assert lines(dup.id) == [(True, "on_time")]
        clock.advance(minutes=5)  # merged a little later
        merging.merge_tickets(_t(kept.id), _t(dup.id), _u(sec), utcnow(), "同一问题")
        assert sorted(lines(dup.id)) == [(False, "merged"), (True, "on_time")]
        assert lines(kept.id) == [(True, "on_time")]
        assert reason_label("merged") == "已并单（随保留的诉求计一次）"


def test_a_breach_before_the_merge_stays_counted(app, factory, clock):
    # Submitted Monday 16 November 09:00 (START); the acknowledgement is due 24 hours later, Tuesday 09:00. Nobody
    # accepts it; on Wednesday 09:00 the secretary merges it into another case of hers. The missed acknowledgement
    # was due before the merge: it stays counted, as late. Merging cannot hide a breach.
    from sqlalchemy import select
    from app.assessment.facts import facts
    from app.assessment.metrics import SECRETARY
    sec = factory.user(Role.SECRETARY)
    kept = factory.ticket(S.TRIAGE, secretary=sec)
    dup = factory.ticket(S.INTAKE, secretary=sec)
    clock.advance(days=2)
    with app.test_request_context():
        merging.merge_tickets(_t(kept.id), _t(dup.id), _u(sec), utcnow(), "同一问题")
        f = facts(SECRETARY, Month(2026, 11), utcnow(), only=["response"])
        rows = [(r.counted, r.reason) for r in db.session.execute(select(f).where(f.c.ticket_id == dup.id))]
        assert (True, "late") in rows
