"""Import every feature's models so the metadata is complete (Alembic, tests)."""

from helpline.accounts.models import ApiToken, Team, TeamMember, User
from helpline.assist.models import AssistSettings, MessageInsight, TicketInsight
from helpline.audit.models import AuditEntry
from helpline.chat.models import ChatClientMessage, ChatConversation, ChatVisitor, ChatWidget
from helpline.core.db import Base
from helpline.customers.models import Customer, CustomerIdentity, Organization
from helpline.email.models import EmailReference, InboundEmail, Mailbox, TicketParticipant
from helpline.escalation.models import (
    AuthorityLimit,
    Escalation,
    EscalationRequest,
    EscalationTier,
    GoodwillAction,
    TeamLead,
    TicketTier,
)
from helpline.kb.models import (
    KbArticle,
    KbArticleVersion,
    KbAttachment,
    KbBotAnswer,
    KbFeedback,
    KbRelated,
    KbSettings,
)
from helpline.macros.models import CannedReply, Macro, SavedView
from helpline.outbox.models import OutboxItem
from helpline.portal.models import PortalSignInLink
from helpline.routing.models import AgentRouting, AgentSkill, RoutingOffer, TeamRouting
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
    "AgentSkill",
    "ApiToken",
    "AssistSettings",
    "Attachment",
    "AuditEntry",
    "AuthorityLimit",
    "Base",
    "BusinessHours",
    "CannedReply",
    "ChatClientMessage",
    "ChatConversation",
    "ChatVisitor",
    "ChatWidget",
    "Customer",
    "CustomerIdentity",
    "EmailReference",
    "Escalation",
    "EscalationRequest",
    "EscalationTier",
    "GoodwillAction",
    "Holiday",
    "HolidayCalendar",
    "InboundEmail",
    "KbArticle",
    "KbArticleVersion",
    "KbAttachment",
    "KbBotAnswer",
    "KbFeedback",
    "KbRelated",
    "KbSettings",
    "Macro",
    "Mailbox",
    "Message",
    "MessageInsight",
    "Organization",
    "OutboxItem",
    "PortalSignInLink",
    "RoutingOffer",
    "SavedView",
    "SlaPolicy",
    "SlaTarget",
    "Team",
    "TeamBusinessHours",
    "TeamLead",
    "TeamMember",
    "TeamRouting",
    "Ticket",
    "TicketEvent",
    "TicketInsight",
    "TicketParticipant",
    "TicketSla",
    "TicketTag",
    "TicketTier",
    "User",
    "Webhook",
]
