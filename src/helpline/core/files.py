"""Serving stored files over HTTP: a download by default, never something the browser runs."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Response


def file_response(
    filename: str, data: bytes, *, inline_type: str | None = None, cache: str = "private, no-store"
) -> Response:
    """A file as a download; or, for an ``inline_type`` (a raster image), shown in place. Either way
    the browser may not sniff it into something else or run anything in it."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    disposition = f'{"inline" if inline_type else "attachment"}; filename="{ascii_name}"'
    if ascii_name != filename:
        disposition += f"; filename*=UTF-8''{quote(filename)}"
    return Response(
        data,
        media_type=inline_type or "application/octet-stream",
        headers={
            "Content-Disposition": disposition,
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": cache,
        },
    )
