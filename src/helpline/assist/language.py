"""A tiny language detector for the workspace's languages (en, de, fr, es, nl, it, pt, sv).

No downloaded data: each language's profile is built at start-up from a short list of its most common
words written into this file. Two signals are combined:

* function words — tokens found in a language's word list (weighted down when several languages share
  the word, e.g. "de" or "in");
* character trigrams — a smoothed trigram model built from the same word lists, which carries
  diacritics and spelling patterns (``sch``, ``ij``, ``ção``, ``ñ``, ``å``) for texts with few common
  words.

Restricting the detector to the deployment's languages keeps it small (a few hundred KB) and accurate.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

DEFAULT_LANGUAGES = ("en", "de", "fr", "es", "nl", "it", "pt", "sv")

WORDS: dict[str, str] = {
    "en": """the and to of a in is it you that for was on are with as i his they be at one have this from
        or had by not but what some we can out other were all there when up use your how said an each she
        which do their time if will way about many then them would write like so these her long make thing
        see him two has look more day could go come did my sound no most people over know water than call
        who may down side been now find any new work part take get place made live where after back little
        only round year came show every good me give our under name very through just form much great think
        help please thank thanks order account card payment refund money hello dear regards problem
        receive received still waiting why does should would isn't don't can't i'm
        invoice amount wrong password login delivery parcel shipping""",
    "de": """der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es an
        werden aus er hat dass sie nach wird bei einer um am sind noch wie einem über einen so zum war haben
        nur oder aber vor zur bis mehr durch man sein wurde sei hier habe ich mein meine mir mich bitte danke
        vielen dank hallo guten tag grüße freundlichen konto karte zahlung geld rückerstattung bestellung
        warum wann wo was wer kann können müssen möchte würde schon immer noch nie keine kein nichts heute
        morgen gestern leider sehr gut schlecht problem frage hilfe erhalten geschickt warte seit woche
        wochen
        rechnung betrag falsch passwort lieferung paket anmelden""",
    "fr": """le de un être et à il avoir ne je son que se qui ce dans en du elle au pour pas vous par sur
        faire plus dire me on mon lui nous comme mais pouvoir avec tout y aller voir bien où sans tu ou leur
        homme si deux mari moi vouloir te femme venir quand grand celui notre devoir là jour prendre même
        votre tout rien très savoir falloir voilà merci bonjour madame monsieur cordialement commande compte
        carte paiement remboursement argent toujours jamais encore pourquoi est les des une ai été reçu
        problème aide s'il plaît c'est j'ai n'est depuis semaine semaines attends
        facture montant mauvais mot passe livraison colis""",
    "es": """el la de que y a en un ser se no haber por con su para como estar tener le lo todo pero más
        hacer o poder decir este ir otro ese si me ya ver porque dar cuando él muy sin vez mucho saber qué
        sobre mi alguno mismo yo también hasta año dos querer entre así primero desde grande eso ni nos
        llegar pasar tiempo ella sí día uno bien poco deber entonces poner cosa tanto hombre parecer nuestro
        tan donde ahora parte después vida quedar siempre creer hablar llevar dejar nada cada seguir menos
        nuevo encontrar gracias hola buenos días saludos pedido cuenta tarjeta pago reembolso dinero todavía
        nunca por qué problema ayuda recibido los las una del está es hace semana semanas espero
        factura importe equivocado contraseña entrega paquete""",
    "nl": """de en van ik te dat die in een hij het niet zijn is was op aan met als voor had er maar om hem
        dan zou of wat mijn men dit zo door over ze zich bij ook tot je mij uit der daar haar naar heb hoe
        heeft hebben deze u want nog zal me zij nu ge geen omdat iets worden toch al waren veel meer doen
        toen moet ben zonder kan hun dus alles onder ja eens hier wie werd altijd doch wordt wezen kunnen
        ons zelf tegen na reeds wil kon niets uw iemand geweest andere bedankt dank alstublieft hallo
        goedendag groeten bestelling rekening kaart betaling terugbetaling geld waarom nooit probleem hulp
        ontvangen wacht week weken graag
        factuur bedrag verkeerd wachtwoord levering pakket""",
    "it": """il di che e la un a per non in una sono mi ho lo ma ti ha le si con cosa da se io come
        questo qui ci bene sei del tu solo me più era gli mio hai anche tutto della niente fare lui stato
        quando nel sta al ora chi molto perché così essere siamo suo dove può prima fatto hanno allora
        sempre questa mai grazie ciao buongiorno salve saluti cordiali ordine conto carta pagamento rimborso
        soldi ancora problema aiuto ricevuto sto aspettando settimana settimane vorrei potete posso non ho
        fattura importo sbagliato consegna pacco""",
    "pt": """o de a que e do da em um para é com não uma os no se na por mais as dos como mas foi ao ele
        das tem à seu sua ou ser quando muito há nos já está eu também só pelo pela até isso ela entre era
        depois sem mesmo aos ter seus quem nas me esse eles estão você tinha foram essa num nem suas meu às
        minha têm numa pelos elas havia seja qual será nós tenho lhe deles essas esses pelas este fosse
        dele obrigado obrigada olá bom dia cumprimentos pedido conta cartão pagamento reembolso dinheiro
        ainda nunca porquê problema ajuda recebi recebido estou esperando semana semanas não recebi
        fatura valor errado senha entrega pacote""",
    "sv": """och i att det som en på är av för med till den har de inte om ett han men var jag sig från
        vi så kan man när år säger hon under också efter eller nu sin där vid mot ska skulle kommer ut får
        finns vara hade alla andra mycket än här då sedan över bara in blir upp även vad få två vill ha
        många hur mer går sverige kronor detta nya procent skriver tack hej hejsan vänliga hälsningar
        beställning konto kort betalning återbetalning pengar fortfarande aldrig varför problem hjälp
        fått väntar vecka veckor min mitt mina jag har inte
        faktura belopp fel lösenord leverans paket""",
}

_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


@dataclass(frozen=True)
class LanguageGuess:
    language: str | None  # ISO 639-1 code, or None when the text gives too little to go on
    confidence: float
    scores: dict[str, float]


class LanguageDetector:
    def __init__(self, languages: tuple[str, ...] | list[str] = DEFAULT_LANGUAGES) -> None:
        unknown = [code for code in languages if code not in WORDS]
        if unknown:
            raise ValueError(f"no language profile for {unknown}; supported: {sorted(WORDS)}")
        self.languages = tuple(languages)
        self._words: dict[str, set[str]] = {code: set(WORDS[code].split()) for code in self.languages}
        share = Counter(w for code in self.languages for w in self._words[code])
        self._word_weight = {w: 1.0 / n for w, n in share.items()}
        self._trigrams: dict[str, dict[str, float]] = {}
        self._unseen: dict[str, float] = {}
        for code in self.languages:
            counts: dict[str, float] = {}
            for rank, word in enumerate(WORDS[code].split()):
                weight = 1.0 + 2.0 / (1.0 + rank / 50.0)  # frequent words count more
                for gram in _trigrams(word):
                    counts[gram] = counts.get(gram, 0.0) + weight
            total = sum(counts.values())
            vocab = len(counts) + 1000
            self._trigrams[code] = {g: math.log((c + 0.5) / (total + 0.5 * vocab)) for g, c in counts.items()}
            self._unseen[code] = math.log(0.5 / (total + 0.5 * vocab))

    def detect(self, text: str) -> LanguageGuess:
        toks = [t.lower().replace("\u2019", "'") for t in _TOKEN.findall(text)]
        if not toks or sum(len(t) for t in toks) < 3:
            return LanguageGuess(None, 0.0, {})
        grams = [g for t in toks for g in _trigrams(t)]
        scores: dict[str, float] = {}
        for code in self.languages:
            vocab = self._words[code]
            hits = sum(self._word_weight[t] for t in toks if t in vocab)
            table, unseen = self._trigrams[code], self._unseen[code]
            loglik = sum(table.get(g, unseen) for g in grams) / max(len(grams), 1)
            scores[code] = 3.0 * hits / len(toks) + loglik
        best = max(scores, key=lambda code: scores[code])
        # Softmax over languages with a sharpness that grows with the amount of text.
        sharp = 4.0 * math.sqrt(len(toks))
        top = scores[best]
        z = sum(math.exp(sharp * (s - top)) for s in scores.values())
        confidence = 1.0 / z
        return LanguageGuess(best, round(confidence, 4), {k: round(v, 4) for k, v in scores.items()})


def _trigrams(word: str) -> list[str]:
    padded = f" {word} "
    return [padded[i : i + 3] for i in range(len(padded) - 2)]


_DEFAULT: LanguageDetector | None = None


def detect_language(text: str) -> LanguageGuess:
    """Detect among :data:`DEFAULT_LANGUAGES` (build a :class:`LanguageDetector` to restrict the list)."""
    global _DEFAULT  # a cached, immutable default
    if _DEFAULT is None:
        _DEFAULT = LanguageDetector()
    return _DEFAULT.detect(text)
