"""Settings, health, OpenAPI, the audit log's immutability and the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from helpline.core.db import Database
from helpline.core.settings import SettingsError, load_settings
from tests.conftest import World, new_ticket


def test_health_and_openapi(client, world: World) -> None:
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["database"] in ("sqlite", "postgresql")
    spec = client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/tickets",
        "/api/v1/tickets/{ticket_id}/messages",
        "/api/v1/customers/{customer_id}",
        "/api/v1/users",
        "/api/v1/teams",
        "/api/v1/tokens",
    ):
        assert path in spec["paths"], path
    assert client.get("/nowhere").headers["content-type"] == "application/problem+json"


def test_audit_log_refuses_updates_and_deletes(world: World, db: Database) -> None:
    new_ticket(world.agent)
    for statement in ("UPDATE audit_log SET action = 'forged'", "DELETE FROM audit_log"):
        with pytest.raises(DatabaseError, match="append-only"), db.transaction() as s:
            s.execute(text(statement))
    with db.read_sessions() as s:
        assert s.scalar(text("SELECT count(*) FROM audit_log WHERE action = 'ticket.create'")) == 1


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HELPLINE_DATABASE_URL": "mysql://x"}, "HELPLINE_DATABASE_URL"),
        ({"HELPLINE_DATABASE_URL": "postgresql://u@h/db"}, "name the driver"),
        ({"HELPLINE_SMTP_LISTEN": "2525"}, "HELPLINE_SMTP_LISTEN: Value error, must be HOST:PORT"),
        ({"HELPLINE_ENV": "production"}, "placeholder"),
        ({"HELPLINE_EMBEDDED_WORKER": "maybe"}, "HELPLINE_EMBEDDED_WORKER"),
        ({"HELPLINE_ENCODER": "exakt"}, "HELPLINE_ENCODER: Value error, must be fast or exact"),
    ],
)
def test_bad_settings_fail_fast_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, env: dict, message: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError, match=message):
        load_settings()


def _cli(tmp_path: Path, *args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HELPLINE_DATA_DIR": str(tmp_path), "HELPLINE_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "helpline", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_cli_creates_users_and_tokens(tmp_path: Path, database_url: str, client) -> None:
    made = _cli(
        tmp_path,
        "createuser",
        "--email",
        "root@helpline.test",
        "--name",
        "Root",
        "--role",
        "admin",
        "--password",
        "a-long-password",
        database_url=database_url,
    )
    assert made.returncode == 0, made.stderr
    assert "created admin root@helpline.test" in made.stdout
    token = _cli(tmp_path, "token", "create", "--email", "root@helpline.test", database_url=database_url)
    assert token.returncode == 0, token.stderr
    secret = token.stdout.strip().splitlines()[-1]
    assert secret.startswith("hl_")
    me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.json()["email"] == "root@helpline.test"
    nobody = _cli(tmp_path, "token", "create", "--email", "ghost@helpline.test", database_url=database_url)
    assert nobody.returncode == 1 and "nobody has the email" in nobody.stderr
    dup = _cli(
        tmp_path, "createuser", "--email", "root@helpline.test", "--name", "Again", database_url=database_url
    )
    assert dup.returncode == 1 and "already exists" in dup.stderr
    bad = _cli(tmp_path, "db", "upgrade", database_url="oracle://nope")
    assert bad.returncode == 2 and "HELPLINE_DATABASE_URL" in bad.stderr


def test_db_upgrade_on_a_fresh_data_dir(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh' / 'helpline.db'}"
    done = _cli(tmp_path / "fresh", "db", "upgrade", database_url=url)
    assert done.returncode == 0 and "up to date" in done.stdout
    assert (tmp_path / "fresh" / "helpline.db").exists()
