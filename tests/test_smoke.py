from tests.conftest import World, new_ticket


def test_agent_creates_and_lists_ticket(world: World) -> None:
    t = new_ticket(world.agent, team_id=world.support_team_id)
    assert t["status"] == "new"
    page = world.agent.get("/api/v1/tickets").json()
    assert [i["id"] for i in page["items"]] == [t["id"]]
