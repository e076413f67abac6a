"""Who the enterprise deals with about a case, as its receipt and tracking page name them: its 项目秘书 with an
office phone (or the centre's general phone), and the department handling the case once it is dispatched."""
import re
from dataclasses import dataclass

from flask import current_app


@dataclass(frozen=True)
class CaseContact:
    """What the enterprise is told about who looks after its case."""

    secretary_name: str      # "" when no secretary is assigned yet
    phone: str               # the secretary's office phone, else the centre's general phone ("" if neither is set)
    phone_is_centre: bool
    department_name: str     # the lead (主办) department holding the case, "" before dispatch or after a return

    @property
    def tel(self) -> str:
        """The phone as a tel: address (digits and a leading +; an extension after 转 is left to the caller)."""
        return re.sub(r"[^0-9+]", "", re.split(r"转|ext", self.phone, maxsplit=1)[0])


def _serving(user):
    return user if user is not None and user.is_active_account else None


def case_contact(ticket) -> CaseContact:
    """The enterprise's secretary (Enterprise.secretary; else the case's own secretary, who accepted it), an office
    phone to call, and the lead department. A disabled account is never named: the centre answers instead."""
    secretary = _serving(ticket.enterprise.secretary) or _serving(ticket.secretary)
    own_phone = secretary.office_phone if secretary else ""
    lead = ticket.lead_assignment
    return CaseContact(secretary_name=secretary.display_name if secretary else "",
                       phone=own_phone or current_app.config.get("CENTRE_PHONE", ""),
                       phone_is_centre=not own_phone,
                       department_name=lead.department.name if lead else "")
