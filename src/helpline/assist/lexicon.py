"""Helpline's own English sentiment and emotion word lists (written for this project).

Valences run from -4 (very negative) to +4 (very positive). Entries ending in ``*`` match any word
starting with that stem. Multi-word phrases are matched before single words. The lists are
deliberately small and service-oriented: what customers write to a help desk and what people post.
"""

from __future__ import annotations

import re


def _parse(block: str) -> dict[str, float]:
    """Lines ``<valence>: term, term, ...``; a line without a valence continues the previous one."""
    out: dict[str, float] = {}
    value = 0.0
    for line in block.strip().splitlines():
        head, sep, terms = line.partition(":")
        if sep and re.fullmatch(r"\s*-?\d+(\.\d+)?\s*", head):
            value = float(head)
        else:
            terms = line
        for term in terms.split(","):
            term = term.strip()
            if term:
                out[term] = float(value)
    return out


def split_words(text: str) -> list[str]:
    return text.split()


VALENCE: dict[str, float] = _parse(
    """
4: amazing, awesome, excellent, fantastic, wonderful, outstanding, superb, brilliant, perfect, love,
    loved, loving, lovely, incredible, phenomenal, flawless, exceptional, delighted, thrilled, ecstatic,
    best, stellar, magnificent
3: great, happy, glad, pleased, beautiful, impressive, impressed, enjoy, enjoyed, enjoying, excited,
    exciting, fabulous, grateful, thankful, thank, thanks, thx, appreciate, appreciated, appreciation,
    recommend, recommended, favorite, favourite, fun, congrats, congratulations, yay, hooray, win,
    winning, won, celebrate, celebrating, proud, blessed, lucky, terrific, marvelous, marvellous,
    gorgeous, cute, adorable, sweet, kind, generous, helpful, lifesaver, hero, smooth, seamless, legend,
    legendary
2: good, nice, cool, like, liked, likes, fine, pleasant, friendly, fast, quick, quickly, easy, easily,
    clear, solved, resolved, fixed, works, working, useful, handy, reliable, improved, improvement,
    better, support, supportive, welcome, hope, hopeful, hopefully, interesting, positive, success,
    successful, satisfied, satisfying, comfortable, safe, calm, fair, valuable, worth, ready, haha,
    hahaha, lol, lmao, beautifully, smile, smiling, laugh, laughing, wow, fresh, glory, peace, victory,
    champion, champions, cheers, okay, ok, alright, funny, hilarious, entertaining, inspiring, inspired,
    inspiration, party, holiday, weekend
1: decent, reasonable, acceptable, sure, agree, agreed, yes, yeah, right, correct, accurate, prompt,
    promptly, patient, polite, courteous, honest, free, bonus, gift, special, new, tomorrow
-1: slow, late, wait, waiting, waited, delay, delayed, delays, confusing, confused, unclear, hard,
    difficult, issue, issues, problem, problems, bug, bugs, error, errors, mistake, wrong, missing,
    lost, doubt, unsure, tired, boring, bored, meh, weird, odd, strange, expensive, pricey,
    unfortunately, sorry, apologize, complicated, cancel, cancelled, canceled, no, not, nothing, never,
    hardly, lack, lacking, outdated, broke
-2: bad, poor, poorly, fail, failed, fails, failing, failure, broken, crash, crashed, crashes, crashing,
    stuck, annoying, annoyed, annoyance, frustrating, frustrated, frustration, disappointed,
    disappointing, disappointment, unhappy, sad, upset, worried, worry, worse, unacceptable, complain,
    complaint, complaints, rude, unhelpful, useless, pointless, ignored, ignoring, overcharged, refund,
    scam, spam, damaged, defective, faulty, ugly, stupid, dumb, sick, hurt, hurts, pain, painful, fear,
    afraid, scared, scary, angry, mad, hate, hated, hating, dislike, annoy, nightmare, mess, messed,
    ruined, ruin, fake, lie, lies, lied, liar, sucks, sucked, suck, shame, shameful, sadly, cry, crying,
    tears, died, death, dead, kill, killed, killing, war, attack, attacks, terror, terrorist, violence,
    crisis, lose, losing, loser, miss, problematic, negative, trouble, threat, threatened, fired,
    bitter, blame, guilty, alone, lonely, disgrace
-3: terrible, horrible, awful, worst, hateful, disgusting, disgusted, furious, outraged, outrageous,
    pathetic, ridiculous, appalling, atrocious, incompetent, unbelievable, infuriating, livid, fraud,
    stolen, steal, stole, robbed, rip-off, ripoff, dreadful, miserable, disaster, disastrous, tragic,
    tragedy, evil, racist, abuse, abused, abusive, murder, horrific, hell
-4: abysmal, despicable, vile, horrendous, unforgivable, fuck, fucking, fucked, shit, shitty, crap,
    crappy, wtf, bullshit, damn, damned, screw, screwed
"""
)

PHRASES: dict[str, float] = _parse(
    """
3: thank you, thanks a lot, well done, top notch, works like a charm, made my day, can't wait,
    cannot wait, looking forward, big fan
2: no problem, no worries, not bad, works great, works perfectly, all good, so far so good, happy to help
-2: not working, doesn't work, does not work, didn't work, did not work, stopped working, not happy,
    not satisfied, still waiting, no reply, no response, never received, never arrived, not received,
    not helpful, waste of time, waste of money, let down, fed up, sick of, tired of, had enough, no one,
    nobody cares, on hold, charged twice, double charged
-3: worst experience, never again, rip off, going elsewhere, cancel my account, total disaster,
    absolutely useless
"""
)

NEGATIONS = frozenset(
    split_words(
        """not no never none nobody nothing neither nor nowhere cannot can't cant don't dont doesn't doesnt
    didn't didnt isn't isnt aren't arent wasn't wasnt weren't werent won't wont wouldn't wouldnt
    shouldn't shouldnt couldn't couldnt haven't havent hasn't hasnt hadn't hadnt without lack lacks
    hardly barely ain't aint"""
    )
)

# Multipliers applied to the next sentiment word.
INTENSIFIERS: dict[str, float] = {
    **dict.fromkeys(
        split_words(
            "very really so extremely incredibly totally absolutely completely utterly truly super highly "
            "deeply seriously terribly awfully especially particularly hugely insanely ridiculously"
        ),
        1.4,
    ),
    **dict.fromkeys(split_words("most more too such quite pretty"), 1.2),
    **dict.fromkeys(split_words("slightly somewhat fairly kinda kind sorta bit little"), 0.7),
}

# Words after which the clause that follows dominates ("nice app but it crashes").
CONTRAST = frozenset({"but", "however", "although", "though", "yet", "except", "nevertheless"})

EMOTICONS: dict[str, float] = {
    ":)": 2,
    ":-)": 2,
    ":d": 3,
    ":-d": 3,
    ";)": 1.5,
    ":p": 1,
    "<3": 3,
    "xd": 2,
    "=)": 2,
    ":]": 2,
    ":(": -2,
    ":-(": -2,
    ":'(": -3,
    ":/": -1,
    ":-/": -1,
    ":|": -1,
    "</3": -3,
    ">:(": -3,
    "d:": -2,
    "😀": 3,
    "😃": 3,
    "😄": 3,
    "😁": 3,
    "😊": 3,
    "🙂": 2,
    "😍": 4,
    "🥰": 4,
    "😘": 3,
    "👍": 2,
    "🙏": 2,
    "🎉": 3,
    "❤": 3,
    "❤️": 3,
    "💕": 3,
    "💯": 2,
    "😂": 2,
    "🤣": 2,
    "😎": 2,
    "✨": 1,
    "🔥": 2,
    "💪": 2,
    "😞": -2,
    "😔": -2,
    "😢": -3,
    "😭": -3,
    "😡": -4,
    "😠": -3,
    "🤬": -4,
    "👎": -2,
    "💔": -3,
    "😤": -3,
    "😩": -2,
    "😫": -2,
    "🙄": -2,
    "😒": -2,
    "😱": -2,
    "😬": -1,
    "🤦": -2,
    "😕": -1,
}

# Emotions that matter in service. Each entry: stems/words, and phrases.
EMOTION_WORDS: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "anger": (
        frozenset(
            split_words(
                "angry anger furious fury livid outraged outrageous "
                "rage raging mad pissed infuriating infuriated "
                "terrible horrible awful worst "
                "disgusting disgusted disgrace appalling unacceptable "
                "ridiculous pathetic incompetent hate hateful "
                "scam fraud thieves liars liar wtf bullshit damn fuck fucking shit crap"
            )
        ),
        ("how dare", "sick and tired", "fed up", "rip off", "never again", "this is a joke", "i demand"),
    ),
    "frustration": (
        frozenset(
            split_words(
                "frustrated frustrating frustration annoying annoyed annoyance "
                "again still stuck useless pointless "
                "tired exhausted hassle nightmare endless ugh argh sigh waste wasted ignored impossible "
                "repeatedly constantly keeps seriously"
            )
        ),
        (
            "still waiting",
            "still not",
            "once again",
            "yet again",
            "for the third time",
            "for the second time",
            "no one",
            "nobody",
            "no reply",
            "no response",
            "keep getting",
            "keeps happening",
            "waste of time",
            "tired of",
            "had enough",
            "every time",
            "how many times",
            "already told",
            "already explained",
            "not working",
            "doesn't work",
            "does not work",
            "on hold",
        ),
    ),
    "confusion": (
        frozenset(
            split_words(
                "confused confusing unclear understand puzzled lost baffled unsure clarify clarification "
                "explain meaning mean weird strange huh"
            )
        ),
        (
            "don't understand",
            "do not understand",
            "doesn't make sense",
            "does not make sense",
            "not sure",
            "what does",
            "what do you mean",
            "how do i",
            "how does",
            "i don't know how",
            "can't figure",
            "cannot figure",
            "no idea",
            "which one",
            "makes no sense",
        ),
    ),
    "anxiety": (
        frozenset(
            split_words(
                "worried worry worrying anxious nervous scared "
                "afraid fear frightened panic panicking concerned "
                "concern stressed stress stressful desperate desperately hacked stolen fraud unauthorized "
                "suspicious risk lose losing"
            )
        ),
        (
            "what if",
            "is my money",
            "is my account",
            "i'm scared",
            "i am scared",
            "someone used",
            "don't recognize",
            "do not recognize",
            "didn't make",
            "did not make",
            "locked out",
            "not safe",
            "at risk",
        ),
    ),
    "gratitude": (
        frozenset(
            split_words(
                "thanks thank thx ty grateful thankful appreciate appreciated appreciation kudos cheers "
                "lifesaver helpful"
            )
        ),
        ("thank you", "much appreciated", "many thanks", "you're the best", "you are the best", "great help"),
    ),
    "urgency": (
        frozenset(
            split_words(
                "urgent urgently asap immediately emergency critical now today tonight deadline quickly "
                "hurry rush priority"
            )
        ),
        (
            "right now",
            "as soon as possible",
            "right away",
            "as a matter of urgency",
            "time sensitive",
            "time-sensitive",
            "by tomorrow",
            "by end of day",
            "before friday",
            "need this fixed",
            "can't wait",
            "cannot wait",
            "within the hour",
            "straight away",
        ),
    ),
}
