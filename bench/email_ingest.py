"""Email intake benchmark: N real messages through Helpline's SMTP server, end to end.

Measures, in one run and on one machine:
  * the raw accept rate of a sink SMTP server that only counts messages (the baseline);
  * Helpline's accept rate (250 after the raw message is durably stored);
  * Helpline's end-to-end rate: every message stored, parsed, threaded into a ticket, and every
    acknowledgement it earned handed to the (capturing) outbound relay;
  * the rate at which every side effect is done (events, webhooks, enrichment…);
  * acknowledgement latency: from our 250 to the acknowledgement reaching the relay.

By default the whole product runs, as under ``helpline serve`` (SLA clocks, routing, escalation
rules, enrichment); ``--features email`` runs the email pipeline alone. By default the outbox runner
works in this process, as ``helpline serve``'s embedded worker does; ``--workers N`` runs it in N
worker processes instead (``HELPLINE_EMBEDDED_WORKER=false`` plus ``helpline worker``), while this
process keeps the SMTP server, the sending clients and the relay.

Usage: python bench/email_ingest.py [--messages 1000] [--backend sqlite|postgresql|both]
                                    [--database-url URL] [--features all|email] [--workers N]
                                    [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from helpline.core.db import Database
from helpline.core.migrate import upgrade
from helpline.email import outbound
from helpline.email import service as _service  # noqa: F401  (registers the ingest handler)
from helpline.email.models import InboundEmail, Mailbox
from helpline.email.smtp import InboundSMTPServer, LenientController
from helpline.outbox import handlers as _handlers  # noqa: F401  (registers the event handler)
from helpline.outbox.models import OutboxItem
from helpline.outbox.runner import OutboxRunner

# the server (and a database on it to connect to) where throwaway bench databases are made
PG_BASE = os.environ.get("HELPLINE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SHARED = Path(os.environ.get("HELPLINE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class CountingSink:
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()
        self.arrived: dict[str, float] = {}  # In-Reply-To of what arrived -> when

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        now = time.perf_counter()
        head = (envelope.original_content or envelope.content or b"")[:8192]
        found = re.search(rb"^In-Reply-To:\s*<([^>]+)>", head, re.MULTILINE | re.IGNORECASE)
        with self.lock:
            self.count += 1
            if found:
                self.arrived[found.group(1).decode()] = now
        return "250 OK"


def corpus(n: int) -> list[bytes]:
    """Real messages from ../shared/data/emails when present, given fresh Message-IDs; else synthetic."""
    real: list[bytes] = []
    root = SHARED / "emails"
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.stat().st_size < 200_000 and path.suffix in ("", ".eml", ".txt"):
                real.append(path.read_bytes())
    rng = random.Random(7)
    out = []
    for i in range(n):
        msg = EmailMessage()
        msg["From"] = f"Customer {i % 97} <customer{i % 97}@example.com>"
        msg["To"] = "support@shop.test"
        msg["Subject"] = f"Question about order {rng.randint(1000, 9999)}"
        msg["Message-ID"] = make_msgid(domain="bench.example.com")
        body = real[i % len(real)].decode("utf-8", "replace")[:4000] if real else "Where is my parcel?"
        msg.set_content(body)
        out.append(msg.as_bytes())
    return out


def send_all(
    port: int, messages: list[bytes], connections: int = 4, accepted: dict[str, float] | None = None
) -> float:
    chunks = [messages[i::connections] for i in range(connections)]

    errors: list[BaseException] = []

    def worker(chunk: list[bytes]) -> None:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
                for raw in chunk:
                    client.sendmail("customer@example.com", ["support@shop.test"], raw)
                    if accepted is not None:
                        found = re.search(rb"^Message-ID:\s*<([^>]+)>", raw, re.MULTILINE | re.IGNORECASE)
                        assert found is not None
                        accepted[found.group(1).decode()] = time.perf_counter()
        except BaseException as error:  # surface it in the main thread instead of hanging
            errors.append(error)

    start = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"sending failed: {errors[0]!r}")
    return time.perf_counter() - start


def progress(done: int, total: int, label: str) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r{label:<12} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def database(backend: str, tmp: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'bench.db'}"
    name = f"helpline_bench_email_{os.getpid()}"
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_BASE.rsplit("/", 1)[0] + f"/{name}"


def drop(url: str) -> None:
    if url.startswith("postgresql"):
        admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
        admin.dispose()


def _load_features(features: str, data_dir: Path) -> None:
    if features == "all":
        import helpline.app  # noqa: F401  (every feature's hooks and jobs, as under serve)
        from helpline.assist import enrich

        enrich.configure(data_dir=data_dir)


def worker_main(url: str, relay_url: str, features: str, data_dir: str) -> None:
    """One worker process, as ``helpline worker`` runs it (the same features as the bench)."""
    db = Database(url)
    _load_features(features, Path(data_dir))
    outbound.configure(relay_url, "support@shop.test")
    runner = OutboxRunner(db)
    try:
        runner.run_forever()
    except KeyboardInterrupt:
        runner.stop()


def _start_workers(count: int, url: str, relay_url: str, features: str, data_dir: Path) -> list[Any]:
    here = str(Path(__file__).resolve())  # the children inherit PYTHONPATH: the same Helpline
    argv = [sys.executable, here, "--worker-process", url, relay_url, features, str(data_dir)]
    return [subprocess.Popen(argv) for _ in range(count)]


def _state(db: Database) -> tuple[int, int, int]:
    """(messages processed, acknowledgement sends still to go, side effects still to go)."""
    busy = ("pending", "processing")
    with db.read_sessions() as s:
        processed = s.scalar(
            select(func.count()).select_from(InboundEmail).where(InboundEmail.status != "stored")
        )
        sends = s.scalar(
            select(func.count())
            .select_from(OutboxItem)
            .where(OutboxItem.kind == "email.send", OutboxItem.status.in_(busy))
        )
        rest = s.scalar(select(func.count()).select_from(OutboxItem).where(OutboxItem.status.in_(busy)))
    return processed or 0, sends or 0, rest or 0


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def run(
    n: int, backend: str, url: str | None = None, features: str = "all", workers: int = 0
) -> dict[str, Any]:
    messages = corpus(n)
    sink = CountingSink()
    sink_port = free_port()
    sink_ctl = LenientController(sink, hostname="127.0.0.1", port=sink_port)
    sink_ctl.start()
    accepted: dict[str, float] = {}
    try:
        cpu = time.process_time()
        sink_seconds = send_all(sink_port, messages)
        sink_cpu = time.process_time() - cpu
        with tempfile.TemporaryDirectory() as tmp:
            own_db = url is None
            url = url or database(backend, Path(tmp))
            backend = make_url(url).get_backend_name()
            try:
                upgrade(url)
                db = Database(url)
                _load_features(features, Path(tmp))
                with db.transaction() as session:  # the address the bench writes to, as in a real setup
                    session.add(Mailbox(address="support@shop.test", name="Shop Support"))
                relay = CountingSink()
                relay_port = free_port()
                relay_ctl = LenientController(relay, hostname="127.0.0.1", port=relay_port)
                relay_ctl.start()
                relay_url = f"smtp://127.0.0.1:{relay_port}"
                outbound.configure(relay_url, "support@shop.test")
                runner = OutboxRunner(db, name="bench")
                procs = _start_workers(workers, url, relay_url, features, Path(tmp))
                if not workers:
                    runner.start_thread()
                server = InboundSMTPServer(db, f"127.0.0.1:{free_port()}")
                server.start()
                children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = time.process_time()
                start = time.perf_counter()
                accept_seconds = send_all(server.address[1], messages, accepted=accepted)
                end_to_end = drained = 0.0
                while not drained:
                    if any(proc.poll() is not None for proc in procs):
                        raise RuntimeError("a worker process died; see its output above")
                    processed, sends, rest = _state(db)
                    progress(processed, n, "processing")
                    now = time.perf_counter() - start
                    if processed >= n and not sends and not end_to_end:
                        end_to_end = now
                    if end_to_end and not rest:
                        drained = now
                    time.sleep(0.05)
                own_cpu = time.process_time() - cpu
                server.stop()
                runner.stop()
                for proc in procs:
                    proc.terminate()
                    proc.wait(30)
                children = resource.getrusage(resource.RUSAGE_CHILDREN)
                workers_cpu = sum(
                    getattr(children, f) - getattr(children_before, f) for f in ("ru_utime", "ru_stime")
                )
                relay_ctl.stop()
                with db.read_sessions() as s:
                    acks_queued = s.scalar(
                        select(func.count()).select_from(OutboxItem).where(OutboxItem.kind == "email.send")
                    )
                db.dispose()
            finally:
                if own_db:
                    drop(url)
    finally:
        sink_ctl.stop()
    latency = [relay.arrived[m] - accepted[m] for m in relay.arrived if m in accepted]
    return {
        "backend": backend,
        "features": features,
        "workers": workers,
        "messages": n,
        "sink_accept_per_s": round(n / sink_seconds, 1),
        "helpline_accept_per_s": round(n / accept_seconds, 1),
        "helpline_end_to_end_per_s": round(n / end_to_end, 1),
        "end_to_end_vs_sink": round((n / end_to_end) / (n / sink_seconds), 3),
        "all_side_effects_done_per_s": round(n / drained, 1),
        "acknowledgements_queued": acks_queued,
        "acknowledgements_sent": relay.count,
        "ack_latency_p50_s": round(_percentile(latency, 0.5), 3),
        "ack_latency_p95_s": round(_percentile(latency, 0.95), 3),
        "ack_latency_max_s": round(max(latency, default=float("nan")), 3),
        # CPU per message: the sink's phase (senders and sink, one process) against Helpline's
        # (senders, SMTP server, relay and, with --workers, the worker processes), until drained
        "sink_cpu_ms_per_message": round(sink_cpu / n * 1000, 2),
        "helpline_cpu_ms_per_message": round((own_cpu + workers_cpu) / n * 1000, 2),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument(
        "--database-url", help="an existing, empty database to run in (instead of a throwaway one)"
    )
    parser.add_argument("--features", choices=["all", "email"], default="all")
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="run the outbox in N worker processes instead of in this process (default 0)",
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--worker-process", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker_process:
        worker_main(*args.worker_process)
        return
    if args.database_url:
        results = [run(args.messages, "", args.database_url, args.features, args.workers)]
    else:
        backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
        results = [run(args.messages, b, None, args.features, args.workers) for b in backends]
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for r in results:
        print(f"\n{r['backend']}: {r['messages']} messages, features: {r['features']}")
        for key, value in r.items():
            if key not in ("backend", "messages", "features"):
                print(f"  {key:<28} {value}")


if __name__ == "__main__":
    main()
