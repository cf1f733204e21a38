"""Pydantic building blocks shared by the feature schemas."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=160)]
ShortText = Annotated[str, StringConstraints(max_length=4000)]


class Strict(BaseModel):
    """Request bodies reject unknown fields so typos fail loudly instead of being ignored."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)
