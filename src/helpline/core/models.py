"""Import every feature's models so the metadata is complete (Alembic, tests)."""

from helpline.accounts.models import ApiToken, Team, TeamMember, User
from helpline.audit.models import AuditEntry
from helpline.core.db import Base
from helpline.customers.models import Customer, CustomerIdentity, Organization
from helpline.email.models import EmailReference, InboundEmail, Mailbox, TicketParticipant
from helpline.kb.models import KbArticle, KbArticleVersion, KbBotAnswer, KbFeedback, KbRelated, KbSettings
from helpline.outbox.models import OutboxItem
from helpline.tickets.models import Attachment, Message, Ticket, TicketEvent, TicketTag
from helpline.webhooks.models import Webhook

__all__ = [
    "ApiToken",
    "Attachment",
    "AuditEntry",
    "Base",
    "Customer",
    "CustomerIdentity",
    "EmailReference",
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
    "Team",
    "TeamMember",
    "Ticket",
    "TicketEvent",
    "TicketParticipant",
    "TicketTag",
    "User",
    "Webhook",
]
