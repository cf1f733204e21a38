"""Write the evaluation splits that docs/assist.md measures on, outside the project (default /tmp).

The workspace holds no test split for Banking77 or TweetEval, so ``helpline eval`` is run on splits
of the files it does hold. This script makes those splits reproducible (fixed seed, stratified):

* ``b77_train.csv`` / ``b77_heldout.csv``: Banking77 ``train.csv`` with 25 texts per intent held out
  (1,925 texts; the other 8,078 train);
* ``tweet_a.csv`` / ``tweet_b.csv``: TweetEval ``val.csv`` in two stratified halves (train on one,
  measure on the other, then the other way round).

Usage: python bench/assist_splits.py [--data /work/shared/data] [--out /tmp/helpline-eval] [--seed 0]
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
from collections import defaultdict
from pathlib import Path


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return [{"text": row["text"], "label": row["label"]} for row in csv.DictReader(handle)]


def write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["text", "label"])
        writer.writeheader()
        writer.writerows(rows)


def stratified(rows: list[dict[str, str]], pick: int | float, seed: int) -> tuple[list[int], list[int]]:
    """Indices (kept, held): per label ``pick`` rows (an int) or that share of them (a float)."""
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_label[row["label"]].append(i)
    rng = random.Random(seed)
    held: list[int] = []
    for label in sorted(by_label):
        idx = by_label[label]
        rng.shuffle(idx)
        count = pick if isinstance(pick, int) else round(len(idx) * pick)
        held.extend(idx[:count])
    chosen = set(held)
    return [i for i in range(len(rows)) if i not in chosen], sorted(held)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "helpline-eval")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    b77 = read_rows(args.data / "intents" / "banking77" / "train.csv")
    kept, held = stratified(b77, 25, args.seed)
    write_rows(args.out / "b77_train.csv", [b77[i] for i in kept])
    write_rows(args.out / "b77_heldout.csv", [b77[i] for i in held])
    tweets = read_rows(args.data / "sentiment" / "tweeteval" / "val.csv")
    a, b = stratified(tweets, 0.5, args.seed)
    write_rows(args.out / "tweet_a.csv", [tweets[i] for i in a])
    write_rows(args.out / "tweet_b.csv", [tweets[i] for i in b])
    sys.stdout.write(
        f"wrote {args.out}: b77_train {len(kept)}, b77_heldout {len(held)}, "
        f"tweet_a {len(a)}, tweet_b {len(b)}\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
