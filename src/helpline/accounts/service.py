"""Service actions for staff accounts, teams and API tokens."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from helpline.accounts.models import ApiToken, Team, TeamMember, User
from helpline.accounts.security import hash_password, hash_token, new_token, verify_password
from helpline.audit.service import changes, record
from helpline.core.actor import Actor, ActorKind
from helpline.core.db import utcnow
from helpline.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from helpline.customers.models import Customer

ROLES = ("admin", "agent")
TICKET_ACCESS = ("all", "teams", "own")
MIN_PASSWORD = 10


def _require_admin(actor: Actor, what: str) -> None:
    if not actor.is_admin:
        raise Forbidden(f"only admins can {what}")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise Invalid.field("password", f"must be at least {MIN_PASSWORD} characters")


def _user_snapshot(user: User) -> dict[str, object]:
    return {
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "ticket_access": user.ticket_access,
        "is_active": user.is_active,
    }


def actor_for_user(session: Session, user: User) -> Actor:
    team_ids = frozenset(session.scalars(select(TeamMember.team_id).where(TeamMember.user_id == user.id)))
    kind = ActorKind.ADMIN if user.role == "admin" else ActorKind.AGENT
    return Actor(kind, user.id, user.name, team_ids, user.ticket_access)


def actor_for_customer(customer: Customer) -> Actor:
    return Actor(ActorKind.CUSTOMER, customer.id, customer.name)


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id, options=[selectinload(User.teams)])
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    return user


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def create_user(
    session: Session,
    actor: Actor,
    *,
    email: str,
    name: str,
    role: str = "agent",
    password: str | None = None,
    ticket_access: str = "teams",
) -> User:
    _require_admin(actor, "create users")
    if role not in ROLES:
        raise Invalid.field("role", f"must be one of {', '.join(ROLES)}")
    if ticket_access not in TICKET_ACCESS:
        raise Invalid.field("ticket_access", f"must be one of {', '.join(TICKET_ACCESS)}")
    email = email.strip().lower()
    if find_user_by_email(session, email) is not None:
        raise Conflict(f"a user with email {email} already exists")
    if password is not None:
        _check_password(password)
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        ticket_access="all" if role == "admin" else ticket_access,
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.flush()
    record(session, actor, "user.create", "user", user.id, None, _user_snapshot(user))
    return user


def update_user(
    session: Session,
    actor: Actor,
    user_id: int,
    *,
    name: str | None = None,
    role: str | None = None,
    ticket_access: str | None = None,
    is_active: bool | None = None,
    password: str | None = None,
) -> User:
    if actor.id != user_id or role is not None or ticket_access is not None or is_active is not None:
        _require_admin(actor, "change other users, roles or access")
    user = get_user(session, user_id)
    before = _user_snapshot(user)
    if role is not None:
        if role not in ROLES:
            raise Invalid.field("role", f"must be one of {', '.join(ROLES)}")
        user.role = role
    if ticket_access is not None:
        if ticket_access not in TICKET_ACCESS:
            raise Invalid.field("ticket_access", f"must be one of {', '.join(TICKET_ACCESS)}")
        user.ticket_access = ticket_access
    if name is not None:
        user.name = name.strip()
    if is_active is not None:
        user.is_active = is_active
    if password is not None:
        _check_password(password)
        user.password_hash = hash_password(password)
    old, new = changes(before, _user_snapshot(user))
    if password is not None:
        old["password"], new["password"] = "[old]", "[changed]"
    if new:
        record(session, actor, "user.update", "user", user.id, old, new)
    return user


def authenticate_password(session: Session, email: str, password: str) -> User:
    user = find_user_by_email(session, email)
    if user is None or not user.is_active or not verify_password(user.password_hash, password):
        raise Unauthorized("wrong email or password")
    return user


# -- teams ---------------------------------------------------------------------------------------
def create_team(session: Session, actor: Actor, *, name: str, description: str = "") -> Team:
    _require_admin(actor, "create teams")
    name = name.strip()
    if session.scalar(select(Team.id).where(Team.name == name)) is not None:
        raise Conflict(f"a team named {name!r} already exists")
    team = Team(name=name, description=description)
    session.add(team)
    session.flush()
    record(session, actor, "team.create", "team", team.id, None, {"name": name})
    return team


def get_team(session: Session, team_id: int) -> Team:
    team = session.get(Team, team_id, options=[selectinload(Team.members)])
    if team is None:
        raise NotFound(f"team {team_id} does not exist")
    return team


def add_team_member(session: Session, actor: Actor, team_id: int, user_id: int) -> Team:
    _require_admin(actor, "change team membership")
    team = get_team(session, team_id)
    get_user(session, user_id)
    if session.get(TeamMember, (team_id, user_id)) is None:
        session.add(TeamMember(team_id=team_id, user_id=user_id))
        record(session, actor, "team.add_member", "team", team_id, None, {"user_id": user_id})
        session.flush()
        session.refresh(team, ["members"])
    return team


def remove_team_member(session: Session, actor: Actor, team_id: int, user_id: int) -> Team:
    _require_admin(actor, "change team membership")
    team = get_team(session, team_id)
    gone = session.execute(
        delete(TeamMember).where(TeamMember.team_id == team_id, TeamMember.user_id == user_id)
    )
    if gone.rowcount:  # type: ignore[attr-defined]
        record(session, actor, "team.remove_member", "team", team_id, {"user_id": user_id}, None)
        session.flush()
        session.refresh(team, ["members"])
    return team


# -- API tokens ----------------------------------------------------------------------------------
@dataclass
class IssuedToken:
    token: ApiToken
    secret: str


def create_token(
    session: Session,
    actor: Actor,
    *,
    name: str = "",
    user_id: int | None = None,
    customer_id: int | None = None,
) -> IssuedToken:
    """Issue a token for a user or a customer; the secret is returned once and never stored."""
    if user_id is None and customer_id is None:
        if actor.kind is ActorKind.CUSTOMER:
            customer_id = actor.id
        else:
            user_id = actor.id
    if customer_id is not None and user_id is not None:
        raise Invalid.field("customer_id", "give a user or a customer, not both")
    is_own = (user_id is not None and user_id == actor.id and not actor.is_customer) or (
        customer_id is not None and actor.is_customer and customer_id == actor.id
    )
    if not is_own:
        _require_admin(actor, "issue tokens for someone else")
    if user_id is not None:
        get_user(session, user_id)
    if customer_id is not None and session.get(Customer, customer_id) is None:
        raise NotFound(f"customer {customer_id} does not exist")
    secret = new_token()
    token = ApiToken(
        name=name,
        prefix=secret[:10],
        token_hash=hash_token(secret),
        user_id=user_id,
        customer_id=customer_id,
    )
    session.add(token)
    session.flush()
    record(
        session,
        actor,
        "token.create",
        "api_token",
        token.id,
        None,
        {"user_id": user_id, "customer_id": customer_id, "name": name},
    )
    return IssuedToken(token, secret)


def list_tokens(session: Session, actor: Actor) -> list[ApiToken]:
    stmt = select(ApiToken).where(ApiToken.revoked_at.is_(None)).order_by(ApiToken.id)
    if actor.is_customer:
        stmt = stmt.where(ApiToken.customer_id == actor.id)
    elif not actor.is_admin:
        stmt = stmt.where(ApiToken.user_id == actor.id)
    return list(session.scalars(stmt))


def revoke_token(session: Session, actor: Actor, token_id: int) -> None:
    visible = {t.id: t for t in list_tokens(session, actor)}
    token = visible.get(token_id)
    if token is None:
        raise NotFound(f"token {token_id} does not exist")
    token.revoked_at = utcnow()
    record(session, actor, "token.revoke", "api_token", token.id, {"revoked": False}, {"revoked": True})


def authenticate_token(session: Session, secret: str) -> Actor:
    token = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == hash_token(secret), ApiToken.revoked_at.is_(None))
    )
    if token is None:
        raise Unauthorized("the bearer token is unknown or revoked")
    if token.user_id is not None:
        user = session.get(User, token.user_id)
        if user is None or not user.is_active:
            raise Unauthorized("the token's user is deactivated")
        return actor_for_user(session, user)
    customer = session.get(Customer, token.customer_id)
    if customer is None:
        raise Unauthorized("the token's customer no longer exists")
    if customer.merged_into_id is not None:
        customer = session.get(Customer, customer.merged_into_id) or customer
    return actor_for_customer(customer)
