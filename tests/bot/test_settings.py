"""Settings: the documented variables with their defaults, and one-line errors naming each."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import ALLOWED, Settings, SettingsError, load_settings
from core.policy import Policy

HTTP_MODE = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "secret"}


def refused(**environ: str) -> str:
    with pytest.raises(SettingsError) as caught:
        load_settings(environ)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_the_defaults_follow_the_design() -> None:
    settings = load_settings(HTTP_MODE)
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.database_url == "sqlite+aiosqlite:///finetune-check.db"
    assert settings.port == 3000
    assert settings.fiscal_year_start_month == 1
    assert settings.timezone == "UTC"
    assert settings.policy_file is None
    assert settings.reminder_offsets_days == [14, 7, 3, 1]
    assert settings.reminder_hour == 9
    assert settings.committee_user_ids == []
    assert settings.socket_mode is False


def test_comma_separated_values_become_lists() -> None:
    settings = load_settings(
        {**HTTP_MODE, "REMINDER_OFFSETS_DAYS": "3, 10,1", "COMMITTEE_USER_IDS": "U01ABC, W02DEF"}
    )
    assert settings.reminder_offsets_days == [10, 3, 1]
    assert settings.committee_user_ids == ["U01ABC", "W02DEF"]


def test_tokens_stay_secret_in_the_repr() -> None:
    settings = load_settings({**HTTP_MODE, "SLACK_BOT_TOKEN": "xoxb-very-secret"})
    assert "xoxb-very-secret" not in repr(settings)
    assert settings.slack_bot_token.get_secret_value() == "xoxb-very-secret"


def test_a_missing_bot_token_is_named_with_where_to_find_it() -> None:
    message = refused(SLACK_SIGNING_SECRET="secret")
    assert message.startswith("SLACK_BOT_TOKEN is missing")
    assert "xoxb-" in message


def test_an_empty_bot_token_counts_as_missing() -> None:
    assert refused(SLACK_BOT_TOKEN=" ", SLACK_SIGNING_SECRET="s").startswith(
        "SLACK_BOT_TOKEN is missing"
    )


def test_http_mode_needs_the_signing_secret() -> None:
    assert refused(SLACK_BOT_TOKEN="xoxb-1").startswith("SLACK_SIGNING_SECRET is missing")


def test_socket_mode_needs_no_signing_secret() -> None:
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1-abc"})
    assert settings.socket_mode is True


def test_an_app_token_of_the_wrong_kind_is_refused_without_echoing_it() -> None:
    message = refused(**HTTP_MODE, SLACK_APP_TOKEN="xoxb-wrong")
    assert message.startswith("SLACK_APP_TOKEN is invalid")
    assert "xoxb-wrong" not in message


def test_an_unknown_time_zone_is_named() -> None:
    message = refused(**HTTP_MODE, TIMEZONE="Mars/Olympus_Mons")
    assert message.startswith("TIMEZONE is invalid")
    assert "Mars/Olympus_Mons" in message
    assert "IANA" in message


@pytest.mark.parametrize("month", ["0", "13", "March", "1.5"])
def test_a_fiscal_start_month_outside_1_to_12_is_named(month: str) -> None:
    message = refused(**HTTP_MODE, FISCAL_YEAR_START_MONTH=month)
    assert message.startswith("FISCAL_YEAR_START_MONTH is invalid")
    assert "1 (January) to 12 (December)" in message


@pytest.mark.parametrize("offsets", ["14,seven", "14,0", "-1", ",", "1.5"])
def test_bad_reminder_offsets_are_named(offsets: str) -> None:
    message = refused(**HTTP_MODE, REMINDER_OFFSETS_DAYS=offsets)
    assert message.startswith("REMINDER_OFFSETS_DAYS is invalid")
    assert "14,7,3,1" in message


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("REMINDER_HOUR", "24"),
        ("PORT", "70000"),
        ("COMMITTEE_USER_IDS", "U01ABC,alice"),
        ("SLACK_API_URL", "slack.com/api"),
    ],
)
def test_other_malformed_values_are_named(variable: str, value: str) -> None:
    assert refused(**HTTP_MODE, **{variable: value}).startswith(f"{variable} is invalid")


def test_an_unsupported_database_is_named_without_echoing_the_password() -> None:
    message = refused(**HTTP_MODE, DATABASE_URL="mysql://bot:hunter2@db/finetune")
    assert message.startswith("DATABASE_URL")
    assert "hunter2" not in message


def test_a_policy_file_is_loaded(tmp_path: Path) -> None:
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text("min_kpi_lift_pct = 3.0\n", encoding="utf-8")
    settings = load_settings({**HTTP_MODE, "POLICY_FILE": str(policy_file)})
    assert settings.load_policy() == Policy(min_kpi_lift_pct=3.0)


def test_without_a_policy_file_the_defaults_apply() -> None:
    assert load_settings(HTTP_MODE).load_policy() == Policy()


def test_a_policy_file_with_an_unknown_key_is_named(tmp_path: Path) -> None:
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text("min_kpi_lift = 3.0\n", encoding="utf-8")
    message = refused(**HTTP_MODE, POLICY_FILE=str(policy_file))
    assert message.startswith("POLICY_FILE is invalid")
    assert "min_kpi_lift" in message


def test_a_missing_policy_file_is_named(tmp_path: Path) -> None:
    message = refused(**HTTP_MODE, POLICY_FILE=str(tmp_path / "absent.toml"))
    assert message.startswith("POLICY_FILE is invalid")
    assert "absent.toml" in message


def test_the_process_environment_and_dotenv_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ALLOWED:
        monkeypatch.delenv(variable, raising=False)
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv\nPORT=4000\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "from-environment")
    monkeypatch.setenv("PORT", "5000")
    monkeypatch.setenv("REMINDER_OFFSETS_DAYS", "5,2")
    settings = load_settings()
    assert isinstance(settings, Settings)
    assert settings.slack_bot_token.get_secret_value() == "xoxb-from-dotenv"
    assert settings.port == 5000
    assert settings.reminder_offsets_days == [5, 2]
