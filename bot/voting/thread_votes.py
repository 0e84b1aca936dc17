"""Thread replies as votes: which messages count, and how "reject — latency risk" reads. PURE.

A reply is a vote when its text starts with the word `approve`, `reject` or `abstain` (any
case), followed by the end of the text or a separator: white space, `:`, `,`, `-`, `–`, `—`,
`.` or `!`. What follows the separators is the reason. So "Approve", "approve." and
"APPROVE: yes" are votes; "approved!", "rejected the idea", "I approve" and "approve?" (a
question) are not.

The reason is kept as plain text: Slack's mention, channel and link tokens are reduced to
their labels (so echoing a reason can never ping `@channel`), entities are unescaped, white
space is collapsed, and it is cut to `REASON_LIMIT` characters.

`slack_time` reads when a vote was cast from Slack's own timestamps (a reply's `ts`, a
button's `action_ts`): "1712345678.123456" is seconds and microseconds since the epoch, so it
becomes an exact UTC instant that orders a member's votes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.voting.domain import Choice

REASON_LIMIT = 500
COUNTABLE_SUBTYPES = frozenset({"thread_broadcast"})
"""The only subtype that is a person's own new reply ("Also send to channel")."""

_SEPARATORS = " \t\r\n:,-–—.!"
_VOTE = re.compile(
    r"\s*(approve|reject|abstain)(?=$|[\s:,\-–—.!])(.*)\Z", re.IGNORECASE | re.DOTALL
)
_SLACK_TOKEN = re.compile(r"<([^<>]*)>")
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
_SLACK_TS = re.compile(r"(\d{1,11})(?:\.(\d{1,6}))?", re.ASCII)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ParsedVote:
    """A vote read from text: the choice and the reason given, if any."""

    choice: Choice
    reason: str | None


@dataclass(frozen=True)
class ThreadVote:
    """A countable thread reply that is a vote, with where it was posted and by whom."""

    channel_id: str
    thread_ts: str
    message_ts: str
    user_id: str
    choice: Choice
    reason: str | None


def parse_vote(text: str) -> ParsedVote | None:
    """The vote a reply's text casts, or None when the text is not a vote."""
    match = _VOTE.match(text)
    if match is None:
        return None
    return ParsedVote(choice=Choice(match.group(1).lower()), reason=clean_reason(match.group(2)))


def clean_reason(text: str) -> str | None:
    """The reason as plain text without leading separators, or None when nothing is left."""
    reason = _unescape(_SLACK_TOKEN.sub(_token_label, text.lstrip(_SEPARATORS)))
    reason = " ".join(reason.split())
    if not reason:
        return None
    return reason if len(reason) <= REASON_LIMIT else reason[: REASON_LIMIT - 1] + "…"


def _token_label(match: re.Match[str]) -> str:
    target, _, label = match.group(1).partition("|")
    if target.startswith("!"):
        return label or "@" + target[1:].split("^")[0]
    if target.startswith(("@", "#")):
        return target[0] + label.lstrip("@#") if label else target
    return label or target


def _unescape(text: str) -> str:
    for entity, character in _ENTITIES:
        text = text.replace(entity, character)
    return text


def is_countable_message(event: Mapping[str, Any], bot_user_id: str | None) -> bool:
    """Whether a message event is a person's reply in a thread (edits, deletions, bots and
    top-level messages never count)."""
    subtype = event.get("subtype")
    thread_ts = event.get("thread_ts")
    user_id = event.get("user")
    return (
        event.get("type", "message") == "message"
        and (subtype is None or subtype in COUNTABLE_SUBTYPES)
        and not event.get("bot_id")
        and isinstance(user_id, str)
        and bool(user_id)
        and user_id != bot_user_id
        and isinstance(thread_ts, str)
        and thread_ts != event.get("ts")
        and isinstance(event.get("text"), str)
    )


def vote_from_event(event: Mapping[str, Any], bot_user_id: str | None) -> ThreadVote | None:
    """The vote a message event casts, or None when it is not a countable vote."""
    if not is_countable_message(event, bot_user_id):
        return None
    parsed = parse_vote(event["text"])
    if parsed is None:
        return None
    return ThreadVote(
        channel_id=str(event.get("channel", "")),
        thread_ts=event["thread_ts"],
        message_ts=str(event.get("ts", "")),
        user_id=event["user"],
        choice=parsed.choice,
        reason=parsed.reason,
    )


def slack_time(ts: object) -> datetime | None:
    """The UTC instant a Slack timestamp ("1712345678.123456") names, exact to the
    microsecond; None when the value is not such a timestamp."""
    match = _SLACK_TS.fullmatch(ts) if isinstance(ts, str) else None
    if match is None:
        return None
    seconds, fraction = match.groups()
    microseconds = int((fraction or "").ljust(6, "0"))
    return _EPOCH + timedelta(seconds=int(seconds), microseconds=microseconds)
