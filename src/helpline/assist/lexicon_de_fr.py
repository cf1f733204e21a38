"""Helpline's own small German and French sentiment word lists (written for this project).

Same conventions as :mod:`helpline.assist.lexicon`: valences from -4 to +4, ``<valence>: term, ...``
lines, multi-word phrases matched before single words. An entry ending in ``*`` matches any word
starting with it (German and French inflect: ``enttäusch*`` covers enttäuscht, enttäuschend,
Enttäuschung). Written for what customers write to a help desk; nobody has measured them on
labelled German or French data (the workspace holds none), so they are a reasonable first guess,
not a benchmarked model.
"""

from __future__ import annotations

from helpline.assist.lexicon import _parse, split_words

# -- German ---------------------------------------------------------------------------------------

DE_VALENCE: dict[str, float] = _parse(
    """
4: ausgezeichnet, hervorragend, fantastisch, phantastisch, großartig, grossartig, perfekt, wunderbar,
    traumhaft, genial, spitze, spitzenmäßig, erstklassig, begeistert, begeisternd, überragend, klasse,
    lieben, liebt, super
3: toll, prima, danke, dankeschön, dankbar, freue, freuen, freut, froh, glücklich, zufrieden,
    empfehlen, empfehle, empfehlenswert, schön, schöne, schönen, wunderschön, beeindruckend,
    beeindruckt, hilfreich, hilfsbereit, freundlich, freundliche, freundlichen, kompetent,
    kompetente, zuverlässig, zuverlässige, schnell, schnelle, schneller, unkompliziert, gelungen
2: gut, gute, guter, gutes, guten, nett, nette, netten, angenehm, einfach, problemlos, reibungslos,
    gelöst, behoben, funktioniert, klappt, geklappt, passt, gefällt, gefallen, erleichtert, lob,
    loben, fair, faire, sicher, pünktlich, rasch, zügig, erfreulich
1: okay, ok, ordentlich, brauchbar, korrekt, ja, akzeptabel, ausreichend, geduldig, höflich
-1: langsam, spät, verspätet, verspätung, warten, warte, wartet, gewartet, unklar, verwirrend,
    verwirrt, schwierig, kompliziert, problem, probleme, fehler, falsch, falsche, falschen, fehlt,
    fehlen, fehlende, leider, teuer, zweifel, unsicher, müde, langweilig, komisch, seltsam, storniert,
    stornieren, kündigen
-2: schlecht, schlechte, schlechter, schlechten, schlechtes, kaputt, defekt, beschädigt, mangelhaft,
    enttäusch*, ärger*, verärgert, nervig, nervt, genervt, frustrier*, unzufrieden, traurig, sauer,
    besorgt, sorge, beschwerde, beschweren, unfreundlich, unhöflich, nutzlos, sinnlos,
    ignoriert, unbrauchbar, mist, blöd, blöde, dumm, ärgerlich, unverschämt*, inakzeptabel, versagt,
    abgestürzt, stürzt, verloren, lüge, gelogen, betrogen, zumutung, angst
-3: schrecklich, furchtbar, fürchterlich, katastrophal, katastrophe, miserabel, grauenhaft,
    grauenvoll, entsetzlich, entsetzt, wütend, stinksauer, lächerlich, skandal*, unmöglich,
    unfähig, inkompetent, betrug, abzocke, abgezockt, frechheit, empörend, empört, desaster
-4: scheiße, scheiss, scheiß, beschissen, verdammt, verflucht, katastrophalste, schlechteste,
    schlimmste, unterirdisch
"""
)

DE_PHRASES: dict[str, float] = _parse(
    """
3: vielen dank, herzlichen dank, besten dank, tausend dank, sehr zufrieden, gerne wieder,
    immer wieder gerne, weiter so, top service
1: vielen dank im voraus, danke im voraus
0: mit freundlichen grüßen, mit freundlichem gruß, freundliche grüße, liebe grüße, viele grüße,
    beste grüße, herzliche grüße, schöne grüße, schönen tag, schönes wochenende, sehr geehrte, sehr geehrter
2: kein problem, nicht schlecht, alles gut, alles klar, hat geklappt, passt schon
-2: funktioniert nicht, geht nicht, klappt nicht, nicht zufrieden, keine antwort, keine rückmeldung,
    warte immer noch, warte seit, immer noch nicht, noch immer nicht, nie angekommen,
    nicht angekommen, nicht erhalten, die nase voll, reicht mir, doppelt abgebucht,
    in der warteschleife
-3: zeitverschwendung, nie wieder, so eine frechheit, das letzte, absolut unbrauchbar
"""
)

DE_NEGATIONS = frozenset(
    split_words(
        """nicht nichts nie niemals kein keine keinen keinem keiner keines niemand nirgends ohne weder
    kaum"""
    )
)

DE_INTENSIFIERS: dict[str, float] = {
    **dict.fromkeys(
        split_words(
            "sehr wirklich extrem total absolut völlig vollkommen äußerst ausgesprochen echt besonders "
            "unglaublich richtig wahnsinnig höchst zutiefst mega"
        ),
        1.4,
    ),
    **dict.fromkeys(split_words("so zu ganz ziemlich recht viel"), 1.2),
    **dict.fromkeys(split_words("etwas bisschen leicht wenig einigermaßen halbwegs eher"), 0.7),
}

DE_CONTRAST = frozenset(split_words("aber jedoch allerdings trotzdem dennoch obwohl sondern"))

# -- French ---------------------------------------------------------------------------------------

FR_VALENCE: dict[str, float] = _parse(
    """
4: excellent, excellente, parfait, parfaite, parfaitement, merveilleux, merveilleuse, fantastique,
    formidable, génial, géniale, magnifique, exceptionnel, exceptionnelle, extraordinaire, superbe,
    adore, adoré, ravi, ravie, enchanté, enchantée, impeccable
3: super, merci, remercie, remercions, content, contente, contents, heureux, heureuse, satisfait,
    satisfaite, recommande, recommander, bravo, efficace, efficaces, rapide, rapides, rapidement,
    agréable, aimable, serviable, compétent, compétente, réactif, réactive, sympa, sympathique,
    réussi, beau, belle, chouette, soulagé, soulagée, top
2: bien, bon, bonne, bons, bonnes, facile, facilement, simple, résolu, réglé, corrigé, fonctionne,
    marche, aime, plaît, utile, utiles, clair, claire, poli, polie, patient, patiente, fiable,
    sûr, correct, correcte
1: ok, oui, acceptable, convenable, raisonnable, suffisant, exact, normal
-1: lent, lente, lenteur, tard, retard, retardé, attendre, attends, attente, attendu, confus, confuse,
    compliqué, compliquée, difficile, problème, problèmes, souci, soucis, erreur, erreurs, faux,
    fausse, manque, manquant, manquante, malheureusement, désolé, désolée, doute,
    bizarre, étrange, annuler, annulé, annulée, fatigué, ennuyeux
-2: mauvais, mauvaise, mal, cassé, cassée, panne, défectueux, défectueuse, endommagé, endommagée,
    déçu, déçue, décevant, décevante, déception, mécontent, mécontente, insatisfait, insatisfaite,
    triste, inquiet, inquiète, inquiétude, énervé, énervée, énervant, agaçant, agacé, frustré,
    frustrée, frustrant, plainte, réclamation, impoli, impolie, inutile, ignoré, ignorée, nul, nulle,
    bête, perdu, perdue, plante, bloqué, bloquée, arnaque, mensonge, menti, pénible, peur
-3: horrible, terrible, affreux, affreuse, catastrophique, catastrophe, lamentable, inadmissible,
    inacceptable, scandaleux, scandaleuse, scandale, honteux, honteuse, honte, furieux, furieuse,
    ridicule, incompétent, incompétente, insupportable, désastreux, désastre, escroquerie, escroc,
    volé, voleurs, minable, pitoyable, pire
-4: merde, merdique, putain, dégueulasse, nullissime
"""
)

FR_PHRASES: dict[str, float] = _parse(
    """
3: merci beaucoup, merci infiniment, mille mercis, un grand merci, très satisfait, très satisfaite,
    au top, rien à redire
1: merci d'avance, merci par avance
0: bien cordialement, cordialement, bien à vous, salutations distinguées, bonne journée, bonne soirée,
    bon de commande, bon d'achat, bon de livraison, cher client, chère cliente, chère madame,
    cher monsieur
2: pas de problème, pas de souci, pas mal, tout va bien, ça marche, ça fonctionne, c'est réglé
-2: ne marche pas, ne fonctionne pas, ça ne marche pas, toujours rien, toujours pas,
    pas de réponse, aucune réponse, sans réponse, jamais reçu, pas reçu, jamais arrivé, perte de temps,
    en attente depuis, j'en ai marre, ras le bol, débité deux fois, prélevé deux fois
-3: plus jamais, service client nul, c'est une honte, n'importe quoi
"""
)

FR_NEGATIONS = frozenset(split_words("ne n pas jamais rien aucun aucune sans ni guère nullement"))

FR_INTENSIFIERS: dict[str, float] = {
    **dict.fromkeys(
        split_words(
            "très vraiment extrêmement totalement absolument complètement tellement particulièrement "
            "franchement hyper vachement profondément énormément carrément"
        ),
        1.4,
    ),
    **dict.fromkeys(split_words("si trop assez plutôt fort"), 1.2),
    **dict.fromkeys(split_words("peu légèrement moyennement"), 0.7),
}

FR_CONTRAST = frozenset(split_words("mais cependant pourtant toutefois néanmoins quoique sauf"))

# Sentence adverbs that a clause-final German "nicht" does not turn around ("leider ... nicht").
DE_NOT_NEGATED = frozenset(split_words("leider hoffentlich"))
