"""manifest.yml declares exactly the command and scopes in use."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.listeners.commands import COMMAND

REPO = Path(__file__).resolve().parents[2]

# The bot scopes each Web API method needs (https://api.slack.com/methods). A method the code
# calls that is missing here fails the test, so a new call cannot slip past the manifest.
METHOD_SCOPES: dict[str, set[str]] = {
    "chat_postMessage": {"chat:write"},
    "chat_update": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "chat_delete": {"chat:write"},
    "views_open": set(),
    "views_update": set(),
    "views_push": set(),
    "views_publish": set(),
    "conversations_open": {"im:write"},
    "conversations_replies": {"channels:history", "groups:history"},
    "conversations_history": {"channels:history", "groups:history"},
    "users_info": {"users:read"},
    "reactions_add": {"reactions:write"},
    "files_info": {"files:read"},
    # files_upload_v2 calls the two below and POSTs the bytes to the URL the first hands out.
    "files_upload_v2": {"files:write"},
    "files_getUploadURLExternal": {"files:write"},
    "files_completeUploadExternal": {"files:write"},
}
# What the bot does outside the Web API's methods: a file's url_private_download is fetched
# with the bot token, which needs files:read (https://api.slack.com/types/file#auth).
DOWNLOAD_SCOPE = "files:read"
# The bot scopes each Events API event needs, and the Bolt listener that consumes it.
EVENT_SCOPES: dict[str, set[str]] = {
    "app_home_opened": set(),
    "message.channels": {"channels:history"},
    "message.groups": {"groups:history"},
}
EVENT_LISTENERS: dict[str, str] = {
    "app_home_opened": 'app.event("app_home_opened")',
    "message.channels": 'app.event("message")',
    "message.groups": 'app.event("message")',
}
API_CALL = re.compile(
    r"\.(chat_\w+|views_\w+|conversations_\w+|users_\w+|reactions_\w+|pins_\w+|files_\w+)\("
)


def load_manifest() -> dict[str, Any]:
    return yaml.safe_load((REPO / "manifest.yml").read_text(encoding="utf-8"))


def bot_sources() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in (REPO / "bot").rglob("*.py"))


def methods_called_by_the_bot() -> set[str]:
    return set(API_CALL.findall(bot_sources()))


def bot_events() -> list[str]:
    return load_manifest()["settings"].get("event_subscriptions", {}).get("bot_events", [])


def test_the_manifest_is_written_for_version_2_of_slacks_manifest_format() -> None:
    # Its validity against Slack's published schema is checked by .ci/run.
    assert load_manifest()["_metadata"]["major_version"] == 2


def test_the_manifest_declares_the_slash_command_the_app_listens_for() -> None:
    commands = [entry["command"] for entry in load_manifest()["features"]["slash_commands"]]
    assert commands == [COMMAND]


def test_interactivity_and_socket_mode_are_on() -> None:
    settings = load_manifest()["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True


def test_every_web_api_method_the_bot_calls_has_known_scopes() -> None:
    unknown = methods_called_by_the_bot() - METHOD_SCOPES.keys()
    assert not unknown, f"add these methods and their scopes to METHOD_SCOPES: {sorted(unknown)}"


def test_every_event_the_manifest_subscribes_to_has_a_listener() -> None:
    events = bot_events()
    assert set(events) <= EVENT_SCOPES.keys()
    sources = bot_sources()
    assert all(EVENT_LISTENERS[event] in sources for event in events)


def test_thread_replies_of_public_and_private_channels_reach_the_bot() -> None:
    assert {"message.channels", "message.groups"} <= set(bot_events())


def test_the_bot_hears_only_thread_replies_and_home_tab_visits() -> None:
    assert set(bot_events()) == {"message.channels", "message.groups", "app_home_opened"}


def test_the_home_tab_is_on_and_the_messages_tab_lets_the_bot_write_to_people() -> None:
    app_home = load_manifest()["features"]["app_home"]
    assert app_home["home_tab_enabled"] is True
    assert app_home["messages_tab_enabled"] is True


def test_the_command_escapes_mentions_so_committee_members_arrive_as_ids() -> None:
    [command] = load_manifest()["features"]["slash_commands"]
    assert command["should_escape"] is True
    assert "committee" in command["usage_hint"]


def test_the_usage_hint_names_every_sub_command() -> None:
    [command] = load_manifest()["features"]["slash_commands"]
    for subcommand in ("help", "list", "policy", "quarter", "record <id>", "committee"):
        assert subcommand in command["usage_hint"]


def bot_downloads_files() -> bool:
    return "url_private_download" in bot_sources()


def test_the_bot_scopes_are_exactly_those_the_code_uses() -> None:
    downloads = {DOWNLOAD_SCOPE} if bot_downloads_files() else set()
    used = {"commands"}.union(
        downloads,
        *(METHOD_SCOPES[m] for m in methods_called_by_the_bot()),
        *(EVENT_SCOPES[event] for event in bot_events()),
    )
    declared = set(load_manifest()["oauth_config"]["scopes"]["bot"])
    assert declared == used


def test_the_bot_does_call_the_methods_its_manifest_is_built_for() -> None:
    expected = {"chat_postMessage", "views_open", "views_update", "views_publish"}
    assert expected <= methods_called_by_the_bot()


def test_shared_files_are_read_and_pictures_uploaded_with_the_files_scopes() -> None:
    scopes = set(load_manifest()["oauth_config"]["scopes"]["bot"])
    assert {"files_info", "files_upload_v2"} <= methods_called_by_the_bot()
    assert bot_downloads_files()
    assert {"files:read", "files:write"} <= scopes
