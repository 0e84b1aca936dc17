"""The bot's configuration: the environment variables of docs/contracts.md, validated at start."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.persistence.database import DatabaseUrlError, database_url
from core.policy import Policy

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")

# What each variable accepts, quoted when a value is missing or refused.
ALLOWED: dict[str, str] = {
    "SLACK_BOT_TOKEN": "set it to the bot token (xoxb-…) from your app's OAuth page",
    "SLACK_SIGNING_SECRET": (
        "set it to the signing secret from your app's Basic Information page "
        "(required in HTTP mode, i.e. when SLACK_APP_TOKEN is not set)"
    ),
    "SLACK_APP_TOKEN": "leave it unset for HTTP mode, or set an app-level token (xapp-…)",
    "SLACK_API_URL": "an http(s) URL of the Slack Web API, e.g. https://slack.com/api/",
    "DATABASE_URL": "a SQLAlchemy URL such as sqlite+aiosqlite:///finetune-check.db",
    "PORT": "a whole number from 1 to 65535",
    "FISCAL_YEAR_START_MONTH": "a whole number from 1 (January) to 12 (December)",
    "TIMEZONE": "an IANA time zone name such as UTC or Europe/Berlin",
    "POLICY_FILE": "the path of a readable TOML policy file of flat keys",
    "REMINDER_OFFSETS_DAYS": "comma-separated whole numbers of days above 0, e.g. 14,7,3,1",
    "REMINDER_HOUR": "a whole number from 0 to 23",
    "COMMITTEE_USER_IDS": "comma-separated Slack user ids, e.g. U012ABC,U034DEF",
}


# Variables whose value is never echoed in an error (tokens, passwords inside URLs).
_SECRET_VALUES = {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "DATABASE_URL"}


class SettingsError(Exception):
    """A missing or malformed environment variable, described in one line."""


def _split_commas(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _blank_is_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


class Settings(BaseSettings):
    """Every setting of the bot; tokens stay secret in logs and reprs."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    slack_bot_token: SecretStr
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = "sqlite+aiosqlite:///finetune-check.db"
    port: Annotated[int, Field(ge=1, le=65535)] = 3000
    fiscal_year_start_month: Annotated[int, Field(ge=1, le=12)] = 1
    timezone: str = "UTC"
    policy_file: Path | None = None
    reminder_offsets_days: Annotated[list[Annotated[int, Field(gt=0)]], NoDecode] = Field(
        default_factory=lambda: [14, 7, 3, 1], min_length=1
    )
    reminder_hour: Annotated[int, Field(ge=0, le=23)] = 9
    committee_user_ids: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator(
        "slack_signing_secret", "slack_app_token", "policy_file", "timezone", mode="before"
    )
    @classmethod
    def _blank_means_unset(cls, value: Any) -> Any:
        return _blank_is_none(value)

    @field_validator("slack_bot_token")
    @classmethod
    def _token_present(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise PydanticCustomError("missing", "Field required")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("not an app-level token")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_shape(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("not an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _database_url_shape(cls, value: str) -> str:
        try:
            database_url(value)
        except DatabaseUrlError as error:
            raise ValueError(str(error)) from error
        return value

    @field_validator("timezone", mode="before")
    @classmethod
    def _timezone_known(cls, value: Any) -> Any:
        if value is None:
            return "UTC"
        try:
            ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError("unknown time zone") from error
        return value

    @field_validator("policy_file")
    @classmethod
    def _policy_file_loads(cls, value: Path | None) -> Path | None:
        if value is not None:
            read_policy(value)
        return value

    @field_validator("reminder_offsets_days", "committee_user_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        return _split_commas(value)

    @field_validator("reminder_offsets_days")
    @classmethod
    def _offsets_descending(cls, value: list[int]) -> list[int]:
        return sorted(set(value), reverse=True)

    @field_validator("committee_user_ids")
    @classmethod
    def _user_ids_shape(cls, value: list[str]) -> list[str]:
        for user_id in value:
            if not _USER_ID.match(user_id):
                raise ValueError(f"{user_id!r} is not a Slack user id")
        return value

    @model_validator(mode="after")
    def _signing_secret_in_http_mode(self) -> Settings:
        if self.slack_app_token is None and not self._has_signing_secret():
            raise ValueError("SLACK_SIGNING_SECRET")
        return self

    def _has_signing_secret(self) -> bool:
        secret = self.slack_signing_secret
        return secret is not None and bool(secret.get_secret_value().strip())

    @property
    def socket_mode(self) -> bool:
        """Whether the app connects over Socket Mode (an app-level token is set)."""
        return self.slack_app_token is not None

    @property
    def zone(self) -> ZoneInfo:
        """The configured time zone."""
        return ZoneInfo(self.timezone)

    def load_policy(self) -> Policy:
        """The policy in force: POLICY_FILE's values, or the framework's defaults."""
        return Policy() if self.policy_file is None else read_policy(self.policy_file)


def read_policy(path: Path) -> Policy:
    """Read and validate a TOML policy file; raise ValueError with a readable reason."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror or error}") from error
    try:
        return Policy.from_toml(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path} is not valid TOML: {error}") from error
    except ValidationError as error:
        raise ValueError(f"{path}: {_policy_problem(error)}") from error


def _policy_problem(error: ValidationError) -> str:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "policy"
    return f"{key}: {first['msg']}"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Load settings from the environment (and .env), or from `environ` alone when given."""
    try:
        if environ is None:
            return Settings()
        return Settings.model_validate(_field_values(environ))
    except ValidationError as error:
        raise SettingsError(describe(error, environ)) from None


def _field_values(environ: Mapping[str, str]) -> dict[str, str]:
    fields = Settings.model_fields
    return {name.lower(): value for name, value in environ.items() if name.lower() in fields}


def describe(error: ValidationError, environ: Mapping[str, str] | None = None) -> str:
    """One line naming the first offending variable and what it accepts."""
    first = error.errors()[0]
    if not first["loc"]:
        variable = str(first.get("ctx", {}).get("error", "")) or "SLACK_SIGNING_SECRET"
        return f"{variable} is missing: {ALLOWED.get(variable, 'set it')}"
    variable = str(first["loc"][0]).upper()
    allowed = ALLOWED.get(variable, "see docs/contracts.md")
    if first["type"] == "missing":
        return f"{variable} is missing: {allowed}"
    reason = _reason(first, variable)
    if reason.startswith(variable):
        return reason
    return f"{variable} is invalid ({reason}): {allowed}"


def _reason(detail: Any, variable: str) -> str:
    message = str(detail.get("ctx", {}).get("error", "")) or detail["msg"]
    message = message.removeprefix("Value error, ")
    if variable in _SECRET_VALUES:
        return message
    value = detail.get("input")
    return f"{message}; got {value!r}" if isinstance(value, str | int) else message
