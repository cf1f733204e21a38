from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select

from helpline.audit.models import AuditEntry
from helpline.core.deps import AdminActor, ReadSession
from helpline.core.pagination import decode_cursor, encode_cursor

router = APIRouter(tags=["audit"])


class AuditOut(BaseModel):
    id: int
    at: dt.datetime
    actor_kind: str
    actor_id: int | None
    action: str
    entity_type: str
    entity_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    model_config = {"from_attributes": True}


class AuditPage(BaseModel):
    items: list[AuditOut]
    next_cursor: str | None


@router.get("/audit", response_model=AuditPage, summary="Read the audit log (admins)")
def list_audit(
    session: ReadSession,
    _admin: AdminActor,
    entity_type: str | None = None,
    entity_id: int | None = None,
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = None,
) -> AuditPage:
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit + 1)
    if entity_type:
        stmt = stmt.where(AuditEntry.entity_type == entity_type)
    if entity_id is not None:
        stmt = stmt.where(AuditEntry.entity_id == entity_id)
    after = decode_cursor(cursor, 1)
    if after:
        stmt = stmt.where(AuditEntry.id < int(after[0]))
    rows = list(session.scalars(stmt))
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(
        items=[AuditOut.model_validate(r) for r in rows],
        next_cursor=encode_cursor([rows[-1].id]) if more else None,
    )
