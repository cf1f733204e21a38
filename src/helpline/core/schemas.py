"""Pydantic building blocks shared by the feature schemas."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=160)]
ShortText = Annotated[str, StringConstraints(max_length=4000)]


def _email(value: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(
            value.strip(), check_deliverability=False, test_environment=True
        ).normalized.lower()
    except EmailNotValidError as error:
        raise ValueError(f"is not a valid email address: {error}") from None


Email = Annotated[str, StringConstraints(max_length=254), AfterValidator(_email)]


class Strict(BaseModel):
    """Request bodies reject unknown fields so typos fail loudly instead of being ignored."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)
