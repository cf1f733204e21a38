"""Lexicon sentiment for German and French messages (the lists are in :mod:`lexicon_de_fr`).

The same rules as the English lexicon (:func:`helpline.assist.sentiment.lexicon_scores`): phrases
before words, negation within the three words before a sentiment word, intensifiers and softeners on
the two words before it, contrast ("aber", "mais": the clause after weighs 1.5, before 0.5),
exclamation marks, emoticons. Two additions for these languages: French elisions are split
("n'est" → "n", "est", so "ce n'est pas bon" is negated), and a German clause-final "nicht" turns
the sentiment word before it around ("Das gefällt mir nicht"). Words may be stems ending in ``*``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache

from helpline.assist import lexicon_de_fr as words
from helpline.assist.lexicon import EMOTICONS
from helpline.assist.sentiment import LexiconResult

LANGUAGES = ("de", "fr")
_SEPARATORS = frozenset(".,;:")
_TOKEN = re.compile(
    r"[:;=x>]['-]?[()dp/|\]\[]|</?3|[\U0001F300-\U0001FAFF\u2600-\u27BF]\ufe0f?"
    r"|[^\W\d_]+(?:-[^\W\d_]+)*|\d+|[!?.,;:]"
)


@dataclass(frozen=True)
class Lexicon:
    valence: dict[str, float]
    stems: tuple[tuple[str, float], ...]  # longest first
    phrases: tuple[tuple[tuple[str, ...], float], ...]  # longest first
    negations: frozenset[str]
    intensifiers: dict[str, float]
    contrast: frozenset[str]
    clause_final_negation: bool = False
    not_negated: frozenset[str] = frozenset()


def tokenize(text: str) -> list[str]:
    """Lower-cased words (letters of any script), emoticons and punctuation; elisions split."""
    return _TOKEN.findall(text.lower().replace("\u2019", "'").replace("'", " "))


def _build(
    valence: dict[str, float], phrases: dict[str, float], negations: frozenset[str],
    intensifiers: dict[str, float], contrast: frozenset[str], **options: object,
) -> Lexicon:  # fmt: skip
    exact = {w: v for w, v in valence.items() if not w.endswith("*")}
    stems = sorted(((w[:-1], v) for w, v in valence.items() if w.endswith("*")), key=lambda s: -len(s[0]))
    parsed = sorted(((tuple(tokenize(p)), v) for p, v in phrases.items()), key=lambda p: -len(p[0]))
    return Lexicon(exact, tuple(stems), tuple(parsed), negations, intensifiers, contrast, **options)  # type: ignore[arg-type]


@cache
def lexicon_for(language: str) -> Lexicon | None:
    if language == "de":
        return _build(
            words.DE_VALENCE, words.DE_PHRASES, words.DE_NEGATIONS, words.DE_INTENSIFIERS,
            words.DE_CONTRAST, clause_final_negation=True, not_negated=words.DE_NOT_NEGATED,
        )  # fmt: skip
    if language == "fr":
        return _build(
            words.FR_VALENCE, words.FR_PHRASES, words.FR_NEGATIONS, words.FR_INTENSIFIERS,
            words.FR_CONTRAST,
        )  # fmt: skip
    return None


def _valence(lex: Lexicon, token: str) -> float | None:
    if token in lex.valence:
        return lex.valence[token]
    if token in EMOTICONS:
        return EMOTICONS[token]
    for stem, value in lex.stems:
        if token.startswith(stem):
            return value
    return None


def score(text: str, language: str) -> LexiconResult:
    """Lexicon sentiment of ``text`` in ``language`` ("de" or "fr")."""
    lex = lexicon_for(language)
    if lex is None:
        raise ValueError(f"no sentiment lexicon for {language!r}")
    toks = tokenize(text)
    last_contrast = max((i for i, t in enumerate(toks) if t in lex.contrast), default=-1)

    def contrast_weight(index: int) -> float:
        if last_contrast < 0:
            return 1.0
        return 1.5 if index > last_contrast else 0.5

    hits: list[tuple[str, float]] = []
    consumed: set[int] = set()
    for phrase, phrase_value in lex.phrases:
        n = len(phrase)
        for start in range(len(toks) - n + 1):
            span = range(start, start + n)
            if tuple(toks[start : start + n]) == phrase and not consumed.intersection(span):
                consumed.update(span)
                if phrase_value:
                    hits.append((" ".join(phrase), phrase_value * contrast_weight(start)))
    for i, tok in enumerate(toks):
        if i in consumed or tok in lex.negations:
            continue
        value = _valence(lex, tok)
        if value is None:
            continue
        scale = 1.0
        before = toks[max(0, i - 3) : i]
        for prev in reversed(before[-2:]):
            if prev in lex.intensifiers:
                scale *= lex.intensifiers[prev]
        negated = any(w in lex.negations for w in before) or (
            lex.clause_final_negation and tok not in lex.not_negated and _negated_after(lex, toks, i)
        )
        if negated:
            value = -value * (0.5 if value > 0 else 0.4)
        hits.append((tok, value * scale * contrast_weight(i)))
    positive = sum(v for _, v in hits if v > 0)
    negative = -sum(v for _, v in hits if v < 0)
    total = positive - negative
    if total:
        total += math.copysign(0.3 * min(text.count("!"), 3), total)
    return LexiconResult(total / math.sqrt(total * total + 12.0), positive, negative, hits)


def _negated_after(lex: Lexicon, toks: list[str], index: int) -> bool:
    """A negation closing the clause within four words, with no other sentiment word in between:
    "Das gefällt mir nicht.", "Ich bin mit dem Service leider gar nicht zufrieden" is handled
    by the negation before "zufrieden" instead."""
    for j in range(index + 1, min(len(toks), index + 5)):
        tok = toks[j]
        if tok in _SEPARATORS or tok in ("!", "?"):
            return False
        if tok in lex.negations:
            return j + 1 == len(toks) or toks[j + 1] in _SEPARATORS or toks[j + 1] in ("!", "?")
        if tok not in lex.not_negated and _valence(lex, tok) is not None:
            return False
    return False
