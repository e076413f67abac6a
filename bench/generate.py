"""Build a benchmark database shaped like a real centre's: N cases (default 1,000,000) over two years.

    .venv/bin/python bench/generate.py [--cases 1000000] [--database-url URL] [--seed 7]

Every state is present; a share of old cases is still open and long overdue (as real centres have them);
holds with their pauses, convened cases with meetings and action items, dispatches to one to three
departments, 5–20 events per case, clocks for every stage, ratings, monthly evaluations, visits, projects with
their stages' planned and actual dates and their 施工许可证 (the 一表制 sheet's figures read these), and 代办
procedures. Rows go in by COPY on PostgreSQL and by executemany on SQLite, after `flask db upgrade`, so
the schema is the real one. Staff accounts: admin, sup1..3, sec1..40, dept1_1.. (password `bench-password`).
"""
import argparse
import random
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import text  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from config import Config  # noqa: E402

PASSWORD = "bench-password"
SECRETARIES, DEPARTMENTS, CATEGORIES = 40, 25, 18
BATCH = 20_000

# Words a real centre's cases are made of, so a search for 用电 or 环评 is as selective as it is in life.
TOPICS = ["用电增容", "环评审批", "用地指标", "人才公寓", "融资贷款", "消防验收", "施工许可", "道路维修", "污水接管",
          "员工子女入学", "出口退税", "高企认定", "专利质押", "厂房租赁", "天然气接入", "排污许可", "公交线路",
          "停车位紧张", "网络带宽", "社保缴纳", "招工难", "知识产权", "设备补贴", "安全生产", "食堂证照"]
VERBS = ["迟迟未办", "进度缓慢", "咨询政策", "申请协调", "需要支持", "反映问题", "请求加快", "费用过高"]
PLACES = ["东区", "西区", "科创园", "软件园", "生物医药园", "智能制造园", "综保区"]
TRADES = ["科技", "电子", "生物", "新材料", "智能装备", "医药", "软件", "光电", "环保", "数据"]


class Loader:
    """Appends rows per table and writes them in batches, by COPY (PostgreSQL) or executemany (SQLite)."""

    def __init__(self, raw, dialect):
        self.raw, self.dialect, self.rows, self.columns = raw, dialect, {}, {}
        self.counts = {}

    def add(self, table, columns, row):
        """Queue one row for a table; flushes the table when its batch is full."""
        self.columns.setdefault(table, columns)
        bucket = self.rows.setdefault(table, [])
        bucket.append(row)
        if len(bucket) >= BATCH:
            self.flush()

    def flush(self):
        """Write every queued row, parents before children so foreign keys hold at each step."""
        for name in sorted(self.rows, key=lambda t: ORDER.index(t)):
            rows = self.rows.get(name)
            if not rows:
                continue
            columns = self.columns[name]
            cur = self.raw.cursor()
            if self.dialect == "postgresql":
                with cur.copy(f"COPY \"{name}\" ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row([_pg(v) for v in row])
            else:
                marks = ", ".join("?" * len(columns))
                cur.executemany(f"INSERT INTO \"{name}\" ({', '.join(columns)}) VALUES ({marks})",
                                [tuple(_lite(v) for v in row) for row in rows])
            self.counts[name] = self.counts.get(name, 0) + len(rows)
            rows.clear()


def _pg(value):
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def _lite(value):
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def add_working_days(start, days):
    """Monday–Friday approximation of N working days later (the bench needs plausible, not exact, deadlines)."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


ORDER = ["department", "category", "user", "enterprise", "ticket", "assignment", "meeting", "meeting_ticket",
         "meeting_invite", "action_item", "ticket_clock", "clock_pause", "ticket_event", "rating", "visit", "enterprise_evaluation",
         "procedure_type", "project", "milestone", "procedure"]
TICKET_COLS = ("id", "number", "enterprise_id", "secretary_id", "category_id", "channel", "urgency", "state",
               "held_from", "title", "description", "contact_name", "contact_mobile", "outcome", "access_code_hash",
               "reopen_count", "created_at", "updated_at", "accepted_at", "first_replied_at", "dispatched_at",
               "resolved_at", "closed_at", "due_at", "due_unit", "sla_level", "supervised_at", "version")
EVENT_COLS = ("ticket_id", "at", "actor_id", "actor_name", "kind", "from_state", "to_state", "body", "data",
              "is_public")
CLOCK_COLS = ("id", "ticket_id", "kind", "assignment_id", "unit", "amount", "warning_percent", "supervise_after_wd",
              "escalate_after_wd", "started_at", "stopped_at", "due_at", "level", "next_check_at", "breached",
              "convened", "action_item_id")
ACTION_COLS = ("id", "meeting_id", "ticket_id", "title", "owner_department_id", "working_days", "status",
               "created_at", "done_at", "done_by_id", "done_note")
ASSIGN_COLS = ("id", "ticket_id", "department_id", "role", "status", "instructions", "return_reason",
               "dispatched_at", "signed_at", "returned_at", "dispatched_by_id")


def state_for(age_days, rng):
    """A case's state by its age: old cases are mostly closed, but a few are still open and long overdue."""
    r = rng.random()
    if age_days > 60:
        table = [(0.915, "closed"), (0.935, "rejected"), (0.955, "resolved"), (0.98, "processing"),
                 (0.987, "convened"), (0.995, "on_hold"), (1.0, "triage")]
    elif age_days > 10:
        table = [(0.58, "closed"), (0.60, "rejected"), (0.75, "resolved"), (0.90, "processing"),
                 (0.94, "convened"), (0.97, "on_hold"), (1.0, "triage")]
    else:
        table = [(0.10, "intake"), (0.25, "triage"), (0.70, "processing"), (0.75, "convened"), (0.80, "on_hold"),
                 (0.95, "resolved"), (1.0, "closed")]
    return next(state for bound, state in table if r <= bound)


def level_for(due, now):
    """The level the sweep would have recorded for an open clock due at `due`."""
    if due is None or now < due - timedelta(days=1):
        return "ok"
    if now < due:
        return "warning"
    late = (now - due).days
    return "escalated" if late > 7 else "supervised" if late > 3 else "overdue"


def generate(n, seed, now):
    """Write N cases and everything around them; returns per-table row counts."""
    rng = random.Random(seed)
    raw = db.engine.raw_connection()
    dialect = db.engine.dialect.name
    out = Loader(raw.driver_connection if dialect == "postgresql" else raw, dialect)
    if dialect == "sqlite":
        # a throwaway load: no fsync per page, a big page cache; rows are written parents first anyway
        for pragma in ("synchronous=OFF", "cache_size=-1000000", "temp_store=MEMORY", "foreign_keys=OFF"):
            raw.execute(f"PRAGMA {pragma}")
        raw.execute("BEGIN")  # the app's connections autocommit and issue BEGIN themselves
    password_hash = generate_password_hash(PASSWORD, method="scrypt")
    created0 = now - timedelta(days=730)

    for d in range(1, DEPARTMENTS + 1):
        out.add("department", ("id", "name", "is_active"), (d, f"{rng.choice(PLACES)}{d}号部室·{_dept(d)}", True))
    for c in range(1, CATEGORIES + 1):
        out.add("category", ("id", "name", "description", "is_active"), (c, f"{TOPICS[c % len(TOPICS)]}类{c}", "", True))
    user_cols = ("id", "username", "display_name", "password_hash", "role", "department_id", "email", "mobile",
                 "is_active", "is_director", "session_version", "created_at")
    uid = 0

    def user(username, name, role, dept=None, director=False):
        nonlocal uid
        uid += 1
        out.add("user", user_cols, (uid, username, name, password_hash, role, dept, f"{username}@example.gov.cn",
                                    f"139{uid:08d}", True, director, 1, created0))
        return uid

    user("admin", "管理员", "admin")
    [user(f"sup{i}", f"督办{i}", "supervisor", director=i == 1) for i in range(1, 4)]
    secretaries = [user(f"sec{i}", f"秘书{i}", "secretary") for i in range(1, SECRETARIES + 1)]
    officers = {d: [user(f"dept{d}_{k}", f"部室{d}经办{k}", "officer", dept=d) for k in (1, 2)]
                for d in range(1, DEPARTMENTS + 1)}
    out.flush()

    enterprises = max(n // 50, 200)
    ent_cols = ("id", "name", "credit_code", "park", "industry", "contact_name", "mobile", "contact_verified",
                "secretary_id", "created_at")
    for e in range(1, enterprises + 1):
        out.add("enterprise", ent_cols, (e, f"{rng.choice(PLACES)}{rng.choice(TRADES)}{e}有限公司",
                                         f"91320{e:013d}", rng.choice(PLACES), rng.choice(TRADES),
                                         f"联系人{e}", f"138{e:08d}", e % 3 == 0,
                                         secretaries[e % SECRETARIES], created0))
    out.flush()

    weights_span = 730 * 86400
    clock_id = assignment_id = meeting_id = action_id = 0
    for i in range(1, n + 1):
        pending = []
        later = lambda *row: pending.append(row)  # noqa: E731 - children wait for their ticket row
        # more cases recently than two years ago: the centre grows
        age_fraction = 1 - (rng.random() ** 0.8)
        created = created0 + timedelta(seconds=int(weights_span * (1 - age_fraction) * 0.999))
        age_days = (now - created).days
        state = state_for(age_days, rng)
        ent = 1 + rng.randrange(enterprises)
        sec = secretaries[ent % SECRETARIES]
        topic = rng.choice(TOPICS)
        title = f"{topic}{rng.choice(VERBS)}"
        description = f"我司位于{rng.choice(PLACES)}，{topic}事项{rng.choice(VERBS)}，已持续{rng.randint(1, 12)}周，请求协调。"
        convened = state == "convened" or (state in ("closed", "resolved") and rng.random() < 0.03)
        accepted = created + timedelta(hours=rng.choice([1, 3, 6, 20, 30]))
        replied = accepted + timedelta(hours=rng.choice([2, 5, 22, 40]))
        open_ = state in ("intake", "triage", "processing", "convened", "on_hold")
        budget = 25 if convened else 5
        resolution_due = add_working_days(accepted, budget)
        resolved_at = closed_at = None
        if state in ("resolved", "closed"):
            resolved_at = min(accepted + timedelta(days=rng.choice([2, 4, 6, 8, 12, 20, 35 if convened else 9])),
                              now - timedelta(hours=1))
            if state == "closed":
                closed_at = min(resolved_at + timedelta(days=rng.choice([1, 3, 5])), now)
        dispatched = state not in ("intake", "triage", "rejected") and rng.random() < 0.6
        events = [(created, None, "企业", "created", None, "intake", True)]
        if state != "intake":
            events.append((accepted, sec, "秘书", "rejected" if state == "rejected" else "accepted", "intake",
                           "rejected" if state == "rejected" else "triage", True))
        if state not in ("intake", "triage", "rejected"):
            events.append((replied, sec, "秘书", "replied", None, None, True))
        due_at = level = due_unit = None
        # clocks
        clocks = [("acknowledge", None, "hours", 24, created, created + timedelta(hours=24),
                   None if state == "intake" else accepted)]
        if state not in ("intake", "rejected"):
            clocks.append(("first_reply", None, "working_days", 1, accepted, add_working_days(accepted, 1),
                           None if state == "triage" else replied))
        assignments = []
        if dispatched:
            for k in range(rng.choice([1, 1, 1, 2, 3])):
                assignment_id += 1
                dept = 1 + (ent * 7 + k * 3 + i) % DEPARTMENTS
                returned = k == 0 and rng.random() < 0.05
                signed = accepted + timedelta(hours=rng.choice([2, 6, 30]))
                assignments.append((assignment_id, i, dept, "lead" if k == 0 else "support",
                                    "returned" if returned else "signed", "请尽快办理", "不属于本部门职责" if returned else "",
                                    accepted + timedelta(hours=1), None if returned else signed,
                                    signed if returned else None, sec))
                events.append((accepted + timedelta(hours=1), sec, "秘书", "dispatched", None, "processing", False))
                events.append((signed, officers[dept][0], f"部室{dept}经办1", "returned" if returned else "signed",
                               None, None, False))
                clocks.append(("sign_off", assignment_id, "working_days", 1, accepted + timedelta(hours=1),
                               add_working_days(accepted, 1), signed))
        if state not in ("intake", "triage", "rejected"):
            clocks.append(("resolution", None, "working_days", budget, accepted, resolution_due, resolved_at))
            for k in range(rng.randint(1, 12)):
                at = accepted + timedelta(hours=8 + 17 * k)
                if resolved_at and at >= resolved_at or at >= now:
                    break
                events.append((at, sec, "秘书", rng.choice(["progress", "noted", "progress", "replied"]), None, None,
                               k % 2 == 0))
        if convened:
            meeting_id += 1
            starts = accepted + timedelta(days=3)
            held = starts < now
            later("meeting", ("id", "subject", "starts_at", "place", "agenda", "status", "minutes_internal",
                                "minutes_public", "convened_by_id", "created_at", "held_at"),
                    (meeting_id, f"{title}会办", starts, "三楼会议室", "", "held" if held else "planned",
                     "纪要" if held else "", "形成办理方案" if held else "", sec, accepted + timedelta(hours=2),
                     starts if held else None))
            later("meeting_ticket", ("meeting_id", "ticket_id"), (meeting_id, i))
            later("meeting_invite", ("meeting_id", "department_id", "role", "confirmed_at"),
                    (meeting_id, 1 + i % DEPARTMENTS, "lead", accepted + timedelta(hours=5)))
            events.append((accepted + timedelta(hours=2), sec, "秘书", "convened", "processing", "convened", True))
            if held:
                events.append((starts, sec, "秘书", "meeting_held", None, None, False))
            # the meeting's decisions: one or two items owned by other departments, each with its own clock
            for k in range(rng.choice([1, 2]) if held and (resolved_at is None or resolved_at > starts) else 0):
                action_id += 1
                owner = 1 + (i + 5 + 2 * k) % DEPARTMENTS
                done_at = None
                if resolved_at or rng.random() < 0.5:
                    done_at = min(starts + timedelta(days=rng.choice([1, 4, 9])),
                                  (resolved_at or now) - timedelta(minutes=30))
                later("action_item", ACTION_COLS,
                      (action_id, meeting_id, i, f"{topic}落实事项{k + 1}", owner, 5, "done" if done_at else "open",
                       starts, done_at, officers[owner][0] if done_at else None, "已落实" if done_at else ""))
                clocks.append(("action_item", None, "working_days", 5, starts, add_working_days(starts, 5), done_at,
                               action_id))
        if state == "on_hold":
            events.append((accepted + timedelta(days=1), sec, "秘书", "held", "processing", "on_hold", True))
        if resolved_at:
            events.append((resolved_at, sec, "秘书", "resolved", "processing", "resolved", True))
            clocks.append(("follow_up", None, "working_days", 3, resolved_at, add_working_days(resolved_at, 3),
                           closed_at))
            if rng.random() < 0.55:
                rated = resolved_at + timedelta(hours=rng.choice([3, 20, 50]))
                if rated < now:
                    later("rating", ("ticket_id", "satisfaction", "solved", "comment", "created_at"),
                            (i, rng.choice("5554443"), rng.choice(["solved", "solved", "partly", "unsolved"]), "",
                             rated))
                    events.append((rated, None, "企业", "rated", None, None, True))
        if closed_at:
            events.append((closed_at, sec, "秘书", "closed", "resolved", "closed", True))
        if state == "rejected":
            closed_at = accepted
        # clocks out, and the ticket's nearest open deadline
        for kind, aid, unit, amount, started, due, stopped, *action in clocks:
            clock_id += 1
            paused = state == "on_hold" and kind == "resolution"
            is_open = stopped is None and open_ and not paused
            lvl = level_for(due, now) if is_open else "ok"
            later("ticket_clock", CLOCK_COLS,
                    (clock_id, i, kind, aid, unit, amount, 75, 2, 5, started, stopped, due, lvl,
                     (due if lvl == "ok" else due + timedelta(days=1)) if is_open else None,
                     bool(stopped and stopped > due) or lvl != "ok" and lvl != "warning", kind == "resolution" and convened,
                     action[0] if action else None))
            if paused:
                later("clock_pause", ("clock_id", "started_at", "ended_at", "reason"),
                        (clock_id, accepted + timedelta(days=1), None, "等待企业补充材料"))
            if is_open and (due_at is None or due < due_at):
                due_at, level, due_unit = due, lvl, unit
        for row in assignments:
            later("assignment", ASSIGN_COLS, row)
        events.sort(key=lambda e: e[0])
        for at, actor, name, kind, from_state, to_state, public in events[:20]:
            later("ticket_event", EVENT_COLS, (i, at, actor, name, kind, from_state, to_state, "", "{}", public))
        out.add("ticket", TICKET_COLS,
                (i, f"JJ{created:%Y%m%d}{i:07d}"[:20], ent, sec, 1 + i % CATEGORIES,
                 rng.choice(["web", "web", "web", "visit", "phone", "hotline", "forum"]),
                 "urgent" if rng.random() < 0.05 else "normal", state,
                 "processing" if state == "on_hold" else None, title, description, f"联系人{ent}", f"138{ent:08d}",
                 "已办结" if resolved_at else "", "0" * 64, 1 if rng.random() < 0.02 else 0, created,
                 closed_at or resolved_at or created, None if state == "intake" else accepted,
                 replied if state not in ("intake", "triage", "rejected") else None,
                 accepted + timedelta(hours=1) if dispatched else None, resolved_at, closed_at, due_at, due_unit,
                 level or "ok", None, 1))
        for row in pending:
            out.add(*row)
        if i % 100_000 == 0:
            out.flush()
            print(f"  {i:,} cases", file=sys.stderr, flush=True)
    out.flush()
    _generate_side(out, rng, n, now, secretaries, enterprises)
    out.flush()
    raw.commit()
    if dialect == "postgresql":
        cur = raw.driver_connection.cursor()
        for table in ("department", "category", "user", "enterprise", "ticket", "ticket_clock", "assignment",
                      "meeting", "action_item", "project", "procedure"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                        f"(SELECT coalesce(max(id), 1) FROM \"{table}\"))")
        raw.driver_connection.commit()
    raw.close()
    return out.counts


def _dept(d):
    names = ["发改", "经信", "科技", "财政", "人社", "规划", "住建", "生态环境", "交通", "水务", "应急", "市场监管",
             "税务", "供电", "燃气", "教育", "卫健", "商务", "金融", "公安", "消防", "城管", "招商", "人才", "园区"]
    return names[(d - 1) % len(names)]


def _generate_side(out, rng, n, now, secretaries, enterprises):
    """Visits, evaluations, projects and 代办 procedures: smaller tables a real centre also carries."""
    for v in range(max(n // 20, 100)):
        out.add("visit", ("enterprise_id", "secretary_id", "kind", "visited_on", "participants", "summary",
                          "created_at"),
                (1 + v % enterprises, secretaries[v % SECRETARIES], "visit",
                 (now - timedelta(days=rng.randrange(730))).date(), "", "走访了解企业诉求", now))
    for m in range(24):
        month_start = (now.replace(day=1) - timedelta(days=31 * m)).strftime("%Y-%m")
        for e in range(1, min(enterprises, 400) + 1, 3):
            out.add("enterprise_evaluation", ("enterprise_id", "month", "unit_kind", "unit_id", "lawful",
                                              "efficiency", "execution", "attitude", "comment", "contact_name",
                                              "contact_mobile", "created_at"),
                    (e, month_start, "secretary", secretaries[e % SECRETARIES], 5, rng.choice([3, 4, 5]), 4, 5, "",
                     f"联系人{e}", f"138{e:08d}", now - timedelta(days=31 * m)))
    out.flush()
    types = max(n // 100_000, 6)
    for t in range(1, types + 1):
        out.add("procedure_type", ("id", "code", "name", "department_id", "standard_wd", "is_active"),
                (1000 + t, f"bench{t}", f"代办事项{t}", 1 + t % DEPARTMENTS, rng.choice([5, 10, 15, 20]), True))
    projects = max(n // 100, 50)
    created = {}
    for p in range(1, projects + 1):
        sec = secretaries[p % SECRETARIES]
        created[p] = now - timedelta(days=rng.randrange(730))
        out.add("project", ("id", "enterprise_id", "name", "investment_wan", "industry", "park", "secretary_id",
                            "leader", "created_at"),
                (p, 1 + p % enterprises, f"{rng.choice(TRADES)}产业化项目{p}", rng.randrange(500, 200_000),
                 rng.choice(TRADES), rng.choice(PLACES), sec, "项目负责人", created[p]))
    out.flush()
    generate_project_dates(out, rng, [(p, created[p], 1 + p % enterprises, secretaries[p % SECRETARIES])
                                      for p in created], now, first_procedure_id=projects * 2 + 1)
    for q in range(1, projects * 2 + 1):
        submitted = (now - timedelta(days=rng.randrange(400))).date()
        status = rng.choice(["approved", "approved", "submitted", "preparing", "not_started", "rejected"])
        p = 1 + q % projects
        out.add("procedure", ("id", "enterprise_id", "project_id", "stage_id", "type_id", "secretary_id", "status",
                              "submitted_on", "approved_on", "due_on", "note", "created_at", "updated_at"),
                (q, 1 + p % enterprises, p, None, 1000 + 1 + (q // projects) % types, secretaries[p % SECRETARIES],
                 status,
                 submitted if status != "not_started" else None,
                 submitted + timedelta(days=rng.choice([7, 14, 30])) if status == "approved" else None,
                 None, "", now, now))


# The sheet's five stages in order, with the planned gap (days) from the stage before: a project signs within weeks
# of being put on the sheet, takes its land months later, starts within the year, and takes one to two years to be
# built and to produce.
STAGE_GAPS = (("sign", (0, 30)), ("land", (30, 150)), ("start", (45, 240)), ("complete", (300, 700)),
              ("production", (30, 150)))
PERMIT_DAYS = (20, 90)  # 拿地 → 施工许可证 approved


def generate_project_dates(out, rng, projects, now, first_procedure_id):
    """Every project's row on the 一表制 sheet: a milestone per stage with its planned date, and the actual date once
    it has passed (most stages are done a little late, a few early, and one in ten is not recorded yet); and, once it
    has its land, a 施工许可证 procedure (approved 20–90 days later, usually before it starts). `projects`: (id, created_at, enterprise
    id, secretary id). The stages and the permit's type are the ones the migrations seed."""
    cur = out.raw.cursor()
    cur.execute("SELECT code, id FROM project_stage")
    stage_ids = dict(cur.fetchall())
    cur.execute("SELECT id FROM procedure_type WHERE code = 'construction_permit'")
    permit_type = cur.fetchone()[0]
    today = now.date()
    procedure_id = first_procedure_id
    for project_id, created_at, enterprise_id, secretary_id in projects:
        planned = created_at.date()
        late = 0
        actual = {}
        for code, (low, high) in STAGE_GAPS:
            planned += timedelta(days=rng.randrange(low, high))
            late = max(0, late + rng.randrange(-10, 40))  # a stage late pushes the next one
            done_on = planned + timedelta(days=late)
            actual[code] = done_on if done_on <= today and rng.random() < 0.9 else None
            out.add("milestone", ("project_id", "stage_id", "planned_on", "actual_on", "owner", "work_items"),
                    (project_id, stage_ids[code], planned, actual[code], "项目负责人", ""))
            if actual[code] is None:
                break  # later stages are planned once this one is done
        if actual.get("land"):
            approved = actual["land"] + timedelta(days=rng.randrange(*PERMIT_DAYS))
            done = approved <= today
            out.add("procedure", ("id", "enterprise_id", "project_id", "stage_id", "type_id", "secretary_id", "status",
                                  "submitted_on", "approved_on", "due_on", "note", "created_at", "updated_at"),
                    (procedure_id, enterprise_id, project_id, stage_ids["land"], permit_type, secretary_id,
                     "approved" if done else "submitted", min(actual["land"] + timedelta(days=7), today),
                     approved if done else None, None, "", now, now))
            procedure_id += 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None, help="default: sqlite:///bench/data/bench-<N>.db")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(__file__).resolve().parent / 'data' / f'bench-{args.cases}.db'}"
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url, SCHEDULER=False)
    now = datetime.now(timezone.utc)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        else:
            with db.engine.begin() as conn:
                conn.execute(text("PRAGMA journal_mode=WAL"))
        upgrade()
        t0 = time.perf_counter()
        counts = generate(args.cases, args.seed, now)
        with db.engine.begin() as conn:
            from app.tickets.search import reindex_all
            counts["search documents"] = reindex_all(conn)  # rows went in raw: build their documents now
            # The triggers noted every loaded case as changed (migration f31stage0001): a bulk load, not changes the
            # SLA worker's stage must catch up on (it builds the month whole).
            conn.execute(text("DELETE FROM case_change"))
        loaded = time.perf_counter() - t0
        if db.engine.dialect.name == "postgresql":
            # What autovacuum leaves a real database with (it is off on this machine): statistics, and a visibility
            # map, without which an index-only scan still reads every row.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            with db.engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        print(f"{db.engine.dialect.name}: {args.cases:,} cases loaded in {loaded:.0f} s "
              f"(+VACUUM/ANALYZE {time.perf_counter() - t0 - loaded:.0f} s)")
        for table, count in sorted(counts.items()):
            print(f"  {table:<22} {count:>12,}")
    print(url)


if __name__ == "__main__":
    main()
