"""Staff accounts, teams and API tokens."""

from __future__ import annotations

from sqlalchemy import select

from helpline.accounts.models import ApiToken, User
from helpline.core.db import Database
from tests.conftest import World


def test_admin_creates_an_agent_in_a_team(world: World, db: Database) -> None:
    response = world.admin.post(
        "/api/v1/users",
        json={
            "email": "Nia@Helpline.test",
            "name": "Nia New",
            "password": "correct horse battery",
            "team_ids": [world.support_team_id],
        },
    )
    assert response.status_code == 201, response.text
    user = response.json()
    assert user["email"] == "nia@helpline.test" and user["teams"] == [
        {"id": world.support_team_id, "name": "Support"}
    ]
    with db.read_sessions() as s:
        stored = s.scalar(select(User.password_hash).where(User.id == user["id"]))
    assert stored and stored.startswith("$argon2id$") and "correct horse" not in stored
    assert (
        world.admin.post("/api/v1/users", json={"email": "nia@helpline.test", "name": "X"}).status_code == 409
    )
    short = world.admin.post(
        "/api/v1/users", json={"email": "z@helpline.test", "name": "Z", "password": "short"}
    )
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "password"
    assert (
        world.agent.post("/api/v1/users", json={"email": "q@helpline.test", "name": "Q"}).status_code == 403
    )


def test_agents_cannot_raise_their_own_role(world: World) -> None:
    me = world.agent.get("/api/v1/users/me").json()
    assert me["role"] == "agent"
    assert world.agent.patch(f"/api/v1/users/{me['id']}", json={"role": "admin"}).status_code == 403
    assert world.agent.patch(f"/api/v1/users/{me['id']}", json={"name": "Samuel"}).json()["name"] == "Samuel"
    assert world.agent.patch(f"/api/v1/users/{world.other_agent.id}", json={"name": "X"}).status_code == 403


def test_deactivated_users_lose_api_access(world: World) -> None:
    assert world.admin.patch(f"/api/v1/users/{world.agent.id}", json={"is_active": False}).status_code == 200
    assert world.agent.get("/api/v1/tickets").status_code == 401


def test_teams_and_membership(world: World) -> None:
    team = world.admin.post("/api/v1/teams", json={"name": "Tier 2", "description": "Specialists"}).json()
    added = world.admin.post(f"/api/v1/teams/{team['id']}/members", json={"user_id": world.agent.id}).json()
    assert [m["id"] for m in added["members"]] == [world.agent.id]
    assert world.admin.post("/api/v1/teams", json={"name": "Tier 2"}).status_code == 409
    assert world.admin.post(f"/api/v1/teams/{team['id']}/members", json={"user_id": 999}).status_code == 404
    removed = world.admin.delete(f"/api/v1/teams/{team['id']}/members/{world.agent.id}").json()
    assert removed["members"] == []
    assert {t["name"] for t in world.agent.get("/api/v1/teams").json()} == {"Support", "Billing", "Tier 2"}
    assert world.customer.get("/api/v1/teams").status_code == 403


def test_tokens_are_stored_hashed_shown_once_and_revocable(world: World, db: Database) -> None:
    issued = world.agent.post("/api/v1/tokens", json={"name": "laptop"})
    assert issued.status_code == 201
    secret = issued.json()["token"]
    with db.read_sessions() as s:
        hashes = list(s.scalars(select(ApiToken.token_hash)))
    assert secret not in hashes and all(len(h) == 64 for h in hashes)
    listed = world.agent.get("/api/v1/tokens").json()
    assert "token" not in listed[0] and {t["name"] for t in listed} == {"agent", "laptop"}
    headers = {"Authorization": f"Bearer {secret}"}
    assert world.agent.client.get("/api/v1/users/me", headers=headers).status_code == 200
    assert world.agent.delete(f"/api/v1/tokens/{issued.json()['id']}").status_code == 204
    assert world.agent.client.get("/api/v1/users/me", headers=headers).status_code == 401
    # Nobody revokes or mints someone else's token without being an admin.
    assert world.other_agent.delete(f"/api/v1/tokens/{listed[0]['id']}").status_code == 404
    assert world.agent.post("/api/v1/tokens", json={"user_id": world.other_agent.id}).status_code == 403
    for_customer = world.admin.post("/api/v1/tokens", json={"customer_id": world.customer.id}).json()
    assert (
        world.agent.client.get(
            "/api/v1/tickets", headers={"Authorization": f"Bearer {for_customer['token']}"}
        ).status_code
        == 200
    )


def test_guessing_tokens_is_rate_limited(world: World) -> None:
    client = world.agent.client
    codes = [
        client.get("/api/v1/tickets", headers={"Authorization": f"Bearer hl_guess{i}"}).status_code
        for i in range(25)
    ]
    assert codes[:20] == [401] * 20 and codes[-1] == 429
    limited = client.get("/api/v1/tickets", headers={"Authorization": "Bearer hl_again"})
    assert int(limited.headers["retry-after"]) > 0
    assert limited.json()["title"] == "Too many requests"
