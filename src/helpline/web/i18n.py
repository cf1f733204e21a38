"""A tiny gettext-style translation layer: ``_("English text", **values)``.

Catalogs are dicts from the English message to its translation; a missing entry falls back to English,
so a half-translated language still works. The language of the current request lives in a context
variable set by the web layer (cookie ``hl_lang``, then the customer's language, then Accept-Language).
"""

from __future__ import annotations

from contextvars import ContextVar

from helpline.web.catalog_admin_de import ADMIN_DE
from helpline.web.catalog_assist_de import ASSIST_DE
from helpline.web.catalog_de import DE, EN
from helpline.web.catalog_help_de import HELP_DE
from helpline.web.catalog_kb_de import KB_DE
from helpline.web.catalog_routing_de import ROUTING_DE

DE.update(HELP_DE)  # feature catalogs join the language's catalog at load
DE.update(ADMIN_DE)
DE.update(ASSIST_DE)
DE.update(KB_DE)
DE.update(ROUTING_DE)
LANGUAGES = {"en": "English", "de": "Deutsch"}
CATALOGS: dict[str, dict[str, str]] = {"en": EN, "de": DE}
DEFAULT = "en"

_current: ContextVar[str] = ContextVar("helpline_web_language", default=DEFAULT)


def set_language(lang: str | None) -> str:
    chosen = normalize(lang) or DEFAULT
    _current.set(chosen)
    return chosen


def current_language() -> str:
    return _current.get()


def normalize(lang: str | None) -> str | None:
    if not lang:
        return None
    code = lang.strip().split("-")[0].split("_")[0].lower()
    return code if code in CATALOGS else None


def from_accept_language(header: str) -> str | None:
    """The best supported language of an Accept-Language header (q-values respected)."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        code = normalize(tag)
        if code and quality > 0:
            ranked.append((-quality, index, code))
    return sorted(ranked)[0][2] if ranked else None


def gettext(message: str, /, **values: object) -> str:
    translated = CATALOGS.get(_current.get(), {}).get(message, message)
    return translated.format(**values) if values else translated


_ = gettext
