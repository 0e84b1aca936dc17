"""The bot's configuration: exactly the environment variables of docs/contracts.md, validated
at start-up. Every offending variable gets one line of its own, in our words: what it must be,
and what it got (never the value of a secret)."""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_core import ErrorDetails, PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.infrastructure.token_shapes import (
    WHERE_BOT_TOKEN,
    app_token_problem,
    bot_token_problem,
    is_placeholder,
)
from bot.persistence.database import DatabaseUrlError, database_url
from core.errors import field_errors
from core.kinds import looks_like_a_proposal
from core.policy import Policy

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_OUR_PROBLEM = "finetune_setting"  # the error type of a problem described in our own words

# What each variable accepts, said when its value is refused.
ALLOWED: dict[str, str] = {
    "SLACK_BOT_TOKEN": f"must be {WHERE_BOT_TOKEN}",
    "SLACK_SIGNING_SECRET": "must be the signing secret from your app's Basic Information page",
    "SLACK_APP_TOKEN": "must be an app-level token (xapp-…), or unset for HTTP mode",
    "SLACK_API_URL": "must be an http(s) URL of the Slack Web API, e.g. https://slack.com/api/",
    "DATABASE_URL": "must be a SQLAlchemy URL such as sqlite+aiosqlite:///finetune-check.db",
    "PORT": "must be a whole number from 1 to 65535",
    "FISCAL_YEAR_START_MONTH": "must be a whole number from 1 (January) to 12 (December)",
    "TIMEZONE": "must be an IANA time zone name such as UTC or Europe/Berlin",
    "POLICY_FILE": "must be the path of a readable TOML policy file of flat keys",
    "REMINDER_OFFSETS_DAYS": "must be comma-separated whole numbers of days above 0, e.g. 14,7,3,1",
    "REMINDER_HOUR": "must be a whole number from 0 to 23",
    "COMMITTEE_USER_IDS": "must be comma-separated Slack user ids, e.g. U012ABC,U034DEF",
}

# What to do about a required variable that is not set.
WHEN_MISSING: dict[str, str] = {
    "SLACK_BOT_TOKEN": f"set it to {WHERE_BOT_TOKEN}",
    "SLACK_SIGNING_SECRET": (
        "HTTP mode (SLACK_APP_TOKEN unset) needs the signing secret from your app's Basic "
        "Information page"
    ),
}

# Variables whose value is never echoed in an error (tokens, passwords inside URLs).
_SECRET_VALUES = {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "DATABASE_URL"}


class SettingsError(Exception):
    """Missing or malformed environment variables, one line each."""

    def __init__(self, lines: Sequence[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = list(lines)


class PolicyFileError(ValueError):
    """A policy file that cannot be read or holds something other than a valid policy."""


def _problem(text: str) -> PydanticCustomError:
    """A refusal whose text (after ``VARIABLE: ``) is ours, used as it is."""
    return PydanticCustomError(_OUR_PROBLEM, "{problem}", {"problem": text})


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
    # The app token comes before the signing secret: whether the secret is needed depends on it.
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = Field(default=None, validate_default=True)
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
    def _bot_token_shape(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value().strip()
        if not token:
            raise PydanticCustomError("missing", "Field required")
        problem = bot_token_problem(token)
        if problem:
            raise _problem(problem)
        return SecretStr(token)

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        token = value.get_secret_value().strip()
        problem = app_token_problem(token)
        if problem:
            raise _problem(problem)
        return SecretStr(token)

    @field_validator("slack_signing_secret")
    @classmethod
    def _signing_secret_in_http_mode(
        cls, value: SecretStr | None, info: ValidationInfo
    ) -> SecretStr | None:
        if "slack_app_token" not in info.data:  # the app token was refused: said on its own
            return value
        secret = value.get_secret_value().strip() if value is not None else ""
        if info.data["slack_app_token"] is None and not secret:
            raise PydanticCustomError("missing", "Field required")
        if secret and is_placeholder(secret):
            raise _problem(
                "still holds a placeholder; paste the signing secret from your app's Basic "
                "Information page"
            )
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
            raise _problem(str(error).removeprefix("DATABASE_URL ")) from error
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
            try:
                read_policy(value)
            except PolicyFileError as error:
                raise _problem(str(error)) from error
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
        wrong = [user_id for user_id in value if not _USER_ID.match(user_id)]
        if wrong:
            raise _problem(f"{ALLOWED['COMMITTEE_USER_IDS']}; {_are_not(wrong)}")
        return value

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
    """Read and validate a TOML policy file; raise PolicyFileError saying what is wrong in it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not UTF-8 text"
        raise PolicyFileError(f"cannot read {path} ({reason})") from error
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyFileError(f"{path} is not valid TOML: {error}") from error
    if looks_like_a_proposal(values):
        raise PolicyFileError(f"{path} looks like a proposal, not a policy")
    try:
        return Policy.from_mapping(values)
    except ValidationError as error:
        problems = "; ".join(f"{found.field} {found.message}" for found in field_errors(error))
        raise PolicyFileError(f"{path}: {problems}") from error


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Load settings from the environment (and .env), or from `environ` alone when given."""
    try:
        if environ is None:
            return Settings()
        return Settings.model_validate(_field_values(environ))
    except ValidationError as error:
        raise SettingsError(describe(error)) from None


def _field_values(environ: Mapping[str, str]) -> dict[str, str]:
    fields = Settings.model_fields
    return {name.lower(): value for name, value in environ.items() if name.lower() in fields}


def describe(error: ValidationError) -> list[str]:
    """One line per offending variable: its name, what it must be, and what it got."""
    by_variable: dict[str, list[ErrorDetails]] = defaultdict(list)
    for details in error.errors():
        by_variable[str(details["loc"][0]).upper()].append(details)
    return [f"{name}: {_what_is_wrong(name, found)}" for name, found in by_variable.items()]


def _what_is_wrong(variable: str, found: list[ErrorDetails]) -> str:
    first = found[0]
    if first["type"] == "missing":
        return f"is not set; {WHEN_MISSING.get(variable, 'set it')}"
    if first["type"] == _OUR_PROBLEM:
        return str((first.get("ctx") or {})["problem"])
    allowed = ALLOWED.get(variable, "is not valid")
    if variable in _SECRET_VALUES:
        return allowed
    items = [details["input"] for details in found if len(details["loc"]) > 1]
    if items:  # a value of a comma-separated list
        return f"{allowed}; {_are_not(items)}"
    return f"{allowed}; got {_shown(first['input'])}"


def _are_not(values: Sequence[object]) -> str:
    """ "'seven' is not one" or "'a', 'b' are not"."""
    shown = ", ".join(repr(str(value)) for value in values)
    return f"{shown} is not one" if len(values) == 1 else f"{shown} are not"


def _shown(value: object) -> str:
    if isinstance(value, list):
        return repr(",".join(map(str, value)))
    return repr(value) if isinstance(value, str) else repr(str(value))
