"""Pydantic building blocks shared by the feature schemas."""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated, Any

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


def sent_fields(model: BaseModel, not_null: Collection[str] | None = None) -> dict[str, Any]:
    """The fields a PATCH body actually sent. ``null`` is refused (422, naming the field) for the
    fields in ``not_null``, or for every field when ``not_null`` is None."""
    from helpline.core.errors import Invalid

    sent = model.model_dump(include=model.model_fields_set)
    for key, value in sent.items():
        if value is None and (not_null is None or key in not_null):
            raise Invalid.field(key, f"{key} cannot be null")
    return sent
