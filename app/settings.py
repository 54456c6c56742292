"""The service's settings: one pydantic-settings object read from APP_* variables."""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import Literal

from pydantic import Field, FilePath, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class Settings(BaseSettings):
    """Every knob of the service; defaults suit a single container with SQLite."""

    model_config = SettingsConfigDict(env_prefix="APP_", frozen=True, extra="ignore")

    title: str = Field("Notes service", min_length=1, description="Shown in /docs and /openapi.json (OpenAPI needs one).")
    database_url: str = Field(
        "sqlite:///./data/app.db",
        description="SQLAlchemy URL; sqlite:////data/app.db in the image, postgresql+psycopg://... for PostgreSQL.",
    )
    database_password: SecretStr | None = Field(
        None, description="Put into database_url's password, escaped, so it may hold any character."
    )
    database_password_file: FilePath | None = Field(
        None,
        description="A file holding the password (a Swarm or Kubernetes secret); read when database_password is unset or empty.",
    )
    db_wait_seconds: float = Field(60, ge=0, description="How long start-up waits for the database before giving up.")
    # Per worker process: WEB_CONCURRENCY x (size + overflow) must stay under
    # the server's max_connections (PostgreSQL's default is 100).
    db_pool_size: int = Field(10, ge=1, description="Connections each worker keeps open to the database.")
    db_pool_overflow: int = Field(10, ge=0, description="Extra connections a worker may open under load.")
    db_pool_timeout: float = Field(10, gt=0, description="Seconds a request waits for a free connection before it gets 503.")
    log_level: LogLevel = Field("INFO", description="Level of the JSON logs on stdout.")
    testing_endpoints: bool = Field(
        False, description="Serve /api/v1/_testing/* (slow requests for shutdown tests). Never in prod."
    )

    def password(self) -> str | None:
        if self.database_password is not None and self.database_password.get_secret_value():
            return self.database_password.get_secret_value()
        if self.database_password_file is not None:
            # Secrets files often end in a newline the password does not have.
            return self.database_password_file.read_text().rstrip("\n")
        return None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def describe_error(error: ValidationError) -> str:
    """Turn a pydantic error into one line naming the variable and what it expects."""
    parts = []
    for item in error.errors():
        name = "APP_" + "_".join(str(p) for p in item["loc"]).upper()
        parts.append(f"{name}: {item['msg']} (got {item.get('input')!r})")
    return "invalid setting " + "; ".join(parts)


@lru_cache
def get_settings() -> Settings:
    """The settings of this process; a bad value ends it with one clear line."""
    try:
        return Settings()
    except ValidationError as error:
        # "ERROR:" like uvicorn's plain lines, so log readers count it as one.
        print(f"ERROR: {describe_error(error)}", file=sys.stderr)
        raise SystemExit(2) from None
