"""A list's rows are read as plain values by one statement (app/tickets/rows.py), not as ORM cases with their
relationships: each row must still name the case's company, category, secretary and the department that leads it
now, whatever parts the case had before."""
import re
from datetime import datetime

from sqlalchemy import update

from app.enums import Role, TicketState as S
from app.extensions import db
from app.models import Ticket, User
from app.tickets import services
from sla.calendar import SHANGHAI


def _row(html: str, number: str) -> dict:
    """The cells of the row of case `number`: its company, category and channel line, lead department, secretary."""
    row = next(r for r in html.split("<tr>") if f">{number}</a>" in r)
    company, category, _channel = re.search(r'<div class="small text-body-secondary">([^<]*)</div>', row).group(1) \
        .split(" · ")
    return {"company": company, "category": category,
            "lead": re.search(r'data-label="主办部门">([^<]*)</td>', row).group(1),
            "secretary": re.search(r'data-label="秘书">([^<]*)</td>', row).group(1)}


def test_each_row_names_the_company_category_secretary_and_the_department_leading_now(app, factory, login, clock):
    clock.set(datetime(2026, 11, 16, 9, tzinfo=SHANGHAI))
    first, second, support = (factory.department(name) for name in ("产业促进部", "经济发展部", "规划建设部"))
    first_officer, second_officer = factory.user(Role.OFFICER, first), factory.user(Role.OFFICER, second)
    secretary = factory.user(Role.SECRETARY)
    power = factory.category("用电用水")
    # Dispatched to 产业促进部 with 规划建设部 supporting; 产业促进部 hands its lead back, and the case goes to
    # 经济发展部: the returned part (and the support part it withdrew) name nobody any more.
    moved = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=first_officer,
                           support_department_ids=[support], category_id=power)
    waiting = factory.ticket(S.TRIAGE, secretary=secretary, category_id=power)  # accepted, not dispatched
    nobodys = factory.ticket(S.PROCESSING, secretary=secretary, lead_officer=second_officer, category_id=power)
    with app.test_request_context():
        case = db.session.get(Ticket, moved.id)
        services.return_assignment(case, db.session.get(User, first_officer.id), case.version, "不属于本部门职责")
        case = db.session.get(Ticket, moved.id)
        services.dispatch_ticket(case, db.session.get(User, secretary.id), case.version, second, [], "请办理")
        db.session.execute(update(Ticket).where(Ticket.id == nobodys.id).values(secretary_id=None))
        db.session.commit()
        names = {ref.id: db.session.get(Ticket, ref.id).enterprise.name for ref in (moved, waiting, nobodys)}
        secretary_name = db.session.get(User, secretary.id).display_name
    html = login(app.test_client(), factory.user(Role.SUPERVISOR)).get("/tickets").get_data(as_text=True)

    assert _row(html, moved.number) == {"company": names[moved.id], "category": "用电用水", "lead": "经济发展部",
                                        "secretary": secretary_name}
    assert _row(html, waiting.number) == {"company": names[waiting.id], "category": "用电用水", "lead": "—",
                                          "secretary": secretary_name}
    assert _row(html, nobodys.number) == {"company": names[nobodys.id], "category": "用电用水", "lead": "经济发展部",
                                          "secretary": "—"}
