from __future__ import annotations

from fastapi import APIRouter, Response, status
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from helpline.accounts import service
from helpline.accounts.models import Team, User
from helpline.accounts.schemas import (
    IssuedTokenOut,
    MemberIn,
    TeamCreate,
    TeamOut,
    TokenCreate,
    TokenOut,
    UserCreate,
    UserOut,
    UserUpdate,
)
from helpline.core.deps import AdminActor, CurrentActor, DbSession, StaffActor

router = APIRouter(tags=["accounts"])


@router.get("/users", response_model=list[UserOut], summary="Agents and admins")
def list_users(session: DbSession, _actor: StaffActor) -> list[UserOut]:
    users = session.scalars(select(User).options(selectinload(User.teams)).order_by(User.id))
    return [UserOut.of(u) for u in users]


@router.get("/users/me", response_model=UserOut)
def me(session: DbSession, actor: StaffActor) -> UserOut:
    return UserOut.of(service.get_user(session, actor.id or 0))


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserOut)
def create_user(body: UserCreate, session: DbSession, actor: AdminActor) -> UserOut:
    user = service.create_user(
        session,
        actor,
        email=str(body.email),
        name=body.name,
        role=body.role,
        password=body.password,
        ticket_access=body.ticket_access,
    )
    for team_id in body.team_ids:
        service.add_team_member(session, actor, team_id, user.id)
    session.flush()
    session.expire(user, ["teams"])
    return UserOut.of(service.get_user(session, user.id))


@router.get("/users/{user_id}", response_model=UserOut)
def get_user(user_id: int, session: DbSession, _actor: StaffActor) -> UserOut:
    return UserOut.of(service.get_user(session, user_id))


@router.patch("/users/{user_id}", response_model=UserOut)
def patch_user(user_id: int, body: UserUpdate, session: DbSession, actor: StaffActor) -> UserOut:
    user = service.update_user(session, actor, user_id, **body.model_dump(include=body.model_fields_set))
    return UserOut.of(user)


@router.get("/teams", response_model=list[TeamOut])
def list_teams(session: DbSession, _actor: StaffActor) -> list[TeamOut]:
    teams = session.scalars(select(Team).options(selectinload(Team.members)).order_by(Team.id))
    return [TeamOut.of(t) for t in teams]


@router.post("/teams", status_code=status.HTTP_201_CREATED, response_model=TeamOut)
def create_team(body: TeamCreate, session: DbSession, actor: AdminActor) -> TeamOut:
    team = service.create_team(session, actor, name=body.name, description=body.description)
    return TeamOut.of(service.get_team(session, team.id))


@router.get("/teams/{team_id}", response_model=TeamOut)
def get_team(team_id: int, session: DbSession, _actor: StaffActor) -> TeamOut:
    return TeamOut.of(service.get_team(session, team_id))


@router.post("/teams/{team_id}/members", response_model=TeamOut)
def add_member(team_id: int, body: MemberIn, session: DbSession, actor: AdminActor) -> TeamOut:
    return TeamOut.of(service.add_team_member(session, actor, team_id, body.user_id))


@router.delete("/teams/{team_id}/members/{user_id}", response_model=TeamOut)
def remove_member(team_id: int, user_id: int, session: DbSession, actor: AdminActor) -> TeamOut:
    return TeamOut.of(service.remove_team_member(session, actor, team_id, user_id))


@router.get("/tokens", response_model=list[TokenOut], summary="Your tokens (admins: all tokens)")
def list_tokens(session: DbSession, actor: CurrentActor) -> list[TokenOut]:
    return [TokenOut.of(t) for t in service.list_tokens(session, actor)]


@router.post(
    "/tokens",
    status_code=status.HTTP_201_CREATED,
    response_model=IssuedTokenOut,
    summary="Issue a token; the secret is shown only in this response",
)
def create_token(body: TokenCreate, session: DbSession, actor: CurrentActor) -> IssuedTokenOut:
    issued = service.create_token(
        session, actor, name=body.name, user_id=body.user_id, customer_id=body.customer_id
    )
    return IssuedTokenOut(**TokenOut.of(issued.token).model_dump(), token=issued.secret)


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def revoke_token(token_id: int, session: DbSession, actor: CurrentActor) -> Response:
    service.revoke_token(session, actor, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
