"""German and French messages get their sentiment from Helpline's own German and French lexicons."""

from __future__ import annotations

import pytest

from helpline.assist import lexicon, lexicon_de_fr
from helpline.assist.enrich import configure, enrich_texts
from helpline.assist.multilingual import tokenize
from helpline.assist.sentiment import SentimentAnalyzer, lexicon_scores
from tests.assist_helpers import HashEncoder

GERMAN = [
    ("Vielen Dank, das hat super geklappt!", "positive"),
    ("Der Techniker war sehr freundlich und hat alles schnell repariert.", "positive"),
    ("Das Paket ist immer noch nicht angekommen. Ich bin sehr enttäuscht.", "negative"),
    ("Das gefällt mir nicht.", "negative"),
    ("Ich bin mit dem Service überhaupt nicht zufrieden!", "negative"),
    ("Die App ist schön, aber sie stürzt ständig ab. Eine Frechheit!", "negative"),
    ("Das ist absolut katastrophal, ich warte seit drei Wochen auf eine Antwort!!!", "negative"),
    ("Der Service ist nicht schlecht.", "positive"),
    ("Ich habe eine Frage zu meiner Rechnung vom März. Mit freundlichen Grüßen, Anna", "neutral"),
    ("Liebe Grüße, können Sie mir sagen, wann die Lieferung kommt?", "neutral"),
]

FRENCH = [
    ("Merci beaucoup, tout fonctionne parfaitement !", "positive"),
    ("Le conseiller était très aimable et la réponse rapide.", "positive"),
    ("Ce n'est pas bon du tout, je suis très déçue.", "negative"),
    ("Ma commande n'est toujours pas arrivée, c'est inadmissible !", "negative"),
    ("Je ne suis pas satisfait du service.", "negative"),
    ("Le produit est beau mais il ne marche pas.", "negative"),
    ("Votre application plante sans arrêt, c'est nul.", "negative"),
    ("Pas mal, le service est rapide.", "positive"),
    ("Bonjour, j'ai une question sur ma facture du mois dernier. Cordialement", "neutral"),
    ("Cher client, voici votre bon de commande.", "neutral"),
]


@pytest.mark.parametrize(("text", "expected"), GERMAN)
def test_german_sentences(text: str, expected: str) -> None:
    assert lexicon_scores(text, "de").label == expected


@pytest.mark.parametrize(("text", "expected"), FRENCH)
def test_french_sentences(text: str, expected: str) -> None:
    assert lexicon_scores(text, "fr").label == expected


def test_negation_intensifiers_and_contrast() -> None:
    good, not_good = lexicon_scores("Das ist gut", "de"), lexicon_scores("Das ist nicht gut", "de")
    assert good.compound > 0 > not_good.compound
    assert lexicon_scores("Das ist sehr gut", "de").compound > good.compound  # intensifier
    assert 0 < lexicon_scores("Das ist etwas gut", "de").compound < good.compound  # softener
    # French "ne … pas" around the verb, with the elision split: "n'est" → "n", "est".
    assert tokenize("Ce n'est pas bon") == ["ce", "n", "est", "pas", "bon"]
    assert lexicon_scores("C'est bon", "fr").compound > 0 > lexicon_scores("Ce n'est pas bon", "fr").compound
    assert lexicon_scores("C'est vraiment nul", "fr").compound < lexicon_scores("C'est nul", "fr").compound
    # After "aber" / "mais" the second clause decides.
    assert lexicon_scores("Schnell geliefert, aber leider kaputt", "de").label == "negative"
    assert lexicon_scores("Un peu lent mais très efficace", "fr").label == "positive"


def test_stems_cover_inflections() -> None:
    for word in ("enttäuscht", "enttäuschend", "Enttäuschung"):
        assert lexicon_scores(f"Eine {word}", "de").label == "negative", word


def test_english_is_unchanged_and_phrases_stay_whole() -> None:
    assert lexicon_scores("This was very helpful, thanks").label == "positive"
    assert lexicon_scores("The answer was not helpful").label == "negative"
    # Every English phrase has at least two words: a phrase cut at a line break would count a lone
    # "helpful" as negative.
    assert all(" " in phrase for phrase in lexicon.PHRASES)
    assert "nicht angekommen" in lexicon_de_fr.DE_PHRASES and "pas de réponse" in lexicon_de_fr.FR_PHRASES


def test_analyzer_uses_the_detected_language() -> None:
    analyzer = SentimentAnalyzer(None)
    german, english = analyzer.analyze_many(
        ["Ich bin sehr enttäuscht", "Ich bin sehr enttäuscht"], languages=["de", "en"]
    )
    assert german.label == "negative" and german.score < 0
    assert english.label == "neutral"  # the English lexicon does not know these words


def test_enrichment_scores_german_and_french_messages() -> None:
    configure(encoder=HashEncoder(), sentiment_model=True)  # the shipped (English) model is loaded …
    try:
        de, fr, en = enrich_texts(
            [
                "Hallo, mein Paket ist immer noch nicht angekommen und niemand antwortet. Sehr verärgert.",
                "Bonjour, ma commande n'est toujours pas arrivée et personne ne répond. C'est inadmissible.",
                "Hello, thank you so much, the replacement arrived and works perfectly.",
            ]
        )
    finally:
        configure()
    # … but German and French messages are read by their own lexicons.
    assert (de.language, de.sentiment) == ("de", "negative") and de.sentiment_score < -0.5
    assert (fr.language, fr.sentiment) == ("fr", "negative") and fr.sentiment_score < -0.5
    assert en.language == "en"
