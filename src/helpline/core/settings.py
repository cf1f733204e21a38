"""Settings from ``HELPLINE_*`` environment variables, validated at start-up.

A bad value stops the process with a message naming the variable and what is wrong with it.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "secret", "dev-insecure-secret"})


class SettingsError(Exception):
    """Raised when the environment holds a setting Helpline cannot use."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HELPLINE_", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("./helpline-data")
    database_url: str = ""
    redis_url: str = ""
    secret_key: str = "dev-insecure-secret"  # noqa: S105 (refused outside development)
    smtp_listen: str = "127.0.0.1:2525"
    smtp_relay_url: str = ""
    smtp_enabled: bool = True
    smtp_restrict_to_mailboxes: bool = False
    mail_from: str = "support@helpline.localhost"
    base_url: str = ""
    embedded_worker: bool = True
    outbox_max_attempts: int = Field(default=8, ge=1, le=100)
    outbox_lease_seconds: int = Field(default=60, ge=5, le=3600)
    page_size_max: int = Field(default=200, ge=10, le=1000)
    attachment_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    # Read by the encoder itself (assist/embeddings.py); checked here so a typo stops the start.
    encoder: str = "fast"

    @field_validator("encoder")
    @classmethod
    def _check_encoder(cls, value: str) -> str:
        if value not in ("", "fast", "exact"):
            raise ValueError("must be fast or exact")
        return value or "fast"

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        if value and not value.startswith(("sqlite:", "postgresql")):
            raise ValueError("must start with sqlite:/// or postgresql+psycopg://")
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            raise ValueError("name the driver: use postgresql+psycopg://user@host/db")
        return value

    @field_validator("smtp_listen")
    @classmethod
    def _check_listen(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("must be HOST:PORT, for example 127.0.0.1:2525")
        return value

    @field_validator("smtp_relay_url")
    @classmethod
    def _check_relay(cls, value: str) -> str:
        if value and not value.startswith(("smtp://", "smtps://", "smtp+starttls://")):
            raise ValueError("must start with smtp://, smtp+starttls:// or smtps://")
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @model_validator(mode="after")
    def _check_secret(self) -> Settings:
        if self.env == "production" and (
            self.secret_key.lower() in PLACEHOLDER_SECRETS or len(self.secret_key) < 16
        ):
            raise ValueError(
                "HELPLINE_SECRET_KEY is a placeholder or shorter than 16 characters; "
                "set a long random value in production"
            )
        return self

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'helpline.db').resolve()}"


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "settings"
        name = f"HELPLINE_{field.upper()}" if item["loc"] else "settings"
        lines.append(f"{name}: {item['msg']}")
    return "invalid configuration:\n  " + "\n  ".join(lines)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        raise SettingsError(_describe(error)) from None


@functools.cache
def get_settings() -> Settings:
    return load_settings()
