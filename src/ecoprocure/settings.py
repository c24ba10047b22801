"""Typed settings: environment variables prefixed ``ECOPROCURE_`` and an optional TOML file.

Precedence (highest first): keyword arguments, environment, the TOML file named by
``ECOPROCURE_CONFIG`` (or ``<home>/ecoprocure.toml`` when it exists), defaults.
"""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ecoprocure.errors import ConfigurationError


class Settings(BaseSettings):
    """Everything ecoprocure can be configured with; each field documents itself."""

    model_config = SettingsConfigDict(env_prefix="ECOPROCURE_", extra="forbid")

    home: Path = Field(
        default=Path("ecoprocure-data"),
        description="Data directory: embedded database, kept uploads, reports, signing keys.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL. Default: SQLite file <home>/ecoprocure.db. "
        "PostgreSQL: postgresql+psycopg://user@host/db.",
    )
    keys_dir: Path | None = Field(
        default=None,
        description="Where scheme signing keys live (outside the database). Default: <home>/keys.",
    )
    uploads_dir: Path | None = Field(
        default=None,
        description="Where original imported files are kept. Default: <home>/uploads.",
    )
    import_batch_size: int = Field(
        default=5000, ge=100, le=200_000, description="Rows written per batch during bulk imports."
    )
    verify_rate_limit: str = Field(
        default="120/minute",
        description="Requests each client address may make to the public verification API, in the "
        "`limits` notation ('120/minute', '10/second;1000/hour'); 'off' disables the limit.",
    )
    auth_failure_rate_limit: str = Field(
        default="10/minute;50/hour",
        description="Failed authentications (missing, wrong or revoked API token) each client address "
        "may make before it gets 429 for a while, in the `limits` notation; 'off' disables the limit.",
    )
    rate_limit_storage: str = Field(
        default="memory://",
        description="Where rate-limit counters live: memory:// (one process) or a `limits` storage URL "
        "such as redis://host:6379 shared by several workers.",
    )
    session_hours: float = Field(
        default=8, gt=0, le=24 * 30, description="How long a login session of the web pages lasts (hours)."
    )
    cookie_secure: Literal["auto", "always", "never"] = Field(
        default="auto",
        description="The Secure flag of the session cookie: auto (when the request came over https, "
        "also behind a proxy that says so), always, or never (plain-http development only).",
    )
    upload_max_mb: int = Field(
        default=512, ge=1, le=100_000, description="Largest file the web pages accept for upload (MiB)."
    )
    dashboard_warm_up: bool = Field(
        default=True,
        description="Compute the unfiltered dashboard in the background when the server starts, so "
        "the first visitor does not wait for the pipeline run.",
    )

    @field_validator("database_url")
    @classmethod
    def _known_dialect(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError(
                f"unsupported database URL {value!r}: use sqlite:///PATH or postgresql+psycopg://…"
            )
        if value.startswith("postgresql://"):
            # psycopg 3 is the driver we ship; the bare scheme would ask for psycopg2.
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("verify_rate_limit", "auth_failure_rate_limit")
    @classmethod
    def _rate_limit(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip()
        if value.lower() in ("", "off"):
            return "off"
        from limits import parse_many  # local: only the web app and this check need it

        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(
                f"{info.field_name} {value!r} is not a rate: write e.g. 120/minute or 10/second;1000/hour"
            ) from exc
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'ecoprocure.db').resolve()}"

    @property
    def resolved_keys_dir(self) -> Path:
        return self.keys_dir or self.home / "keys"

    @property
    def resolved_uploads_dir(self) -> Path:
        return self.uploads_dir or self.home / "uploads"


def _config_file_values(home_hint: Path) -> dict[str, Any]:
    explicit = os.environ.get("ECOPROCURE_CONFIG")
    path = Path(explicit) if explicit else home_hint / "ecoprocure.toml"
    if not path.exists():
        if explicit:
            raise ConfigurationError(f"config file {path} (from ECOPROCURE_CONFIG) does not exist")
        return {}
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"config file {path}: {exc}") from exc
    section = data.get("ecoprocure", data)
    return {key: value for key, value in section.items() if f"ECOPROCURE_{key.upper()}" not in os.environ}


def load_settings(**overrides: Any) -> Settings:
    """Build settings from environment, config file and ``overrides`` (which win)."""
    home = Path(overrides.get("home") or os.environ.get("ECOPROCURE_HOME") or "ecoprocure-data")
    values = _config_file_values(home)
    values.update(overrides)
    try:
        return Settings(**values)
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process (cached); tests build their own with ``load_settings``."""
    return load_settings()
