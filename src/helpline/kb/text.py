"""Text analysis for knowledge-base search: tokens, a light English stemmer, passages, trigrams.

Deliberately small and dependency-free. The analyser is per language: ``analyzer(language)``
returns the English one for ``en`` and a stem-free, stopword-free one for any other language, so
non-English articles are still searchable word by word (and semantically by the embeddings).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable

_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)?", re.UNICODE)
_MARKDOWN_LINK = re.compile(r"!\[[^\]]*\]\([^)]*\)|\]\([^)]*\)|[#>|\[\]]+")
_MARKDOWN_EMPHASIS = re.compile(r"(?<!\w)[*_~`]+|[*_~`]+(?!\w)")
_URL = re.compile(r"https?://\S+|www\.\S+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")

STOPWORDS_EN = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just let me
    more most my myself no nor not of off on once only or other our ours ourselves out over own same
    she should so some such than that the their theirs them themselves then there these they this
    those through to too under until up very was we were what when where which while who whom why
    will with would you your yours yourself yourselves s t don doesn didn isn wasn aren weren im ive
    id youre thats whats hows theres cant wont couldn shouldn wouldn hi hello thanks thank please
    anyone someone something way get got also us one ok okay really still would want need""".split()  # noqa: SIM905
)

Analyzer = Callable[[str], list[str]]


def normalize(text: str) -> str:
    """Lower-case, strip accents and fold the typographic apostrophe."""
    if text.isascii():  # most text: nothing to strip, and the per-character pass is the slow part
        return text.lower()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.lower().replace("\u2019", "'")


def plain_text(markdown: str) -> str:
    """Markdown to readable text: drop link targets, images and formatting characters."""
    text = _MARKDOWN_EMPHASIS.sub("", _MARKDOWN_LINK.sub(" ", markdown))
    return re.sub(r"[ \t]+([.,;:!?])", r"\1", re.sub(r"[ \t]+", " ", text)).strip()


def words(text: str) -> list[str]:
    return [w.replace("'", "") for w in _WORD.findall(normalize(_URL.sub(" ", text)))]


@functools.lru_cache(maxsize=1 << 18)
def stem(word: str) -> str:
    """A light, conservative English suffix stripper (plurals, -ing, -ed, -ly, -ation, -ment …).

    Cached: a help centre's vocabulary is small next to its word count (100k articles: ~15M words).
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    base = _strip_suffix(word)
    # Porter's last step: "arrive" and "arrived" both become "arriv".
    return base[:-1] if len(base) > 4 and base.endswith("e") and not base.endswith("ee") else base


def _strip_suffix(word: str) -> str:
    for suffix, replacement, min_stem in (
        ("ational", "ate", 3),
        ("ization", "ize", 3),
        ("fulness", "ful", 3),
        ("iveness", "ive", 3),
        ("ations", "ate", 3),
        ("ation", "ate", 3),
        ("ments", "", 4),
        ("ment", "", 4),
        ("ities", "ity", 3),
        ("ingly", "", 4),
        ("edly", "", 4),
        ("ies", "y", 2),
        ("ing", "", 3),
        ("ied", "y", 2),
        ("sses", "ss", 2),
        ("ed", "", 3),
        ("ly", "", 4),
        ("es", "", 4),
        ("s", "", 3),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= min_stem:
            base = word[: len(word) - len(suffix)] + replacement
            if suffix in ("ing", "ed") and len(base) > 2 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]  # stopped → stopp → stop
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            if suffix == "es" and not word.endswith(("ches", "shes", "xes", "sses", "zes")):
                return word[:-1]
            return base
    return word


def analyze_en(text: str) -> list[str]:
    return [stem(w) for w in words(text) if w not in STOPWORDS_EN and (len(w) > 1 or w.isdigit())]


def analyze_plain(text: str) -> list[str]:
    return [w for w in words(text) if len(w) > 1 or w.isdigit()]


def analyzer(language: str = "en") -> Analyzer:
    return analyze_en if language.lower().startswith("en") else analyze_plain


def trigrams(term: str) -> set[str]:
    padded = f"  {term} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def passages(body: str, max_words: int = 90, overlap: int = 1) -> list[str]:
    """Split an article body into passages of whole sentences, at most ``max_words`` words each.

    Paragraphs stay together when they fit; long ones become windows of sentences that overlap by
    ``overlap`` sentences so an answer straddling two windows is still found whole in one.
    """
    out: list[str] = []
    for paragraph in re.split(r"\n\s*\n", plain_text(body)):
        paragraph = " ".join(paragraph.split())
        if not paragraph:
            continue
        if len(paragraph.split()) <= max_words:
            out.append(paragraph)
            continue
        sents = _split_long(sentences(paragraph), max_words)
        start = 0
        while start < len(sents):
            end, count = start, 0
            while end < len(sents) and (count == 0 or count + len(sents[end].split()) <= max_words):
                count += len(sents[end].split())
                end += 1
            out.append(" ".join(sents[start:end]))
            if end >= len(sents):
                break
            start = max(end - overlap, start + 1)
    return out


def _split_long(sents: Iterable[str], max_words: int) -> list[str]:
    out: list[str] = []
    for s in sents:
        tokens = s.split()
        out.extend(" ".join(tokens[i : i + max_words]) for i in range(0, len(tokens), max_words))
    return out
