"""HTTP adapters of the assist layer (staff only): insights, trend, tone check, drafts, summaries.

Importing this module also registers the enrichment hooks and job, so wiring the router is all an
application needs.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query
from pydantic import Field

from helpline.assist import hooks as _hooks  # noqa: F401  (enrich every inbound customer message)
from helpline.assist.drafting import draft_reply
from helpline.assist.enrich import set_workspace_languages, workspace_languages
from helpline.assist.insights import frustrated_waiting, sentiment_trend, ticket_insights
from helpline.assist.models import IntentTrainingRun, MessageInsight, TicketInsight
from helpline.assist.retrain import model_status, request_retraining
from helpline.assist.summary import summarize_ticket
from helpline.assist.tone import Finding, check_tone, readability
from helpline.core.deps import AdminActor, DbSession, StaffActor
from helpline.core.schemas import Out, Strict
from helpline.tickets.access import get_visible_ticket

router = APIRouter(tags=["assist"])


class MessageInsightOut(Out):
    message_id: int
    ticket_id: int
    customer_id: int | None
    language: str | None
    sentiment: str
    sentiment_score: float
    emotions: dict[str, float]
    intent: str | None
    intent_confidence: float | None
    created_at: dt.datetime


class TicketInsightOut(Out):
    ticket_id: int
    last_message_id: int
    language: str | None
    sentiment: str
    sentiment_score: float
    emotions: dict[str, float]
    intent: str | None
    frustrated: bool
    negative_messages: int
    updated_at: dt.datetime


class InsightsOut(Out):
    ticket: TicketInsightOut | None
    messages: list[MessageInsightOut]


class TrendPointOut(Out):
    day: dt.date
    average: float
    messages: int
    negative: int


class TrendOut(Out):
    customer_id: int
    days: int
    points: list[TrendPointOut]


class WaitingOut(Out):
    ticket_id: int
    subject: str
    status: str
    priority: str
    last_customer_message_at: dt.datetime | None
    sentiment: str
    sentiment_score: float
    emotions: dict[str, float]


class SettingsOut(Out):
    languages: list[str]


class SettingsIn(Strict):
    languages: list[str] = Field(min_length=1, max_length=20)


def _insight(row: MessageInsight) -> MessageInsightOut:
    return MessageInsightOut.model_validate(row)


def _rollup(row: TicketInsight | None) -> TicketInsightOut | None:
    return TicketInsightOut.model_validate(row) if row is not None else None


@router.get("/tickets/{ticket_id}/insights", response_model=InsightsOut)
def get_ticket_insights(ticket_id: int, session: DbSession, actor: StaffActor) -> InsightsOut:
    rollup, rows = ticket_insights(session, actor, ticket_id)
    return InsightsOut(ticket=_rollup(rollup), messages=[_insight(r) for r in rows])


@router.get("/customers/{customer_id}/sentiment-trend", response_model=TrendOut)
def get_sentiment_trend(
    customer_id: int, session: DbSession, actor: StaffActor, days: int = Query(90, ge=1, le=730)
) -> TrendOut:
    points = sentiment_trend(session, actor, customer_id, days=days)
    return TrendOut(
        customer_id=customer_id, days=days, points=[TrendPointOut.model_validate(p) for p in points]
    )


@router.get("/assist/frustrated-waiting", response_model=list[WaitingOut])
def get_frustrated_waiting(
    session: DbSession, actor: StaffActor, limit: int = Query(50, ge=1, le=200)
) -> list[WaitingOut]:
    return [
        WaitingOut(
            ticket_id=t.id,
            subject=t.subject,
            status=t.status,
            priority=t.priority,
            last_customer_message_at=t.last_customer_message_at,
            sentiment=i.sentiment,
            sentiment_score=i.sentiment_score,
            emotions=i.emotions,
        )
        for t, i in frustrated_waiting(session, actor, limit=limit)
    ]


@router.get("/assist/settings", response_model=SettingsOut)
def get_assist_settings(session: DbSession, _actor: StaffActor) -> SettingsOut:
    return SettingsOut(languages=workspace_languages(session))


@router.put("/assist/settings", response_model=SettingsOut)
def put_assist_settings(body: SettingsIn, session: DbSession, _actor: AdminActor) -> SettingsOut:
    row = set_workspace_languages(session, body.languages)
    return SettingsOut(languages=list(row.languages))


# -- the workspace's intent model --------------------------------------------------------------------


class TrainingRunOut(Out):
    id: int
    status: str
    reason: str
    requested_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    examples: int | None
    intents: list[str] | None
    kb_examples: int | None
    oof_accuracy: float | None
    oof_oos_recall: float | None
    threshold: float | None
    train_seconds: float | None
    error: str | None


class IntentModelOut(Out):
    in_use: TrainingRunOut | None
    model_file: bool
    labels_changed: int
    retrain_after: int
    pending: TrainingRunOut | None
    recent: list[TrainingRunOut]


def _run(row: IntentTrainingRun | None) -> TrainingRunOut | None:
    return TrainingRunOut.model_validate(row) if row is not None else None


@router.get("/assist/intent-model", response_model=IntentModelOut)
def get_intent_model(session: DbSession, _actor: AdminActor) -> IntentModelOut:
    """When the intent model in use was trained, on what, how well (cross-validated), and what is next."""
    found = model_status(session)
    return IntentModelOut(
        in_use=_run(found.in_use),
        model_file=found.model_file,
        labels_changed=found.labels_changed,
        retrain_after=found.retrain_after,
        pending=_run(found.pending),
        recent=[TrainingRunOut.model_validate(r) for r in found.recent],
    )


@router.post("/assist/intent-model/retrain", response_model=TrainingRunOut, status_code=202)
def post_retrain(session: DbSession, actor: AdminActor) -> TrainingRunOut:
    """Queue a training now (it runs in the background; the model in use stays until it is ready)."""
    return TrainingRunOut.model_validate(request_retraining(session, actor))


# -- tone, drafts, summaries ---------------------------------------------------------------------


class ToneIn(Strict):
    text: str = Field(max_length=50_000)
    customer_name: str | None = Field(default=None, max_length=160)
    ticket_id: int | None = None


class FindingOut(Out):
    kind: str
    span: tuple[int, int] | None
    text: str
    message: str
    suggestion: str


class ToneOut(Out):
    findings: list[FindingOut]
    words_per_sentence: float
    grade: float


class CitationOut(Out):
    article_id: int
    title: str
    url: str
    score: float


class DraftOut(Out):
    ticket_id: int
    text: str
    language: str
    source: str
    citations: list[CitationOut]
    retrieved: list[CitationOut]
    acknowledged: str | None
    clarifying: bool
    grounded: bool
    notes: list[str]
    tone: list[FindingOut]


class SummarySentenceOut(Out):
    text: str
    message_id: int
    author_kind: str
    internal: bool
    score: float


class SummaryOut(Out):
    ticket_id: int
    text: str
    sentences: list[SummarySentenceOut]
    source: str
    messages: int
    notes: list[str]


def _findings(found: list[Finding]) -> list[FindingOut]:
    return [FindingOut.model_validate(f) for f in found]


@router.post("/assist/tone", response_model=ToneOut)
def post_tone(body: ToneIn, session: DbSession, actor: StaffActor) -> ToneOut:
    """Check a reply before sending: findings explain and suggest, they never block."""
    name = body.customer_name
    if name is None and body.ticket_id is not None:
        ticket = get_visible_ticket(session, actor, body.ticket_id)
        name = ticket.requester.name if ticket.requester is not None else None
    per_sentence, grade = readability(body.text)
    return ToneOut(
        findings=_findings(check_tone(body.text, customer_name=name)),
        words_per_sentence=per_sentence,
        grade=grade,
    )


@router.post("/tickets/{ticket_id}/draft", response_model=DraftOut)
def post_draft(ticket_id: int, session: DbSession, actor: StaffActor) -> DraftOut:
    """A draft reply for the agent to edit; nothing is sent."""
    draft = draft_reply(session, actor, ticket_id)
    ticket = get_visible_ticket(session, actor, ticket_id)
    name = ticket.requester.name if ticket.requester is not None else None
    return DraftOut(
        ticket_id=draft.ticket_id,
        text=draft.text,
        language=draft.language,
        source=draft.source,
        citations=[CitationOut.model_validate(c) for c in draft.citations],
        retrieved=[CitationOut.model_validate(c) for c in draft.retrieved],
        acknowledged=draft.acknowledged,
        clarifying=draft.clarifying,
        grounded=draft.grounded,
        notes=draft.notes,
        tone=_findings(check_tone(draft.text, customer_name=name)),
    )


@router.get("/tickets/{ticket_id}/summary", response_model=SummaryOut)
def get_summary(
    ticket_id: int, session: DbSession, actor: StaffActor, sentences: int = Query(3, ge=1, le=20)
) -> SummaryOut:
    summary = summarize_ticket(session, actor, ticket_id, sentences)
    return SummaryOut.model_validate(summary)
