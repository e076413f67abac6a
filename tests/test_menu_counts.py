"""The menu's counts on every staff page (unread messages, the pool, waiting extensions and 差评 remediations) are
read in one statement, and each is the count its own page lists."""
from sqlalchemy import event, select

from app.enums import ClockKind, ExtensionStatus, Role, TicketState as S
from app.extensions import db
from app.menu import menu_counts
from app.models import Extension, Notification, Rating, Remediation, Ticket, TicketClock, User
from app.timesource import utcnow


def _statements(app, call):
    seen = []
    with app.app_context():
        engine = db.engine

    def count(*_args):
        seen.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        result = call()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return result, len(seen)


def test_the_menu_counts_what_each_list_holds_in_one_statement(app, factory, login):
    secretary, officer, supervisor = (factory.user(Role.SECRETARY), factory.user(Role.OFFICER),
                                      factory.user(Role.SUPERVISOR))
    pooled = [factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=officer) for _ in range(3)]
    closed = factory.ticket(S.CLOSED, secretary=secretary, lead_officer=officer)
    another = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=officer)
    with app.app_context():
        now = utcnow()
        # The pool: open cases nobody is responsible for. Three open ones, and a closed one that is not waiting.
        for ref in pooled + [closed]:
            db.session.get(Ticket, ref.id).secretary_id = None
        # Two extension requests waiting for a supervisor and one already decided.
        clock = db.session.scalar(select(TicketClock).where(TicketClock.ticket_id == another.id,
                                                            TicketClock.kind == ClockKind.RESOLUTION.value))
        for status in (ExtensionStatus.PENDING, ExtensionStatus.PENDING, ExtensionStatus.APPROVED):
            db.session.add(Extension(ticket_id=another.id, clock_id=clock.id, days=3, reason="需第三方检测",
                                     status=status, requested_by_id=secretary.id, requested_at=now))
        # One 差评 waiting for its return visit, one remedied.
        for done in (None, now):
            rating = Rating(ticket_id=closed.id, satisfaction="1", solved="unsolved", created_at=now)
            db.session.add(rating)
            db.session.flush()
            db.session.add(Remediation(ticket_id=closed.id, rating_id=rating.id, opened_at=now, completed_at=done))
        # Unread in-app messages: four for the supervisor (one of them read), one for the secretary, an email not.
        for user_id, read in ((supervisor.id, None), (supervisor.id, None), (supervisor.id, None),
                              (supervisor.id, now), (secretary.id, None)):
            db.session.add(Notification(channel="in_app", user_id=user_id, kind="urge", title="【催办】", created_at=now,
                                        read_at=read))
        db.session.add(Notification(channel="email", user_id=supervisor.id, address="s@zone.gov.cn", kind="urge",
                                    title="【催办】", created_at=now))
        db.session.commit()

    with app.test_request_context("/"):
        # Counted by hand above: 3 unread of the supervisor's in-app messages, 3 open pool cases, 2 pending
        # extensions, 1 open remediation; the secretary has 1 unread and sees the pool; an officer sees neither.
        boss = db.session.get(User, supervisor.id)
        got, statements = _statements(app, lambda: menu_counts(boss))
        assert got == {"unread": 3, "pool": 3, "extensions": 2, "remediations": 1}
        assert statements == 1
        assert menu_counts(db.session.get(User, secretary.id)) == {"unread": 1, "pool": 3}
        assert menu_counts(db.session.get(User, secretary.id), with_pool=False) == {"unread": 1}
        assert menu_counts(db.session.get(User, officer.id)) == {"unread": 0}

    # The page shows them: the pool's, the extensions' and the remediations' badges in the supervisor's menu.
    html = login(app.test_client(), supervisor).get("/tickets").get_data(as_text=True)
    assert 'aria-label="3 件待领取">3<' in html
    assert 'aria-label="2 件待审批">2<' in html
    assert 'aria-label="1 件待回访">1<' in html
    assert "3 条未读消息" in html
