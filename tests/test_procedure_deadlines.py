"""A 代办 procedure past its standard working days is a deadline like any other (issue 12, item 7), by hand.

Rule (README, "会办, 代办 and 一表制"): a procedure submitted (报审) on a day is due at the end of the N-th working
day after that day, N being its type's standard working days (the same working-day calendar as every clock). A
submitted procedure not yet decided (办结 or 未通过) is late once its due time has passed: the same badge as a
case, a row in its secretary's workspace and on the overdue board, and one message to its secretary.

The 2026 statutory calendar: Sun 20 Sep is a make-up working day (调休上班), Fri 25 Sep is the Mid-Autumn holiday.
A procedure of 10 standard working days submitted on Mon 14 Sep 2026: Tue 15 (1), Wed 16 (2), Thu 17 (3), Fri 18
(4), Sat 19 no, Sun 20 make-up (5), Mon 21 (6), Tue 22 (7), Wed 23 (8), Thu 24 (9), Fri 25 holiday, Sat 26 / Sun 27
no, Mon 28 (10) -> due at the end of Mon 28 Sep ("2026-09-28 24:00").
- Mon 28 Sep 23:00: one hour left -> "剩 1 小时", not late, nobody told.
- Tue 29 Sep 09:00: 9 hours of a working day past due -> "超期 9 小时"; the secretary is told once.
"""
from datetime import date, datetime

from sqlalchemy import select

from app.enums import Role
from app.extensions import db
from app.models import Enterprise, Notification, Procedure, User
from app.supervision.scheduler import run_sweep
from sla.calendar import SHANGHAI


def bj(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def _submitted_procedure(app, factory, clock, secretary):
    """A project's 10-working-day procedure, submitted on Mon 14 Sep 2026."""
    from app.projects import services
    admin = factory.user(Role.ADMIN)
    department_id = factory.department("测试审批局")
    enterprise_id = factory.enterprise(secretary)
    clock.set(bj(2026, 9, 14, 10))
    with app.test_request_context():
        sec = db.session.get(User, secretary.id)
        kind = services.add_procedure_type(db.session.get(User, admin.id), "排水许可", department_id, 10)
        project = services.create_project(sec, db.session.get(Enterprise, enterprise_id), name="智能装备产业园",
                                          investment_wan=50000, industry="装备制造", park="科技城", leader="张区长")
        procedure = services.create_procedure(sec, project.enterprise, kind.id, project=project)
        services.update_procedure(sec, procedure, status="submitted", submitted_on=date(2026, 9, 14))
        return project.id, procedure.id


def _messages(app, secretary):
    with app.app_context():
        return db.session.scalars(select(Notification).where(Notification.user_id == secretary.id,
                                                             Notification.channel == "in_app")).all()


def test_a_procedure_past_its_standard_days_is_overdue_everywhere(app, factory, clock, login):
    secretary, supervisor = factory.user(Role.SECRETARY), factory.user(Role.SUPERVISOR)
    project_id, procedure_id = _submitted_procedure(app, factory, clock, secretary)
    with app.app_context():
        assert db.session.get(Procedure, procedure_id).due_on == date(2026, 9, 28)

    clock.set(bj(2026, 9, 28, 23))  # the last hour of the last working day
    run_sweep(app)
    assert _messages(app, secretary) == []
    sec = login(app.test_client(), secretary)
    page = sec.get(f"/projects/{project_id}").get_data(as_text=True)
    assert "剩 1 小时" in page and "2026-09-28 24:00" in page

    clock.set(bj(2026, 9, 29, 9))
    run_sweep(app)
    page = sec.get(f"/projects/{project_id}").get_data(as_text=True)
    assert "超期 9 小时" in page
    assert "超期 9 小时" in sec.get("/procedures").get_data(as_text=True)
    workspace = sec.get("/workspace").get_data(as_text=True)
    assert "排水许可" in workspace and "超期 9 小时" in workspace and "智能装备产业园" in workspace
    board = login(app.test_client(), supervisor).get("/board/overdue").get_data(as_text=True)
    assert "排水许可" in board and "超期 9 小时" in board and "2026-09-28 24:00" in board

    # One message to the secretary, whatever the sweep does next.
    messages = _messages(app, secretary)
    assert len(messages) == 1 and "排水许可" in messages[0].title and "2026-09-28 24:00" in messages[0].body
    run_sweep(app)
    clock.set(bj(2026, 9, 30, 9))
    run_sweep(app)
    assert len(_messages(app, secretary)) == 1
    # The procedure's history says when it went past its time.
    assert "超过办理时限" in page


def test_a_decided_procedure_is_not_late_and_another_secretary_does_not_see_it(app, factory, clock, login):
    secretary, colleague = factory.user(Role.SECRETARY), factory.user(Role.SECRETARY)
    project_id, procedure_id = _submitted_procedure(app, factory, clock, secretary)
    clock.set(bj(2026, 9, 29, 9))
    other = login(app.test_client(), colleague).get("/workspace").get_data(as_text=True)
    assert "排水许可" not in other
    # Approved on Mon 28 Sep, within its time: no badge of lateness, no message.
    from app.projects import services
    with app.test_request_context():
        services.update_procedure(db.session.get(User, secretary.id), db.session.get(Procedure, procedure_id),
                                  status="approved", submitted_on=date(2026, 9, 14), approved_on=date(2026, 9, 28))
    run_sweep(app)
    assert _messages(app, secretary) == []
    page = login(app.test_client(), secretary).get(f"/projects/{project_id}").get_data(as_text=True)
    assert "超期" not in page
