"""Knowledge-base search on a large workspace: build, restart and search latency, memory.

    PYTHONPATH=src python bench/kb_search.py [--articles 100000] [--queries 300] [--json]

Articles are generated from the sentences and titles of the FAQ data sets in /work/shared/data/faq
(or a small built-in text when they are missing), each given a few made-up product words so the
vocabulary grows as a real help centre's does (~120 words per article). Encoding 100k articles with
MiniLM takes tens of minutes on two cores, so article and query vectors come from a hashing encoder
with the same shape (384 floats, L2-normalised); the real encoder's throughput and one-query
latency are measured on a sample and reported next to it, so the cold-build cost can be read off.

Measured in one run, on the same index and queries:

- ``build``: first build (analysis, BM25 postings, vectors, writing them to the vector store);
- ``restart``: a new process's start: the stored vectors and the stored analysis
  (``analysis.AnalysisFile``) are loaded, every article is hashed and found unchanged, the index
  is assembled and answers its first search (the bench fails if anything is analysed or encoded
  again, or if the restored index ranks differently from the baseline's);
- ``restart_without_analysis``: the baseline, as before the analysis was kept: the stored vectors
  only, every article analysed again (tokens, stems, passages, BM25);
- ``articles_read``: reading the articles back from a SQLite table, which a start also pays;
- ``edit_10_articles``: ten articles change and the index is rebuilt from the previous analysis;
- ``search``: ``HybridIndex.search`` (two-step above ``EXACT_LIMIT`` passages) against the
  baseline, exact scoring of every passage as the index did before (``np.maximum.at``), with top-1
  agreement and overlap of the top 10 between the two;
- memory: the index's arrays and postings, and the process's peak RSS.

Wall-clock and CPU time are both reported: on a shared machine the first grows with the load
average (printed at the end), the second much less.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from helpline.kb.analysis import AnalysisFile
from helpline.kb.retrieval import EXACT_LIMIT, Article, HybridIndex, Vectors
from helpline.kb.search import CachingEncoder
from helpline.kb.text import sentences
from helpline.kb.vectors import VectorStore

FAQ = Path("/work/shared/data/faq")
FALLBACK = (
    "Open Settings and choose Account. Click Reset password and follow the link we email you. "
    "Invoices are listed under Billing; download one as PDF. Export your data from the Privacy tab. "
    "If the app does not start, reinstall it and sign in again. Two-factor codes expire after 30 seconds."
)


class HashEncoder:
    """Bag of hashed words projected to 384 dimensions: cheap, and the same within one process."""

    def __init__(self, dim: int = 384, buckets: int = 1 << 15) -> None:
        self.dim = dim
        self.buckets = buckets
        self.projection = np.random.default_rng(5).standard_normal((buckets, dim)).astype(np.float32)
        self.calls = 0

    def encode(self, texts: list[str], batch_size: int = 32) -> Vectors:
        self.calls += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            # hash() differs between processes, which is fine: every vector of a run is made here.
            ids = [hash(t) % self.buckets for t in text.lower().split()]
            if ids:
                out[row] = self.projection[ids].sum(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return (out / np.maximum(norms, 1e-9)).astype(np.float32)


def corpus_parts() -> tuple[list[str], list[str]]:
    titles: list[str] = []
    sents: list[str] = []
    for name in ("stackfaq", "covidfaq"):
        path = FAQ / name / "kb.jsonl"
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            titles.append(" ".join(row["title"].split()))
            sents.extend(s for s in sentences(" ".join(row["body"].split())) if 4 <= len(s.split()) <= 60)
    if not sents:
        sents = sentences(FALLBACK)
        titles = [s.rstrip(".") for s in sents]
    return titles, sents


def make_articles(n: int, seed: int) -> list[Article]:
    rng = random.Random(seed)
    titles, sents = corpus_parts()
    syllables = ["ka", "lo", "mi", "ne", "ro", "ta", "vu", "zen", "pi", "dor", "qua", "sel", "fin", "gar"]
    products = ["".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(20_000)]
    articles = []
    for i in range(n):
        names = rng.sample(products, 3)
        title = f"{rng.choice(titles)} ({names[0]} {names[1]})"
        body_sents = [rng.choice(sents) for _ in range(rng.randint(3, 9))]
        body_sents.insert(rng.randint(0, len(body_sents)), f"This applies to {names[0]} and {names[2]}.")
        paragraphs = [
            " ".join(body_sents[: len(body_sents) // 2]),
            " ".join(body_sents[len(body_sents) // 2 :]),
        ]
        articles.append(Article(str(i), title, "\n\n".join(paragraphs)))
    return articles


def make_queries(articles: list[Article], count: int, seed: int) -> list[str]:
    rng = random.Random(seed + 1)
    out = []
    for _ in range(count):
        a = rng.choice(articles)
        tokens = (a.title + " " + rng.choice(sentences(a.body.replace("\n\n", " ")))).split()
        picked = rng.sample(tokens, min(len(tokens), rng.randint(4, 10)))
        if rng.random() < 0.2:  # a typo in a longer word
            long = [i for i, t in enumerate(picked) if len(t) > 5 and t.isalpha()]
            if long:
                i = rng.choice(long)
                picked[i] = picked[i][:2] + picked[i][3:]
        out.append(" ".join(picked))
    return out


def baseline_top(index: HybridIndex, query: str, qvec: Vectors, k: int = 10) -> list[int]:
    """The index's scoring before this bench: every passage scored, best per article via maximum.at."""
    best = np.full(len(index), -1.0, dtype=np.float32)
    np.maximum.at(best, index.owners, index.passage_vectors @ qvec)
    w = index.config.title_weight
    fused = (
        w * (index.title_vectors @ qvec)
        + (1.0 - w) * best
        + index.config.w_lexical * index.lexical_scores(query)
    )
    top = np.argpartition(-fused, k - 1)[:k]
    return [int(i) for i in top[np.argsort(-fused[top], kind="stable")]]


def percentiles(ms: list[float]) -> dict[str, float]:
    a = np.asarray(ms)
    return {f"p{p}": round(float(np.percentile(a, p)), 2) for p in (50, 95, 99)}


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize() / 2**20


def minilm_sample(texts: list[str]) -> dict[str, Any]:
    try:
        from helpline.assist.embeddings import Encoder

        encoder = Encoder.get()
    except Exception as error:
        return {"unavailable": str(error)}
    encoder.encode(["warm up"])
    started = time.perf_counter()
    encoder.encode(texts, batch_size=4)
    per_text = (time.perf_counter() - started) / len(texts)
    lat = []
    for q in texts[:30]:
        t0 = time.perf_counter()
        encoder.encode([" ".join(q.split()[:12])])
        lat.append((time.perf_counter() - t0) * 1000.0)
    return {"texts_per_second": round(1.0 / per_text, 1), "query_encode_ms": percentiles(lat)}


def read_from_sqlite(articles: list[Article], directory: Path) -> dict[str, float]:
    """What a process start adds before analysis: reading the published articles from the database
    (a plain SQLite table here, selected the way ``ArticleSearch`` selects them)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{directory / 'articles.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE a (id INTEGER PRIMARY KEY, title TEXT, body TEXT, locale TEXT)"))
        conn.execute(
            text("INSERT INTO a VALUES (:id, :title, :body, 'en')"),
            [{"id": int(a.id), "title": a.title, "body": a.body} for a in articles],
        )
    t0, c0 = time.perf_counter(), time.process_time()
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, title, body, locale FROM a ORDER BY id")).all()
    loaded = [Article(str(r.id), r.title, r.body, r.locale) for r in rows]
    engine.dispose()
    assert len(loaded) == len(articles)
    return {"seconds": round(time.perf_counter() - t0, 2), "cpu_seconds": round(time.process_time() - c0, 2)}


def say(message: str, started: float) -> None:
    print(f"[{time.perf_counter() - started:7.1f}s] {message}", file=sys.stderr, flush=True)


def run(n: int, n_queries: int, seed: int) -> dict[str, Any]:
    begin = time.perf_counter()
    rss0 = rss_mb()
    t0 = time.perf_counter()
    articles = make_articles(n, seed)
    queries = make_queries(articles, n_queries, seed)
    generate_s = time.perf_counter() - t0
    report: dict[str, Any] = {"articles": n, "queries": n_queries, "generate_seconds": round(generate_s, 1)}
    with tempfile.TemporaryDirectory() as tmp:
        store_dir = Path(tmp)
        say("articles generated; first build", begin)
        hasher = HashEncoder()
        caching = CachingEncoder(hasher, VectorStore(store_dir))
        t0, c0 = time.perf_counter(), time.process_time()
        index = HybridIndex(articles, encoder=caching)
        caching.forget_unused()
        build_s, build_cpu = time.perf_counter() - t0, time.process_time() - c0
        texts = len(index.title_vectors) + len(index.passage_vectors)
        store_bytes = sum(f.stat().st_size for f in store_dir.glob("kb-vectors-*/seg-*.npz"))
        report["build"] = {
            "seconds": round(build_s, 1),
            "cpu_seconds": round(build_cpu, 1),
            "vectors": texts,
            "passages": len(index.passage_vectors),
            "two_step": index.article_vectors is not None,
            "exact_limit": EXACT_LIMIT,
            "store_mb": round(store_bytes / 2**20, 1),
        }
        t0, c0 = time.perf_counter(), time.process_time()
        analysis_file = AnalysisFile(store_dir, "bench", index.config)
        analysis_file.save(index.analysis)
        report["build"]["analysis_write_seconds"] = round(time.perf_counter() - t0, 2)
        report["build"]["analysis_mb"] = round(analysis_file.path.stat().st_size / 2**20, 1)
        report["articles_read"] = read_from_sqlite(articles, store_dir)

        say("restart from the stored vectors only (the baseline: analyse everything again)", begin)
        del index, caching
        fresh = HashEncoder()
        t0, c0 = time.perf_counter(), time.process_time()
        store = VectorStore(store_dir)
        load_s = time.perf_counter() - t0
        index = HybridIndex(articles, encoder=CachingEncoder(fresh, store))
        restart_s, restart_cpu = time.perf_counter() - t0, time.process_time() - c0
        if fresh.calls:
            raise SystemExit(f"restart encoded {fresh.calls} texts: the vector store did not serve them")
        report["restart_without_analysis"] = {
            "seconds": round(restart_s, 1),
            "cpu_seconds": round(restart_cpu, 1),
            "store_load_seconds": round(load_s, 2),
        }
        reference = index

        say("restart from the stored vectors and analysis", begin)
        fresh = HashEncoder()
        t0, c0 = time.perf_counter(), time.process_time()
        store = VectorStore(store_dir)
        caching = CachingEncoder(fresh, store)
        previous = analysis_file.load()
        analysis_s = time.perf_counter() - t0
        index = HybridIndex(articles, encoder=caching, previous=previous)
        t1 = time.perf_counter()
        index.search(queries[0], qvec=hasher.encode([queries[0]])[0])  # builds the typo index once
        first_ms = (time.perf_counter() - t1) * 1000.0
        restart_s, restart_cpu = time.perf_counter() - t0, time.process_time() - c0
        if fresh.calls or index.analysis.reused != n:
            raise SystemExit("the restart analysed or encoded again what was stored")
        report["restart"] = {
            "seconds": round(restart_s, 1),
            "cpu_seconds": round(restart_cpu, 1),
            "store_and_analysis_load_seconds": round(analysis_s, 2),
            "first_search_ms": round(first_ms, 1),
            "ratio_to_baseline": round(restart_s / report["restart_without_analysis"]["seconds"], 3),
        }
        for q in queries[:20]:
            v = hasher.encode([q])[0]
            got = [h.position for h in index.search(q, k=10, qvec=v).hits]
            want = [h.position for h in reference.search(q, k=10, qvec=v).hits]
            if got != want:
                raise SystemExit(f"the restored index ranks {q!r} differently")
        del reference

        say("an edit of 10 articles (incremental re-analysis)", begin)
        rng = random.Random(seed + 2)
        edited = list(articles)
        for i in rng.sample(range(n), 10):
            a = edited[i]
            edited[i] = Article(a.id, a.title, a.body + " Updated: see the new steps in Settings.")
        t0, c0 = time.perf_counter(), time.process_time()
        after_edit = HybridIndex(edited, encoder=caching, previous=index.analysis)
        analysis_file.save(after_edit.analysis)
        report["edit_10_articles"] = {
            "seconds": round(time.perf_counter() - t0, 2),
            "cpu_seconds": round(time.process_time() - c0, 2),
            "reanalysed": n - after_edit.analysis.reused,
        }
        del after_edit

    say("searching", begin)
    qvecs = hasher.encode(queries)
    ours, base, ours_cpu, base_cpu, same1, overlap = [], [], [], [], 0, 0.0
    for q, v in zip(queries, qvecs, strict=True):
        t0, c0 = time.perf_counter(), time.process_time()
        hits = index.search(q, k=10, qvec=v).hits
        ours.append((time.perf_counter() - t0) * 1000.0)
        ours_cpu.append((time.process_time() - c0) * 1000.0)
        t0, c0 = time.perf_counter(), time.process_time()
        exact = baseline_top(index, q, v)
        base.append((time.perf_counter() - t0) * 1000.0)
        base_cpu.append((time.process_time() - c0) * 1000.0)
        mine = [h.position for h in hits]
        same1 += bool(mine) and mine[0] == exact[0]
        overlap += len(set(mine) & set(exact)) / 10.0
    report["search_ms"] = percentiles(ours)
    report["search_cpu_ms"] = percentiles(ours_cpu)
    report["baseline_exact_ms"] = percentiles(base)
    report["baseline_exact_cpu_ms"] = percentiles(base_cpu)
    report["top1_agreement"] = round(same1 / len(queries), 4)
    report["top10_overlap"] = round(overlap / len(queries), 4)
    report["index_memory_mb"] = round(index.memory_bytes / 2**20, 1)
    report["rss_growth_mb"] = round(rss_mb() - rss0, 1)
    report["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    say("MiniLM sample", begin)
    sample = [f"{a.title}. {a.body}" for a in articles[:64]]
    report["minilm"] = minilm_sample(sample)
    speed = report["minilm"].get("texts_per_second")
    if speed:
        report["minilm"]["cold_build_encode_minutes_estimate"] = round(texts / speed / 60.0, 1)
    with open("/proc/loadavg") as handle:
        report["load_average"] = handle.read().split()[:3]
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    report = run(args.articles, args.queries, args.seed)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
