"""What the tests of init's reading share: the fixtures' folders, a minimal app, and how findings and environments read."""

from __future__ import annotations

from pathlib import Path

from fastapi_stackops.adopt.app_environment import app_environment
from fastapi_stackops.adopt.reading import read_repository
from tests.utils import written

BARE = Path(__file__).resolve().parents[1] / "fixtures" / "bare"
SHAPES = Path(__file__).resolve().parents[1] / "fixtures" / "shapes"
APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"
#: The stack's RabbitMQ as a URL.
AMQP = "amqp://app:${RABBITMQ_PASSWORD}@rabbitmq:5672/%2F"


def lines(repo) -> list[str]:
    return [finding.line() for finding in repo.findings]


def nested_environment(tmp_path: Path, models: str, fields: str, requirements: str, prefix: str = "") -> dict[str, str]:
    """The environment init gives a settings class with nested groups (`__`), its models written before it."""
    head = "from pydantic import BaseModel\nfrom pydantic_settings import BaseSettings, SettingsConfigDict\n\n"
    options = "env_nested_delimiter='__'" + (f", env_prefix='{prefix}'" if prefix else "")
    config = f"{head}{models}class Settings(BaseSettings):\n    model_config = SettingsConfigDict({options})\n{fields}"
    files = {"requirements.txt": f"{requirements}\npydantic-settings\n", "main.py": APP, "config.py": config}
    return app_environment(read_repository(written(tmp_path, files)))
