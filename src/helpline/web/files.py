"""Serving attachments to the browser: always a download, never rendered in our origin."""

from __future__ import annotations

from fastapi import Response, UploadFile

from helpline.core.errors import Invalid
from helpline.core.files import file_response
from helpline.tickets.conversation import MAX_ATTACHMENTS
from helpline.tickets.models import Attachment
from helpline.tickets.service import NewAttachment


def read_uploads(files: list[UploadFile] | None, max_bytes: int) -> list[NewAttachment]:
    """Files from a form, size-checked while reading (a browser sends an empty part for 'no file')."""
    chosen = [f for f in files or [] if f.filename]
    if len(chosen) > MAX_ATTACHMENTS:
        raise Invalid.field("files", f"Attach at most {MAX_ATTACHMENTS} files to one message.")
    attachments = []
    for upload in chosen:
        data = upload.file.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise Invalid.field(
                "files", f"{upload.filename} is larger than the limit of {max_bytes // (1024 * 1024)} MB."
            )
        attachments.append(NewAttachment(upload.filename or "attachment", upload.content_type or "", data))
    return attachments


def attachment_response(att: Attachment) -> Response:
    return file_response(att.filename, att.data)
