"""The hall board's counts come from the SLA worker after every sweep while it runs, are tallied by the page when
the worker has stopped, and never carry yesterday's "today" past midnight."""
import re
from datetime import datetime, timezone

import pytest

from app.enums import Role, TicketState as S
from app.extensions import db


def _hall(client):
    html = client.get("/hall").get_data(as_text=True)
    overdue = int(re.search(r"超期诉求（共 (\d+) 件）", html).group(1))
    today = int(re.search(r'今日新增诉求</h2><div class="hall-big">(\d+)</div>', html).group(1))
    return overdue, today


@pytest.mark.app_config(HALL_CACHE_SECONDS=60)
def test_the_hall_reads_the_counts_the_sla_worker_kept(app, factory, login, clock):
    from app.models import Ticket, User
    from app.supervision.scheduler import run_sweep
    from app.tickets import services
    supervisor, secretary = factory.user(Role.SUPERVISOR), factory.user(Role.SECRETARY)
    late = factory.ticket(S.INTAKE, secretary=secretary)  # created Monday 09:00 in Beijing (START)
    clock.set(datetime(2026, 11, 17, 15, 50, tzinfo=timezone.utc))  # Tuesday 23:50: its 24 hours are long past
    assert run_sweep(app)["hall_overdue"] == 1
    client = login(app.test_client(), supervisor)
    assert _hall(client) == (1, 0)  # nothing was submitted on Tuesday

    with app.app_context():
        t = db.session.get(Ticket, late.id)
        services.reject_ticket(t, db.session.get(User, secretary.id), t.version, "不属于受理范围")  # no longer open
    fresh = factory.ticket(S.INTAKE, secretary=secretary, title="新的诉求")  # Tuesday 23:50
    clock.advance(seconds=61)  # past HALL_CACHE_SECONDS: the page reads the kept counts again, as kept
    assert _hall(client) == (1, 0)
    assert run_sweep(app)["hall_overdue"] == 0
    clock.advance(seconds=61)
    assert _hall(client) == (0, 1)  # the sweep at 23:51 counted the new case as today's

    clock.set(datetime(2026, 11, 17, 15, 59, 30, tzinfo=timezone.utc))  # 23:59:30: kept with today's one case
    assert run_sweep(app)["hall_overdue"] == 0
    clock.advance(seconds=61)  # Wednesday 00:00:31: kept a minute ago, but Tuesday's "today": counted afresh
    assert _hall(client) == (0, 0)

    assert run_sweep(app)["hall_overdue"] == 0
    with app.app_context():
        t = db.session.get(Ticket, fresh.id)
        services.reject_ticket(t, db.session.get(User, secretary.id), t.version, "不属于受理范围")
    factory.ticket(S.INTAKE, secretary=secretary, title="周三的诉求")
    clock.advance(minutes=3, seconds=1)  # no sweep since: the kept counts are stale and the page tallies them
    assert _hall(client) == (0, 1)
