"""All models, importable from one place."""
from app.models.enterprise import Enterprise, Visit
from app.models.org import Category, Department, User
from app.models.ticket import Assignment, Attachment, Rating, Ticket, TicketEvent

__all__ = ["Assignment", "Attachment", "Category", "Department", "Enterprise", "Rating", "Ticket",
           "TicketEvent", "User", "Visit"]
