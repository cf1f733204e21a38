"""UI strings go through ``_()`` and every one of them has a German translation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpline.web import admin, agent, inbox, macros, portal
from helpline.web.catalog_de import DE, EN
from helpline.web.deps import CsrfFailed
from helpline.web.i18n import _, from_accept_language, set_language

WEB = Path(agent.__file__).parent
CALL = re.compile(r"""(?<![\w.])_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
# Messages handed to templates as values (translated there with ``_(value)``).
INDIRECT = [
    "You have signed out.",
    "This sign-in form has expired. Please sign in again.",
    "Too many failed sign-ins. For your safety, sign-in is paused for {minutes} min.",
    "Enter your email and password.",
    "Wrong email or password.",
    "Give at least one word to search for.",
    "Write a message before sending.",
    "Describe what you need help with.",
    "Keep the subject under 250 characters.",
    "Thank you, your message was sent.",
    "Select at least one ticket first.",
    "{names} wrote on this ticket while you were writing. Read it above, then send again.",
    "Choose what to do with the selected tickets.",
    CsrfFailed().detail,
    *agent.FLASHES.values(),
    *admin.DONE.values(),
    "Token created. Copy it now: it is shown once.",
    "Give the person's name.",
    "Give the team a name.",
    "You cannot deactivate your own account.",
    *(label for _key, label in inbox.VIEWS + inbox.SORTS),
    *portal.STATUS_LABELS.values(),
    *portal.NEXT_STEPS.values(),
    *portal.EXPECTED.values(),
    *portal.DONE.values(),
    *macros.DONE.values(),
    "Choose a macro first.",
    "Give it a title.",
    "Write the text.",
    "A macro needs a reply, a note or at least one field change.",
    "Give the view a name.",
    "This view no longer exists.",
    "Select at least two tickets to merge.",
    "Unknown placeholders were left as typed: {names}. Edit them before sending.",
    "Placeholders filled for each ticket:",
]


def ui_strings() -> set[str]:
    found: set[str] = set(INDIRECT)
    for path in [*WEB.glob("templates/*.html"), *(p for p in WEB.glob("*.py") if p.name != "i18n.py")]:
        for double, single in CALL.findall(path.read_text()):
            text = double or single
            if text and not text.endswith(":"):  # "status:" ~ value is built from the EN keys
                found.add(text)
    return found


def test_every_ui_string_has_a_german_translation() -> None:
    strings = ui_strings()
    assert len(strings) > 100
    missing = sorted(s for s in strings if s not in DE)
    assert not missing, missing
    assert set(EN) <= set(DE)


def test_indirect_messages_are_really_used() -> None:
    sources = "".join(p.read_text() for p in WEB.glob("*.py"))
    for message in INDIRECT[:10]:
        assert message in sources, message


@pytest.mark.parametrize(
    ("header", "expected"),
    [("de-CH,de;q=0.9", "de"), ("fr,en;q=0.5", "en"), ("fr", None), ("en;q=0.2,de;q=0.8", "de"), ("", None)],
)
def test_accept_language(header: str, expected: str | None) -> None:
    assert from_accept_language(header) == expected


def test_translation_with_values_and_fallback() -> None:
    set_language("de")
    try:
        assert _("Signed in as {name}", name="Sam") == "Angemeldet als Sam"
        assert _("A sentence nobody translated") == "A sentence nobody translated"
    finally:
        set_language("en")
    assert _("status:on-hold") == "On hold"
