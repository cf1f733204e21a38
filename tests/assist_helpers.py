"""Shared fixtures of the assist tests: the assist router and hooks wired into the app, a tiny encoder."""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
import pytest
from fastapi import FastAPI

# Until helpline.app wires the assist layer, importing it here must not switch enrichment on for every
# other test of this process (their outboxes would hold jobs they do not expect): unregister below.
WIRED_BY_APP = "helpline.assist.hooks" in sys.modules

from helpline.app import create_app  # noqa: E402
from helpline.assist import enrich, hooks  # noqa: E402
from helpline.assist.routes import router as assist_router  # noqa: E402
from helpline.core.db import Database  # noqa: E402
from helpline.core.settings import Settings  # noqa: E402
from helpline.tickets import hooks as ticket_hooks  # noqa: E402

API = "/api/v1"


def _unregister() -> None:
    if hooks.enrich_on_customer_message in ticket_hooks.CUSTOMER_MESSAGE_HOOKS:
        ticket_hooks.CUSTOMER_MESSAGE_HOOKS.remove(hooks.enrich_on_customer_message)
    if hooks.enrich_on_ticket_created in ticket_hooks.TICKET_CREATED_HOOKS:
        ticket_hooks.TICKET_CREATED_HOOKS.remove(hooks.enrich_on_ticket_created)


if not WIRED_BY_APP:
    _unregister()


class HashEncoder:
    """A stand-in for MiniLM in logic tests: bag of hashed words, L2-normalised, 384 dimensions."""

    def encode(self, texts: list[str], batch_size: int = 32) -> npt.NDArray[np.float32]:
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[i, int(hashlib.sha256(word.encode()).hexdigest()[:6], 16) % 384] += 1.0
        norms = np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
        result: npt.NDArray[np.float32] = (out / norms).astype(np.float32)
        return result


@pytest.fixture
def assist_hooks() -> Iterator[None]:
    """Register the enrichment hooks for this test (until the app wires them for every test), and
    leave the registries as they were found."""
    ticket_hooks.on_customer_message(hooks.enrich_on_customer_message)
    ticket_hooks.on_ticket_created(hooks.enrich_on_ticket_created)
    yield
    if not WIRED_BY_APP:
        _unregister()
    enrich.configure()


def assist_app(settings: Settings, db: Database) -> FastAPI:
    application = create_app(settings, db, run_worker=False)
    paths = {getattr(r, "path", "") for r in application.routes}
    if f"{API}/assist/tone" not in paths and f"{API}/assist/settings" not in paths:  # until wired
        application.include_router(assist_router, prefix=API)
    return application
