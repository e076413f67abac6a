"""Test data built through the real service functions, returning plain values (no live ORM objects)."""
import itertools
import random
from dataclasses import dataclass, field

from app.admin.services import create_user
from app.enums import Role, TicketState as S, Urgency
from app.extensions import db
from app.models import Category, Department, Enterprise, Ticket, User
from app.tickets import services
from app.tickets.codes import new_submission_key
from app.tickets.intake import submit_public_ticket
from app.timesource import utcnow
from app.validators import CREDIT_CODE_CHARS, credit_code_check_char
from tests.conftest import PASSWORD, Person

_counter = itertools.count(1)


def valid_credit_code(seed=None) -> str:
    """A well-formed unified social credit code."""
    rng = random.Random(seed)
    body = "91320505" + "".join(rng.choice(CREDIT_CODE_CHARS) for _ in range(9))
    return body + credit_code_check_char(body)


@dataclass
class TicketRef:
    """What a test needs to know about a ticket it made."""

    id: int
    number: str
    code: str
    secretary: Person
    lead_officer: Person
    lead_department_id: int
    enterprise_id: int
    support_department_ids: list = field(default_factory=list)
    link: str = ""  # the receipt's personal tracking link token (/t/<link>)


def _person(user) -> Person:
    return Person(user.id, user.username, user.role, user.department_id)


class Factory:
    """Callables that make departments, users, enterprises and tickets in any lifecycle state."""

    def __init__(self, app):
        self.app = app

    def _ctx(self):
        return self.app.test_request_context()

    def department(self, name=None) -> int:
        with self._ctx():
            dept = Department(name=name or f"部门{next(_counter)}", is_active=True)
            db.session.add(dept)
            db.session.commit()
            return dept.id

    def category(self, name=None) -> int:
        with self._ctx():
            cat = Category(name=name or f"类别{next(_counter)}", description="", is_active=True)
            db.session.add(cat)
            db.session.commit()
            return cat.id

    def user(self, role: Role | str, department_id=None, username=None, active=True) -> Person:
        role = Role(role)
        if role is Role.OFFICER and department_id is None:
            department_id = self.department()
        with self._ctx():
            user = create_user(username or f"{role.value}{next(_counter)}", f"测试{role.label}", role.value, PASSWORD,
                               department_id=department_id, active=active)
            return _person(user)

    def set_active(self, person: Person, active: bool) -> None:
        with self._ctx():
            user = db.session.get(User, person.id)
            from app.admin.services import update_user
            admin = User(id=-1)  # an actor other than the user itself
            update_user(admin, user, display_name=user.display_name, role=user.role,
                        department_id=user.department_id, email=user.email, mobile=user.mobile, active=active)

    def enterprise(self, secretary: Person | None = None) -> int:
        with self._ctx():
            n = next(_counter)
            ent = Enterprise(name=f"测试企业{n}有限公司", credit_code=valid_credit_code(n), contact_name="王经理",
                             mobile="13812345678", secretary_id=secretary.id if secretary else None)
            db.session.add(ent)
            db.session.commit()
            return ent.id

    def ticket(self, state: str | S = S.INTAKE, *, secretary: Person | None = None, lead_officer: Person | None = None,
               support_department_ids=(), enterprise_id=None, category_id=None, urgency=Urgency.NORMAL.value,
               title="厂房施工许可办理咨询", description="施工图审查已通过，想了解施工许可证还需要哪些材料。",
               contact_mobile="13812345678", contact_name="王经理") -> TicketRef:
        """A ticket driven through the real workflow to `state`."""
        state = S(state)
        secretary = secretary or self.user(Role.SECRETARY)
        lead_officer = lead_officer or self.user(Role.OFFICER)
        enterprise_id = enterprise_id or self.enterprise(secretary)
        category_id = category_id or self.category()
        # A merged case is merged into another case of the same enterprise, made first.
        kept = self.ticket(S.TRIAGE, secretary=secretary, lead_officer=lead_officer, enterprise_id=enterprise_id,
                           category_id=category_id, title=f"{title}（保留件）") if state == S.MERGED else None
        with self._ctx():
            ent = db.session.get(Enterprise, enterprise_id)
            data = {"enterprise_name": ent.name, "credit_code": ent.credit_code, "contact_name": contact_name,
                    "mobile": contact_mobile, "title": title, "description": description,
                    "category_id": category_id, "urgency": urgency}
            key = new_submission_key()
            ticket, code, _new = submit_public_ticket(data, [], key)
            from app.tickets.links import receipt_token
            link = receipt_token(key)
            sec = db.session.get(User, secretary.id)
            officer = db.session.get(User, lead_officer.id)
            path = {
                S.INTAKE: [], S.REJECTED: ["reject"], S.TRIAGE: ["accept"],
                S.PROCESSING: ["accept", "dispatch"], S.CONVENED: ["accept", "dispatch", "convene"],
                S.ON_HOLD: ["accept", "dispatch", "hold"], S.RESOLVED: ["accept", "dispatch", "sign", "resolve"],
                S.CLOSED: ["accept", "dispatch", "sign", "resolve", "close"],
                S.RETURNED: ["hotline", "platform_return"], S.MERGED: ["accept", "merge"],
            }[state]
            for step in path:
                t = db.session.get(Ticket, ticket.id)
                if step == "hotline":  # a 12345 transfer: only such a case can go back to the platform
                    t.channel = "hotline"
                    db.session.commit()
                elif step == "platform_return":
                    services.return_to_platform(t, sec, t.version, "不属于本中心职责")
                elif step == "reject":
                    services.reject_ticket(t, sec, t.version, "不属于受理范围")
                elif step == "accept":
                    services.accept_ticket(t, sec, t.version)
                elif step == "dispatch":
                    services.dispatch_ticket(t, sec, t.version, officer.department_id, list(support_department_ids),
                                             "请办理")
                elif step == "sign":
                    services.sign_assignment(t, officer, t.version)
                elif step == "hold":
                    services.hold_ticket(t, sec, t.version, "等待企业补充材料")
                elif step == "resolve":
                    services.resolve_ticket(t, sec, t.version, "已办理完毕")
                elif step == "close":
                    services.close_ticket(t, sec, t.version, "回访满意")
                elif step == "merge":
                    from app.tickets.merging import merge_tickets
                    merge_tickets(db.session.get(Ticket, kept.id), t, sec, utcnow(), "同一问题，合并办理")
                elif step == "convene":
                    from app.meetings.services import convene_meeting
                    convene_meeting(sec, [t], subject=f"{t.title}会办", starts_at=t.created_at, place="会议室",
                                    agenda="", lead_department_id=officer.department_id)
            return TicketRef(ticket.id, ticket.number, code, secretary, lead_officer, lead_officer.department_id,
                             enterprise_id, list(support_department_ids), link)

    def get_ticket(self, ticket_id):
        """A snapshot of a ticket's columns and its event kinds, for assertions."""
        with self._ctx():
            t = db.session.get(Ticket, ticket_id)
            return {"state": t.state, "version": t.version, "held_from": t.held_from, "title": t.title,
                    "secretary_id": t.secretary_id, "events": [e.kind for e in t.events],
                    "assignments": [(a.department_id, a.role, a.status) for a in t.assignments],
                    "ratings": [(r.satisfaction, r.solved) for r in t.ratings], "due_at": t.due_at,
                    "first_replied_at": t.first_replied_at, "outcome": t.outcome, "number": t.number,
                    "attachments": [(a.original_name, a.is_public) for a in t.attachments]}

    def count(self, model) -> int:
        with self._ctx():
            return db.session.query(model).count()


def verified_evaluation_token(enterprise_id: int, month) -> str:
    """Mark an enterprise's contact as verified by a supervisor (inside the caller's app context) and return the
    contact's personal evaluation link token for `month`."""
    from app.assessment.evaluation import evaluation_token
    enterprise = db.session.get(Enterprise, enterprise_id)
    enterprise.contact_name = enterprise.contact_name or "王经理"
    enterprise.mobile = enterprise.mobile or "13812345678"
    enterprise.contact_verified = True
    db.session.commit()
    return evaluation_token(enterprise, month)
