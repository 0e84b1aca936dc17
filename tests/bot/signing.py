"""Requests signed exactly as Slack signs them, and builders for the payloads Slack sends."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

from tests.bot.fake_slack import TEAM_ID

SIGNING_SECRET = "test-signing-secret"
USER_ID = "U0AUTHOR"
CHANNEL_ID = "C0CHANNEL"
COMMAND = "/finetune-check"
CALLBACK_ID = "finetune_proposal"


def signature(body: str, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    """Slack's v0 signature: HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    body: str,
    *,
    content_type: str,
    timestamp: int | None = None,
    secret: str = SIGNING_SECRET,
) -> dict[str, str]:
    """The headers of a request from Slack, signed now (or at `timestamp`)."""
    at = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(at),
        "X-Slack-Signature": signature(body, at, secret),
    }


FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def slash_command(
    *,
    response_url: str,
    text: str = "",
    user_id: str = USER_ID,
    channel_id: str = CHANNEL_ID,
    trigger_id: str = "1337.42.abcdef",
) -> str:
    """The form-encoded body of a `/finetune-check` invocation."""
    return urlencode(
        {
            "token": "legacy-unused",
            "team_id": TEAM_ID,
            "team_domain": "fake",
            "channel_id": channel_id,
            "channel_name": "ml-debrief",
            "user_id": user_id,
            "user_name": "pm",
            "command": COMMAND,
            "text": text,
            "api_app_id": "A0001",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )


def view_submission(
    *,
    values: dict[str, dict[str, Any]],
    private_metadata: str,
    view_id: str = "V0SUBMIT1",
    user_id: str = USER_ID,
    callback_id: str = CALLBACK_ID,
) -> str:
    """The form-encoded body of a modal submission with the given view state values."""
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "fake"},
        "user": {"id": user_id, "username": "pm", "name": "pm", "team_id": TEAM_ID},
        "api_app_id": "A0001",
        "token": "legacy-unused",
        "trigger_id": "1337.43.abcdef",
        "view": {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": values},
            "hash": "hash-submit",
            "blocks": [],
        },
        "response_urls": [],
        "is_enterprise_install": False,
    }
    return urlencode({"payload": json.dumps(payload)})


def block_actions(
    *,
    action_id: str,
    value: str = "",
    user_id: str = USER_ID,
    view: dict[str, Any] | None = None,
    channel_id: str | None = None,
    response_url: str | None = None,
    block_id: str = "actions",
    action_ts: str | None = None,
) -> str:
    """The form-encoded body of a button click, in a modal (`view`) or a message (`channel_id`),
    clicked at `action_ts` (Slack's "seconds.microseconds"; default now)."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "fake"},
        "user": {"id": user_id, "username": "pm", "name": "pm", "team_id": TEAM_ID},
        "api_app_id": "A0001",
        "token": "legacy-unused",
        "trigger_id": "1337.44.abcdef",
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": block_id,
                "value": value,
                "action_ts": f"{time.time():.6f}" if action_ts is None else action_ts,
            }
        ],
        "is_enterprise_install": False,
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view["id"]}
        payload["view"] = view
    if channel_id is not None:
        payload["container"] = {"type": "message", "channel_id": channel_id}
        payload["channel"] = {"id": channel_id, "name": "ml-debrief"}
    if response_url is not None:
        payload["response_url"] = response_url
    return urlencode({"payload": json.dumps(payload)})


def event_callback(*, event: dict[str, Any], event_id: str = "Ev0001") -> str:
    """The JSON body of an Events API delivery."""
    return json.dumps(
        {
            "token": "legacy-unused",
            "team_id": TEAM_ID,
            "api_app_id": "A0001",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM_ID, "user_id": "UBOT0001", "is_bot": True}],
        }
    )
