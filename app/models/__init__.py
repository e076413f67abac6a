"""All models, importable from one place."""
from app.models.api import ApiToken
from app.models.assessment import (Appeal, AssessmentFact, AssessmentRun, AssessmentStage, CaseChange, DraftSnapshot,
                                   EnterpriseEvaluation, ScoreExclusion, ScoringRule, StagedCase,
                                   StagedClock)
from app.models.audit import AuditHead, AuditRecord
from app.models.enterprise import Enterprise, EnterpriseContact, EnterpriseEvent, Visit
from app.models.messaging import MessageTemplate
from app.models.feedback import RatingPolicy, Remediation, ReturnVisit
from app.models.meeting import ActionItem, Meeting, MeetingGuest, MeetingInvite, meeting_ticket
from app.models.org import Category, Department, LoginSession, User
from app.models.signin import EnterpriseSession, SigninCode
from app.models.project import Milestone, ParkTarget, Procedure, ProcedureDocument, ProcedureType, Project, ProjectStage
from app.models.deadline import (CalendarNotice, CalendarOverride, ClockLevelChange, ClockPause, DutyShift, Extension, Notification, SlaPolicy,
                            TicketClock, WorkerHeartbeat)
from app.models.hotline import HotlineOrder
from app.models.ticket import Assignment, Attachment, Rating, Ticket, TicketEvent, TrackingLink
from app.models.webhook import WebhookDelivery, WebhookEndpoint

from app.extensions import db
from app.models.types import coerce_labeled_enums

coerce_labeled_enums(db.Model)

__all__ = ["ApiToken", "Appeal", "AuditHead", "AuditRecord", "AssessmentFact", "AssessmentRun", "AssessmentStage", "CaseChange", "DraftSnapshot", "EnterpriseEvaluation", "ScoreExclusion", "ScoringRule", "StagedCase", "StagedClock",
           "Milestone", "ParkTarget", "Procedure", "ProcedureDocument", "ProcedureType", "Project", "ProjectStage", "ActionItem", "Meeting", "MeetingGuest", "MeetingInvite", "meeting_ticket", "Assignment", "Attachment", "CalendarNotice", "CalendarOverride", "Category", "ClockLevelChange", "ClockPause",
           "Department", "DutyShift", "MessageTemplate", "Enterprise", "EnterpriseContact", "EnterpriseEvent", "EnterpriseSession", "LoginSession", "Extension", "HotlineOrder", "Notification", "Rating", "RatingPolicy", "Remediation", "ReturnVisit", "SigninCode", "SlaPolicy", "Ticket", "TicketClock",
           "TicketEvent", "TrackingLink", "User", "Visit", "WebhookDelivery", "WebhookEndpoint", "WorkerHeartbeat"]
