from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting carries the LEDGER_ prefix: LEDGER_PORT=9000 moves the bind."""

    model_config = SettingsConfigDict(env_prefix="LEDGER_")

    host: str = "0.0.0.0"
    port: int = 8000
    database_url: str = "sqlite+aiosqlite:////data/ledger.db"
