"""Domain errors that the HTTP layer turns into RFC 9457 problem documents."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FieldProblem:
    field: str
    message: str


@dataclass
class DomainError(Exception):
    detail: str
    errors: list[FieldProblem] = field(default_factory=list)
    status: int = 400
    title: str = "Bad request"
    kind: str = "bad-request"

    def __str__(self) -> str:
        return self.detail


class NotFound(DomainError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, status=404, title="Not found", kind="not-found")


class Forbidden(DomainError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, status=403, title="Forbidden", kind="forbidden")


class Conflict(DomainError):
    def __init__(self, detail: str, errors: list[FieldProblem] | None = None) -> None:
        super().__init__(detail, errors or [], status=409, title="Conflict", kind="conflict")


class Invalid(DomainError):
    def __init__(self, detail: str, errors: list[FieldProblem] | None = None) -> None:
        super().__init__(detail, errors or [], status=422, title="Validation failed", kind="validation")

    @classmethod
    def field(cls, name: str, message: str) -> Invalid:
        return cls(f"{name}: {message}", [FieldProblem(name, message)])


class Unauthorized(DomainError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, status=401, title="Unauthorized", kind="unauthorized")
