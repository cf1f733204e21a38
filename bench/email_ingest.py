"""Email intake benchmark: N real messages through Helpline's SMTP server, end to end.

Measures, in one run and on one machine:
  * the raw accept rate of a sink SMTP server that only counts messages (the baseline);
  * Helpline's accept rate (250 after the raw message is durably stored);
  * Helpline's end-to-end rate: stored, parsed, threaded into tickets and acknowledged
    (acknowledgements go to a capture relay).

Usage: python bench/email_ingest.py [--messages 1000] [--backend sqlite|postgresql] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import smtplib
import sys
import tempfile
import threading
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text

from helpline.core.db import Database
from helpline.core.migrate import upgrade
from helpline.email import outbound
from helpline.email import service as _service  # noqa: F401  (registers the ingest handler)
from helpline.email.models import InboundEmail
from helpline.email.smtp import InboundSMTPServer, LenientController
from helpline.outbox import handlers as _handlers  # noqa: F401  (registers the event handler)
from helpline.outbox.runner import OutboxRunner

PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
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

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            self.count += 1
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


def send_all(port: int, messages: list[bytes], connections: int = 4) -> float:
    chunks = [messages[i::connections] for i in range(connections)]

    errors: list[BaseException] = []

    def worker(chunk: list[bytes]) -> None:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
                for raw in chunk:
                    client.sendmail("customer@example.com", ["support@shop.test"], raw)
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


def run(n: int, backend: str) -> dict[str, Any]:
    messages = corpus(n)
    sink = CountingSink()
    sink_port = free_port()
    sink_ctl = LenientController(sink, hostname="127.0.0.1", port=sink_port)
    sink_ctl.start()
    try:
        sink_seconds = send_all(sink_port, messages)
        with tempfile.TemporaryDirectory() as tmp:
            url = database(backend, Path(tmp))
            try:
                upgrade(url)
                db = Database(url)
                relay = CountingSink()
                relay_port = free_port()
                relay_ctl = LenientController(relay, hostname="127.0.0.1", port=relay_port)
                relay_ctl.start()
                outbound.configure(f"smtp://127.0.0.1:{relay_port}", "support@shop.test")
                runner = OutboxRunner(db, name="bench")
                runner.start_thread()
                server = InboundSMTPServer(db, f"127.0.0.1:{free_port()}")
                server.start()
                start = time.perf_counter()
                accept_seconds = send_all(server.address[1], messages)
                while True:
                    with db.read_sessions() as s:
                        done = (
                            s.scalar(
                                select(func.count())
                                .select_from(InboundEmail)
                                .where(InboundEmail.status != "stored")
                            )
                            or 0
                        )
                    progress(done, n, "processing")
                    if done >= n:
                        break
                    time.sleep(0.2)
                end_to_end = time.perf_counter() - start
                server.stop()
                runner.stop()
                relay_ctl.stop()
                db.dispose()
            finally:
                drop(url)
    finally:
        sink_ctl.stop()
    return {
        "backend": backend,
        "messages": n,
        "sink_accept_per_s": round(n / sink_seconds, 1),
        "helpline_accept_per_s": round(n / accept_seconds, 1),
        "helpline_end_to_end_per_s": round(n / end_to_end, 1),
        "end_to_end_vs_sink": round((n / end_to_end) / (n / sink_seconds), 3),
        "acknowledgements_sent": relay.count,
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = [run(args.messages, b) for b in backends]
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for r in results:
        print(f"\n{r['backend']}: {r['messages']} messages")
        for key, value in r.items():
            if key not in ("backend", "messages"):
                print(f"  {key:<28} {value}")


if __name__ == "__main__":
    main()
