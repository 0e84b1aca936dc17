"""What a Slack token looks like, checked before any call: placeholders and the wrong kind.

A bot token starts ``xoxb-``, an app-level token ``xapp-``. A value still holding a placeholder
(``xoxb-…``, ``xoxb-...``, ``<your token>``, ``xoxb-xxxx-xxxx``, or the README's
``xoxb-paste-your-bot-token-here``) is refused as such. Real tokens are ``xoxb-`` or
``xapp-`` followed by hyphen-separated digits and random letters, so none of these marks can
appear in one (a segment of three or more x's alone is the only letter pattern looked for).
"""

from __future__ import annotations

import re

BOT_PREFIX = "xoxb-"
APP_PREFIX = "xapp-"
README_PLACEHOLDER = "paste-your"
_MARKS = ("…", "...", "<", ">", README_PLACEHOLDER)
_ONLY_XS = re.compile(r"(?:^|-)x{3,}(?:-|$)", re.IGNORECASE)

WHERE_BOT_TOKEN = "the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page"
WHERE_APP_TOKEN = (
    "an app-level token (xapp-…) with connections:write from your app's Basic Information page, "
    "or leave it unset for HTTP mode"
)


def is_placeholder(value: str) -> bool:
    """Whether the value is a placeholder someone forgot to replace, not a real secret."""
    lowered = value.lower()
    return any(mark in lowered for mark in _MARKS) or bool(_ONLY_XS.search(value))


def bot_token_problem(token: str) -> str | None:
    """What is wrong with a bot token's shape (the text after ``SLACK_BOT_TOKEN: ``), or None."""
    if is_placeholder(token):
        return f"still holds a placeholder, not a token; paste {WHERE_BOT_TOKEN}"
    if token.startswith(APP_PREFIX):
        return (
            f"holds an app-level token (xapp-…), which belongs in SLACK_APP_TOKEN; "
            f"paste {WHERE_BOT_TOKEN}"
        )
    if not token.startswith(BOT_PREFIX):
        return f"is not a bot token (those start with xoxb-); paste {WHERE_BOT_TOKEN}"
    return None


def app_token_problem(token: str) -> str | None:
    """What is wrong with an app-level token's shape (after ``SLACK_APP_TOKEN: ``), or None."""
    if is_placeholder(token):
        return f"still holds a placeholder, not a token; paste {WHERE_APP_TOKEN}"
    if token.startswith(BOT_PREFIX):
        return (
            f"holds a bot token (xoxb-…), which belongs in SLACK_BOT_TOKEN; paste {WHERE_APP_TOKEN}"
        )
    if not token.startswith(APP_PREFIX):
        return f"is not an app-level token (those start with xapp-); paste {WHERE_APP_TOKEN}"
    return None
