"""Import every feature's models so the metadata is complete (Alembic, tests)."""

from helpline.accounts.models import ApiToken, Team, TeamMember, User
from helpline.audit.models import AuditEntry
from helpline.core.db import Base
from helpline.customers.models import Customer, CustomerIdentity, Organization
from helpline.email.models import EmailReference, InboundEmail, Mailbox, TicketParticipant
from helpline.kb.models import KbArticle, KbArticleVersion, KbBotAnswer, KbFeedback, KbRelated, KbSettings
from helpline.outbox.models import OutboxItem
from helpline.routing.models import AgentRouting, TeamRouting
from helpline.sla.models import (
    BusinessHours,
    Holiday,
    HolidayCalendar,
    SlaPolicy,
    SlaTarget,
    TeamBusinessHours,
    TicketSla,
)
from helpline.tickets.models import Attachment, Message, Ticket, TicketEvent, TicketTag
from helpline.webhooks.models import Webhook

__all__ = [
    "AgentRouting",
    "ApiToken",
    "Attachment",
    "AuditEntry",
    "Base",
    "BusinessHours",
    "Customer",
    "CustomerIdentity",
    "EmailReference",
    "Holiday",
    "HolidayCalendar",
    "InboundEmail",
    "KbArticle",
    "KbArticleVersion",
    "KbBotAnswer",
    "KbFeedback",
    "KbRelated",
    "KbSettings",
    "Mailbox",
    "Message",
    "Organization",
    "OutboxItem",
    "SlaPolicy",
    "SlaTarget",
    "Team",
    "TeamBusinessHours",
    "TeamMember",
    "TeamRouting",
    "Ticket",
    "TicketEvent",
    "TicketParticipant",
    "TicketSla",
    "TicketTag",
    "User",
    "Webhook",
]
