"""HTTP adapters for article files: upload (multipart), list, download, delete. Thin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Response, UploadFile, status

from helpline.core.deps import DbSession, StaffActor
from helpline.core.files import file_response
from helpline.kb import attachments
from helpline.kb.routes import Reader
from helpline.kb.schemas import AttachmentOut

router = APIRouter(tags=["knowledge base"])


@router.post(
    "/kb/articles/{article_id}/attachments",
    status_code=status.HTTP_201_CREATED,
    response_model=AttachmentOut,
    summary="Attach a file or image to an article (multipart field `file`, up to 10 MB)",
)
def upload_attachment(
    article_id: int, file: Annotated[UploadFile, File()], session: DbSession, actor: StaffActor
) -> AttachmentOut:
    data = file.file.read(attachments.MAX_BYTES + 1)
    att = attachments.add_attachment(
        session,
        actor,
        article_id,
        filename=file.filename or "attachment",
        content_type=file.content_type or "",
        data=data,
    )
    return AttachmentOut.of(att)


@router.get("/kb/articles/{article_id}/attachments", response_model=list[AttachmentOut])
def list_attachments(article_id: int, session: DbSession, actor: Reader) -> list[AttachmentOut]:
    return [AttachmentOut.of(a) for a in attachments.list_attachments(session, actor, article_id)]


@router.get("/kb/attachments/{attachment_id}", summary="Download a file (always as a download)")
def download_attachment(attachment_id: int, session: DbSession, actor: Reader) -> Response:
    att = attachments.get_attachment(session, actor, attachment_id)
    return file_response(att.filename, att.data)


@router.delete("/kb/attachments/{attachment_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_attachment(attachment_id: int, session: DbSession, actor: StaffActor) -> Response:
    attachments.delete_attachment(session, actor, attachment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
