"""REST API: /macros and /canned-replies (admins manage; agents list, fill and apply)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from helpline.core.deps import CurrentActor, DbSession
from helpline.macros import service
from helpline.macros.schemas import (
    AppliedOut,
    CannedReplyIn,
    CannedReplyOut,
    CannedReplyPatch,
    FilledOut,
    MacroIn,
    MacroOut,
    MacroPatch,
    TicketRef,
)

router = APIRouter(tags=["macros"])


# -- canned replies -------------------------------------------------------------------------------
@router.get("/canned-replies", response_model=list[CannedReplyOut], summary="Canned replies you may use")
def list_canned_replies(session: DbSession, actor: CurrentActor) -> list[CannedReplyOut]:
    return [CannedReplyOut.of(r) for r in service.list_canned_replies(session, actor)]


@router.post("/canned-replies", status_code=status.HTTP_201_CREATED, response_model=CannedReplyOut)
def create_canned_reply(body: CannedReplyIn, session: DbSession, actor: CurrentActor) -> CannedReplyOut:
    reply = service.create_canned_reply(
        session, actor, title=body.title, body=body.body, team_id=body.team_id
    )
    return CannedReplyOut.of(reply)


@router.get("/canned-replies/{reply_id}", response_model=CannedReplyOut)
def get_canned_reply(reply_id: int, session: DbSession, actor: CurrentActor) -> CannedReplyOut:
    return CannedReplyOut.of(service.get_canned_reply(session, actor, reply_id))


@router.patch("/canned-replies/{reply_id}", response_model=CannedReplyOut)
def patch_canned_reply(
    reply_id: int, body: CannedReplyPatch, session: DbSession, actor: CurrentActor
) -> CannedReplyOut:
    reply = service.update_canned_reply(session, actor, reply_id, **body.changes())
    session.flush()
    return CannedReplyOut.of(reply)


@router.delete("/canned-replies/{reply_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_canned_reply(reply_id: int, session: DbSession, actor: CurrentActor) -> Response:
    service.delete_canned_reply(session, actor, reply_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/canned-replies/{reply_id}/fill",
    response_model=FilledOut,
    summary="The reply's text for a ticket, placeholders filled (unknown ones left and listed)",
)
def fill_canned_reply(reply_id: int, body: TicketRef, session: DbSession, actor: CurrentActor) -> FilledOut:
    filled = service.fill_canned_reply(session, actor, reply_id, body.ticket_id)
    return FilledOut(text=filled.text, unknown_placeholders=filled.unknown)


# -- macros ---------------------------------------------------------------------------------------
@router.get("/macros", response_model=list[MacroOut], summary="Macros you may apply")
def list_macros(session: DbSession, actor: CurrentActor) -> list[MacroOut]:
    return [MacroOut.of(m) for m in service.list_macros(session, actor)]


@router.post("/macros", status_code=status.HTTP_201_CREATED, response_model=MacroOut)
def create_macro(body: MacroIn, session: DbSession, actor: CurrentActor) -> MacroOut:
    macro = service.create_macro(
        session,
        actor,
        title=body.title,
        body=body.body,
        internal=body.internal,
        actions=body.actions.as_dict(),
        team_id=body.team_id,
    )
    return MacroOut.of(macro)


@router.get("/macros/{macro_id}", response_model=MacroOut)
def get_macro(macro_id: int, session: DbSession, actor: CurrentActor) -> MacroOut:
    return MacroOut.of(service.get_macro(session, actor, macro_id))


@router.patch("/macros/{macro_id}", response_model=MacroOut)
def patch_macro(macro_id: int, body: MacroPatch, session: DbSession, actor: CurrentActor) -> MacroOut:
    macro = service.update_macro(session, actor, macro_id, **body.changes())
    session.flush()
    return MacroOut.of(macro)


@router.delete("/macros/{macro_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_macro(macro_id: int, session: DbSession, actor: CurrentActor) -> Response:
    service.delete_macro(session, actor, macro_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/macros/{macro_id}/apply",
    response_model=AppliedOut,
    summary="Post the macro's reply or note and make its field changes, all or nothing",
)
def apply_macro(macro_id: int, body: TicketRef, session: DbSession, actor: CurrentActor) -> AppliedOut:
    applied = service.apply_macro(session, actor, macro_id, body.ticket_id)
    return AppliedOut(
        ticket_id=applied.ticket.id,
        message_id=applied.message.id if applied.message else None,
        changes=applied.changed,
    )
