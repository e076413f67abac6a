"""One way to write a deadline (issue 12, item 9): a deadline that ends at midnight reads "… 24:00" of the day it
ends, on the ticket page, the drill-down, the hall board and in the messages, through one helper.

Worked by hand: a case accepted on Monday 16 November 2026, 09:00 Beijing, owes its first reply within 1 working
day: day 0 (Monday) is not counted, so it is due at the end of Tuesday 17 November, 2026-11-18 00:00 Beijing.
Every page must write that as "2026-11-17 24:00" (the hall board, short of room: "11-17 24:00"), never
"2026-11-18 00:00"."""

from app.enums import Role, TicketState as S


def test_a_midnight_deadline_reads_24_00_of_its_day_everywhere(app, factory, clock, login):
    app.config["KIOSK_TOKEN"] = "hall-screen-token-0123456789"
    secretary, supervisor = factory.user(Role.SECRETARY), factory.user(Role.SUPERVISOR)
    ref = factory.ticket(S.TRIAGE, secretary=secretary)
    clock.advance(days=4)  # Friday 20 November: the first reply is late
    with app.app_context():
        from app.supervision.sweep import sweep
        sweep(clock.now())
        from app.extensions import db
        from app.models import Notification
        bodies = [n.body for n in db.session.query(Notification).all()]
    assert any("2026-11-17 24:00" in b for b in bodies) and not any("11-18 00:00" in b for b in bodies)
    staff = login(app.test_client(), supervisor)
    pages = {
        "ticket": staff.get(f"/tickets/{ref.id}").get_data(as_text=True),
        "panel": staff.get(f"/tickets/{ref.id}/deadlines").get_data(as_text=True),
        "drill": staff.get(f"/assessment/2026-11/secretary/{secretary.id}/response").get_data(as_text=True),
        "board": staff.get("/board/overdue").get_data(as_text=True),
    }
    for name, html in pages.items():
        assert "2026-11-17 24:00" in html, name
        assert "2026-11-18 00:00" not in html, name
    hall = app.test_client().get("/hall/panel?token=hall-screen-token-0123456789").get_data(as_text=True)
    assert "11-17 24:00" in hall and "11-18 00:00" not in hall
