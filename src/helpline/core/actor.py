"""Who is acting: every service action and every visibility query takes an Actor."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ActorKind(StrEnum):
    ADMIN = "admin"
    AGENT = "agent"
    CUSTOMER = "customer"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: int | None = None
    name: str = ""
    team_ids: frozenset[int] = field(default_factory=frozenset)
    ticket_access: str = "teams"

    @property
    def is_staff(self) -> bool:
        return self.kind in (ActorKind.ADMIN, ActorKind.AGENT, ActorKind.SYSTEM)

    @property
    def is_admin(self) -> bool:
        return self.kind in (ActorKind.ADMIN, ActorKind.SYSTEM)

    @property
    def is_customer(self) -> bool:
        return self.kind is ActorKind.CUSTOMER

    @property
    def audit_kind(self) -> str:
        return "user" if self.kind in (ActorKind.ADMIN, ActorKind.AGENT) else self.kind.value


SYSTEM = Actor(ActorKind.SYSTEM, None, "Helpline")
