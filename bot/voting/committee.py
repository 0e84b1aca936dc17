"""`/finetune-check committee show | add @a @b | remove @a`: the command text parsed. PURE.

Slack sends a picked user as `<@U123>` or `<@U123|name>` (with the command's
"escape users" option on); plain text such as `@alice` carries no user id and is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.blocks.format import safe

SUBCOMMAND = "committee"
QUOTED_LIMIT = 40
USAGE = "`/finetune-check committee show`, `committee add @a @b` or `committee remove @a`"

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")
_WORD_OR_MENTION = re.compile(r"<[^<>]*>|\S+")


class CommitteeVerb(StrEnum):
    SHOW = "show"
    ADD = "add"
    REMOVE = "remove"


@dataclass(frozen=True)
class CommitteeCommand:
    """What to do with the channel's committee, and to whom (empty for `show`)."""

    verb: CommitteeVerb
    user_ids: tuple[str, ...] = ()


class CommitteeCommandError(ValueError):
    """The committee command cannot be understood; the message says what is allowed."""


def parse_committee_command(text: str) -> CommitteeCommand:
    """Parse the slash command's text, e.g. "committee add <@U1> <@U2|bo>"."""
    words = _WORD_OR_MENTION.findall(text)
    if not words or words[0].lower() != SUBCOMMAND:
        raise CommitteeCommandError(f"A committee command starts with `committee`; use {USAGE}.")
    if len(words) == 1:
        return CommitteeCommand(CommitteeVerb.SHOW)
    verb = _verb(words[1])
    targets = words[2:]
    if verb is CommitteeVerb.SHOW:
        if targets:
            raise CommitteeCommandError("`committee show` takes no names; it lists the committee.")
        return CommitteeCommand(verb)
    return CommitteeCommand(verb, _user_ids(verb, targets))


def _verb(word: str) -> CommitteeVerb:
    try:
        return CommitteeVerb(word.lower())
    except ValueError:
        raise CommitteeCommandError(
            f"`{_quoted(word)}` is not a committee action: use {USAGE}."
        ) from None


def _user_ids(verb: CommitteeVerb, targets: list[str]) -> tuple[str, ...]:
    if not targets:
        raise CommitteeCommandError(
            f"`committee {verb}` needs at least one person: mention them, e.g. "
            f"`committee {verb} @alice`."
        )
    return tuple(dict.fromkeys(_user_id(target) for target in targets))


def _user_id(target: str) -> str:
    match = _MENTION.fullmatch(target)
    if match is None:
        raise CommitteeCommandError(
            f"`{_quoted(target)}` is not a mention of a person: pick each one from the @ list "
            f"so that Slack sends their id."
        )
    return match.group(1)


def _quoted(word: str) -> str:
    """User text shown back inside backticks: short, with no backtick to break out of them."""
    return safe(word.replace("`", "'"), QUOTED_LIMIT)
