from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Response, status
from pydantic import Field, StringConstraints

from helpline.core.deps import AdminActor, DbSession
from helpline.core.schemas import Out, Strict
from helpline.webhooks import service
from helpline.webhooks.models import Webhook

router = APIRouter(tags=["webhooks"])


class WebhookCreate(Strict):
    url: Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=2000)]
    events: list[str] = Field(default_factory=lambda: ["*"], max_length=50)
    description: Annotated[str, StringConstraints(max_length=200)] = ""


class WebhookOut(Out):
    id: int
    url: str
    events: list[str]
    description: str
    active: bool
    created_at: dt.datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="HMAC-SHA256 key for the X-Helpline-Signature header")


@router.get("/webhooks", response_model=list[WebhookOut])
def list_webhooks(session: DbSession, actor: AdminActor) -> list[WebhookOut]:
    return [WebhookOut.model_validate(h) for h in service.list_webhooks(session, actor)]


@router.post("/webhooks", status_code=status.HTTP_201_CREATED, response_model=WebhookCreated)
def create_webhook(body: WebhookCreate, session: DbSession, actor: AdminActor) -> WebhookCreated:
    hook: Webhook = service.create_webhook(session, actor, body.url, body.events, body.description)
    return WebhookCreated.model_validate(hook)


@router.delete("/webhooks/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_webhook(webhook_id: int, session: DbSession, actor: AdminActor) -> Response:
    service.delete_webhook(session, actor, webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
