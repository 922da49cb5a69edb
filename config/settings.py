"""Settings from the environment (``LIANGSHAN_*``), apart from the plan, which is data."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_PLAN", "Settings", "get_settings"]

CONFIG_DIR = Path(__file__).resolve().parent
DEFAULT_PLAN = CONFIG_DIR / "plans" / "huyi.yaml"
DEFAULT_HOLIDAYS = CONFIG_DIR / "holidays.yaml"


class Settings(BaseSettings):
    """Where things are; every field can be set as ``LIANGSHAN_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="LIANGSHAN_", extra="ignore")

    plan: Path = Field(DEFAULT_PLAN, description="The plan file (LIANGSHAN_PLAN).")
    home: Path = Field(Path(".liangshan"), description="Where the SQLite file and evidence live.")
    db_url: SecretStr | None = Field(
        None, description="SQLAlchemy URL; unset means a SQLite file under home."
    )
    holidays: Path = Field(
        DEFAULT_HOLIDAYS, description="Override file of announced holidays and make-up workdays."
    )


def get_settings() -> Settings:
    """Read the settings now (never at import time: Prefect workers import modules fresh)."""
    return Settings()
