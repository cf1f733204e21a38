"""Rebuild the sentiment model shipped in ``assist/vendor/sentiment_goemotions.npz``.

It is trained from GoEmotions (Demszky et al. 2020, Apache-2.0; the workspace copy lives in
``shared/data/emotion/goemotions/``, ``train.csv`` and ``dev.csv``): each comment's emotions are
grouped into sentiment the way the GoEmotions paper groups them, comments whose emotions disagree or
are ambiguous (confusion, curiosity, realization, surprise) are left out. Only the weights (about
10 KB) ship, never the data::

    python -m helpline.assist.train_sentiment path/to/goemotions/train.csv path/to/goemotions/dev.csv
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from helpline.assist.lexicon import split_words
from helpline.assist.progress import Progress
from helpline.assist.sentiment import DEFAULT_MODEL, SentimentModel

POSITIVE = frozenset(
    split_words(
        "admiration amusement approval caring desire excitement gratitude joy love optimism pride relief"
    )
)
NEGATIVE = frozenset(
    split_words(
        "anger annoyance disappointment disapproval disgust embarrassment fear grief nervousness remorse "
        "sadness"
    )
)
AMBIGUOUS = frozenset(split_words("confusion curiosity realization surprise"))


def sentiment_of(emotions: set[str]) -> str | None:
    positive, negative = bool(emotions & POSITIVE), bool(emotions & NEGATIVE)
    neutral = "neutral" in emotions
    if positive and not negative and not neutral:
        return "positive"
    if negative and not positive and not neutral:
        return "negative"
    if neutral and not positive and not negative and not emotions & AMBIGUOUS:
        return "neutral"
    return None


def load_goemotions(path: Path) -> tuple[list[str], list[str]]:
    texts: list[str] = []
    labels: list[str] = []
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            label = sentiment_of(set((row.get("labels") or "").split(";")))
            if label is not None and row.get("text"):
                texts.append(row["text"])
                labels.append(label)
    return texts, labels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("goemotions_csv", type=Path, nargs="+")
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL)
    args = parser.parse_args(argv)
    texts, labels = [], []
    for path in args.goemotions_csv:
        more_texts, more_labels = load_goemotions(path)
        texts += more_texts
        labels += more_labels
    from helpline.assist.evaluation import encode_all
    from helpline.assist.intents import default_encoder

    bar = Progress(True)
    encoder = default_encoder()
    embeddings = encode_all(encoder, texts, bar.stage("encoding"))
    model = SentimentModel(encoder, l2=1e-2).fit(
        texts, labels, embeddings=embeddings, on_epoch=bar.stage("training"), calibrate=False
    )
    model.save(args.out)
    sys.stdout.write(f"wrote {args.out} from {len(texts)} comments\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
