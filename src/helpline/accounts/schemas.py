from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import StringConstraints

from helpline.accounts.models import ApiToken, Team, User
from helpline.core.schemas import Email, Name, Out, Strict

Role = Literal["admin", "agent"]
Access = Literal["all", "teams", "own"]
Password = Annotated[str, StringConstraints(min_length=10, max_length=200)]


class UserCreate(Strict):
    email: Email
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    role: Role = "agent"
    password: Password | None = None
    ticket_access: Access = "teams"
    team_ids: list[int] = []


class UserUpdate(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)] | None = None
    role: Role | None = None
    ticket_access: Access | None = None
    is_active: bool | None = None
    password: Password | None = None


class TeamRef(Out):
    id: int
    name: str


class UserOut(Out):
    id: int
    email: str
    name: str
    role: str
    ticket_access: str
    is_active: bool
    teams: list[TeamRef]
    created_at: dt.datetime

    @classmethod
    def of(cls, u: User) -> UserOut:
        return cls.model_validate(u)


class TeamCreate(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    description: Name = ""


class MemberIn(Strict):
    user_id: int


class MemberOut(Out):
    id: int
    name: str
    email: str


class TeamOut(Out):
    id: int
    name: str
    description: str
    members: list[MemberOut]

    @classmethod
    def of(cls, t: Team) -> TeamOut:
        return cls.model_validate(t)


class TokenCreate(Strict):
    name: Name = ""
    user_id: int | None = None
    customer_id: int | None = None


class TokenOut(Out):
    id: int
    name: str
    prefix: str
    user_id: int | None
    customer_id: int | None
    created_at: dt.datetime

    @classmethod
    def of(cls, t: ApiToken) -> TokenOut:
        return cls.model_validate(t)


class IssuedTokenOut(TokenOut):
    token: str
