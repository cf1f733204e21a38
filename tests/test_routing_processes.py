"""Routing with two real server processes assigning at once on one PostgreSQL database: no agent
goes over capacity and nobody is given a ticket after going offline."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import PG_URL, World
from tests.test_chat import free_port
from tests.test_routing import _agents, _mode, _set

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs HELPLINE_TEST_DATABASE_URL (PostgreSQL)")

SERVER = """
import sys
import uvicorn
from helpline.app import create_app
from helpline.core.settings import Settings

url, data_dir, port = sys.argv[1:4]
settings = Settings(env="test", database_url=url, data_dir=data_dir, embedded_worker=False)
uvicorn.run(create_app(settings, run_worker=False), host="127.0.0.1", port=int(port), log_level="warning")
"""


def _start(database_url: str, data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    cmd = [sys.executable, "-c", SERVER, database_url, str(data_dir), str(port)]
    return subprocess.Popen(cmd, cwd=Path(__file__).parent.parent), f"http://127.0.0.1:{port}"


def _wait_up(base: str, proc: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("the server process did not start")


@pytest.fixture
def two_servers(database_url: str, tmp_path: Path) -> Iterator[Callable[[], tuple[str, str]]]:
    """Two server processes on the test's database, booting while the test sets up; call the
    fixture's value to wait until both answer."""
    started = [_start(database_url, tmp_path / name) for name in ("a", "b")]

    def ready() -> tuple[str, str]:
        deadline = time.monotonic() + 60  # generous for a loaded machine; ~5 s when quiet
        for proc, base in started:
            _wait_up(base, proc, deadline)
        return started[0][1], started[1][1]

    try:
        yield ready
    finally:
        for proc, _ in started:
            proc.terminate()
        for proc, _ in started:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_two_processes_never_exceed_capacity_or_pick_an_offline_agent(
    two_servers: Callable[[], tuple[str, str]], world: World
) -> None:
    steady, roomy, small, leaving, away = _agents(world, 5)
    capacity = {steady: 3, roomy: 4, small: 1, leaving: 3}
    for uid, cap in capacity.items():
        _set(world, uid, capacity=cap)
    _set(world, away, presence="offline", capacity=50)
    _mode(world, "least_loaded")

    a, b = two_servers()
    admin = {"Authorization": f"Bearer {world.admin.token}"}
    clients = [httpx.Client(base_url=base, headers=admin, timeout=30) for base in (a, b)]
    went_offline = threading.Event()
    offline_at: list[float] = []

    def arrive(i: int) -> tuple[float, dict[str, Any]]:
        if i == 12:  # part-way through, one agent signs off through process B
            r = clients[1].patch(f"/api/v1/routing/agents/{leaving}", json={"presence": "offline"})
            assert r.status_code == 200, r.text
            offline_at.append(time.monotonic())
            went_offline.set()
        started = time.monotonic()
        r = clients[i % 2].post(
            "/api/v1/tickets",
            json={
                "subject": f"Parallel {i}",
                "customer": {"email": f"c{i}@example.com", "name": f"Customer {i}"},
                "message": {"text": "Hello, where is my order?"},
                "team_id": world.support_team_id,
            },
        )
        assert r.status_code == 201, r.text
        return started, r.json()

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(arrive, range(40)))
    finally:
        for c in clients:
            c.close()

    assert went_offline.is_set()
    tickets = [t for _, t in results]
    assigned = Counter(t["assignee"]["id"] for t in tickets if t["assignee"])
    # Nobody over capacity, and those online throughout are full (the queue never emptied).
    assert all(assigned[uid] <= cap for uid, cap in capacity.items()), assigned
    assert {uid: assigned[uid] for uid in (steady, roomy, small)} == {steady: 3, roomy: 4, small: 1}
    assert assigned[away] == 0
    # Nothing that arrived after the sign-off was answered went to the agent who left.
    late = [t for started, t in results if started > offline_at[0]]
    assert late and not [t["id"] for t in late if t["assignee"] and t["assignee"]["id"] == leaving]
    assert sum(assigned.values()) + sum(1 for t in tickets if not t["assignee"]) == 40

    # What the API reports agrees with the tickets, from either process.
    loads = {x["user_id"]: x for x in world.admin.get("/api/v1/routing/agents").json()}
    assert all(loads[uid]["load"] <= cap for uid, cap in capacity.items())
    waiting = world.admin.get(f"/api/v1/routing/teams/{world.support_team_id}").json()["waiting"]
    assert waiting == 40 - sum(assigned.values())
