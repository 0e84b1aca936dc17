"""Settings: the contract's variables with their defaults, and one line naming each bad one."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.infrastructure.settings import ALLOWED, Settings, SettingsError, load_settings
from core.policy import Policy

HTTP_MODE = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "secret"}


def refused(**environ: str) -> str:
    """The one line refusing `environ` (one bad variable)."""
    [line] = refused_lines(**environ)
    return line


def refused_lines(**environ: str) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        load_settings(environ)
    lines = caught.value.lines
    assert all("\n" not in line for line in lines)
    assert str(caught.value) == "\n".join(lines)
    return lines


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
    assert message.startswith("SLACK_BOT_TOKEN: is not set; ")
    assert "xoxb-" in message


def test_an_empty_bot_token_counts_as_missing() -> None:
    assert refused(SLACK_BOT_TOKEN=" ", SLACK_SIGNING_SECRET="s").startswith(
        "SLACK_BOT_TOKEN: is not set"
    )


def test_http_mode_needs_the_signing_secret() -> None:
    assert refused(SLACK_BOT_TOKEN="xoxb-1").startswith("SLACK_SIGNING_SECRET: is not set")


def test_socket_mode_needs_no_signing_secret() -> None:
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1-abc"})
    assert settings.socket_mode is True


def test_an_app_token_of_the_wrong_kind_is_refused_without_echoing_it() -> None:
    message = refused(**HTTP_MODE, SLACK_APP_TOKEN="xoxb-wrong")
    assert message.startswith("SLACK_APP_TOKEN: holds a bot token (xoxb-…)")
    assert "xoxb-wrong" not in message


def test_an_unknown_time_zone_is_named() -> None:
    assert refused(**HTTP_MODE, TIMEZONE="Mars/Olympus_Mons") == (
        "TIMEZONE: must be an IANA time zone name such as UTC or Europe/Berlin; "
        "got 'Mars/Olympus_Mons'"
    )


@pytest.mark.parametrize("month", ["0", "13", "March", "1.5"])
def test_a_fiscal_start_month_outside_1_to_12_is_named(month: str) -> None:
    assert refused(**HTTP_MODE, FISCAL_YEAR_START_MONTH=month) == (
        f"FISCAL_YEAR_START_MONTH: must be a whole number from 1 (January) to 12 (December); "
        f"got '{month}'"
    )


@pytest.mark.parametrize("offsets", ["14,seven", "14,0", "-1", ",", "1.5"])
def test_bad_reminder_offsets_are_named(offsets: str) -> None:
    message = refused(**HTTP_MODE, REMINDER_OFFSETS_DAYS=offsets)
    assert message.startswith(
        "REMINDER_OFFSETS_DAYS: must be comma-separated whole numbers of days above 0, "
        "e.g. 14,7,3,1; "
    )


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
    assert refused(**HTTP_MODE, **{variable: value}).startswith(f"{variable}: must be ")


def test_an_unsupported_database_is_named_without_echoing_the_password() -> None:
    message = refused(**HTTP_MODE, DATABASE_URL="mysql://bot:hunter2@db/finetune")
    assert message.startswith("DATABASE_URL: uses 'mysql', which is not supported; use ")
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
    assert refused(**HTTP_MODE, POLICY_FILE=str(policy_file)) == (
        f"POLICY_FILE: {policy_file}: min_kpi_lift is not a known field "
        "(did you mean min_kpi_lift_pct?)"
    )


def test_a_policy_file_says_every_problem_in_it_rather_than_its_path_twice(
    tmp_path: Path,
) -> None:
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text("max_delivery_days = -1\nmin_roi_multiple = 'two'\n")
    message = refused(**HTTP_MODE, POLICY_FILE=str(policy_file))
    assert message == (
        f"POLICY_FILE: {policy_file}: max_delivery_days must be a whole number between 0 and "
        "3650 (got -1); min_roi_multiple must be a number, not text"
    )
    assert message.count(str(policy_file)) == 1


def test_a_proposal_given_as_the_policy_file_is_named_as_a_proposal(tmp_path: Path) -> None:
    proposal = tmp_path / "proposal.toml"
    proposal.write_text('title = "Fraud"\ndataset_examples = 150000\nengineers = 2\n')
    assert refused(**HTTP_MODE, POLICY_FILE=str(proposal)) == (
        f"POLICY_FILE: {proposal} looks like a proposal, not a policy"
    )


def test_a_missing_policy_file_is_named(tmp_path: Path) -> None:
    absent = tmp_path / "absent.toml"
    assert refused(**HTTP_MODE, POLICY_FILE=str(absent)) == (
        f"POLICY_FILE: cannot read {absent} (No such file or directory)"
    )


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


def test_every_bad_variable_gets_a_line_of_its_own_in_our_words() -> None:
    lines = refused_lines(
        SLACK_BOT_TOKEN="xoxb-1",
        PORT="abc",
        REMINDER_HOUR="24",
        TIMEZONE="Atlantis/Capital",
        COMMITTEE_USER_IDS="bob",
    )
    assert lines == [
        "SLACK_SIGNING_SECRET: is not set; HTTP mode (SLACK_APP_TOKEN unset) needs the signing "
        "secret from your app's Basic Information page",
        "PORT: must be a whole number from 1 to 65535; got 'abc'",
        "TIMEZONE: must be an IANA time zone name such as UTC or Europe/Berlin; "
        "got 'Atlantis/Capital'",
        "REMINDER_HOUR: must be a whole number from 0 to 23; got '24'",
        "COMMITTEE_USER_IDS: must be comma-separated Slack user ids, e.g. U012ABC,U034DEF; "
        "'bob' is not one",
    ]
    assert not [line for line in lines if "Input should" in line or "Value error" in line]


def test_a_bad_user_id_is_named_once() -> None:
    message = refused(**HTTP_MODE, COMMITTEE_USER_IDS="U01ABC,bob,alice")
    assert message.endswith("; 'bob', 'alice' are not")
    assert message.count("bob") == 1


@pytest.mark.parametrize(
    "placeholder",
    [
        "xoxb-…",
        "xoxb-...",
        "<your bot token>",
        "xoxb-xxxx-xxxx-xxxx",
        "xoxb-XXXXXXXX",
        "xoxb-paste-your-bot-token-here",
    ],
)
def test_a_placeholder_bot_token_is_refused_as_one(placeholder: str) -> None:
    message = refused(SLACK_BOT_TOKEN=placeholder, SLACK_SIGNING_SECRET="secret")
    assert message.startswith("SLACK_BOT_TOKEN: still holds a placeholder, not a token; ")


def test_the_readme_recipe_s_placeholders_are_both_refused() -> None:
    assert refused_lines(
        SLACK_BOT_TOKEN="xoxb-paste-your-bot-token-here",
        SLACK_APP_TOKEN="xapp-paste-your-app-token-here",
    ) == [
        "SLACK_BOT_TOKEN: still holds a placeholder, not a token; paste the Bot User OAuth "
        "Token (xoxb-…) from your app's OAuth & Permissions page",
        "SLACK_APP_TOKEN: still holds a placeholder, not a token; paste an app-level token "
        "(xapp-…) with connections:write from your app's Basic Information page, or leave it "
        "unset for HTTP mode",
    ]


@pytest.mark.parametrize(
    ("environ", "expected_start"),
    [
        (
            {"SLACK_BOT_TOKEN": "xapp-1-A0001-42-abcdef", "SLACK_SIGNING_SECRET": "s"},
            "SLACK_BOT_TOKEN: holds an app-level token (xapp-…), which belongs in SLACK_APP_TOKEN",
        ),
        (
            {"SLACK_BOT_TOKEN": "xoxp-1234-5678-usertoken", "SLACK_SIGNING_SECRET": "s"},
            "SLACK_BOT_TOKEN: is not a bot token (those start with xoxb-)",
        ),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "A0001-socket"},
            "SLACK_APP_TOKEN: is not an app-level token (those start with xapp-)",
        ),
    ],
    ids=["app token as bot token", "user token as bot token", "app token of no known kind"],
)
def test_a_token_of_the_wrong_kind_is_refused_without_echoing_it(
    environ: dict[str, str], expected_start: str
) -> None:
    message = refused(**environ)
    assert message.startswith(expected_start)
    assert not [value for value in environ.values() if len(value) > 1 and value in message]


def test_a_real_looking_token_with_an_x_run_inside_a_segment_is_accepted() -> None:
    token = "xoxb-17653672481-19874698323-pdFZKVxxxE8sk7oOcBrzbqgy"
    settings = load_settings({**HTTP_MODE, "SLACK_BOT_TOKEN": token})
    assert settings.slack_bot_token.get_secret_value() == token
