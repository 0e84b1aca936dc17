"""Formatting shared by the block builders: numbers, money, safe mrkdwn and Block Kit primitives."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

HEADER_LIMIT = 150
SECTION_TEXT_LIMIT = 3000
FIELD_TEXT_LIMIT = 2000
BUTTON_TEXT_LIMIT = 75
CONTEXT_ELEMENT_LIMIT = 10
MESSAGE_BLOCK_LIMIT = 50
LARGE = 1e15
ELLIPSIS = "…"

Block = dict[str, Any]


# --- numbers ---------------------------------------------------------------------------------


def plain_number(value: float | int) -> str:
    """A number as a user would type it: no exponent, no float noise, no trailing zeros."""
    if isinstance(value, int):
        return str(value)
    text = format(Decimal(repr(float(value))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fixed(value: float, places: int) -> str:
    """A number with thousands separators and fixed decimals; scientific past 10¹⁵."""
    if math.isnan(value):
        return "–"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if abs(value) >= LARGE:
        return f"{value:.3g}"
    return f"{value:,.{places}f}"


def general(value: float) -> str:
    """A number of unknown scale: up to four decimals, trailing zeros dropped."""
    if math.isfinite(value) and value != 0 and abs(value) < 0.001:
        return f"{value:.3g}"
    text = fixed(value, 4)
    if "." in text and "e" not in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def pct(value: float) -> str:
    """A percent figure: ``6.0 %``."""
    return f"{fixed(value, 1)} %"


def money(value: float) -> str:
    """US dollars: ``$28,000`` or ``$1,166.67``."""
    places = 0 if math.isfinite(value) and round(value, 2).is_integer() else 2
    return f"${fixed(value, places)}"


def count(value: int) -> str:
    """A whole number with thousands separators."""
    return fixed(float(value), 0) if abs(value) >= LARGE else f"{value:,}"


def multiple(value: float) -> str:
    """A ratio such as an ROI: ``2.35×``."""
    return f"{fixed(value, 2)}×"


def rounded_toward(value: float, places: int, comparator: str) -> float:
    """Round up for ``>``/``>=``, down for ``<``/``<=``: a shown target still meets the rule."""
    if not math.isfinite(value) or abs(value) >= LARGE:
        return value
    exact = Decimal(repr(round(value, 9)))
    mode = ROUND_CEILING if comparator.startswith(">") else ROUND_FLOOR
    return float(exact.quantize(Decimal(1).scaleb(-places), rounding=mode))


# --- text ------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """Cut plain text to ``limit`` characters, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def truncate_mrkdwn(text: str, limit: int) -> str:
    """Cut mrkdwn to ``limit`` characters without breaking an entity or a ``<…>`` token."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    ampersand = cut.rfind("&")
    if ampersand != -1 and ";" not in cut[ampersand:]:
        cut = cut[:ampersand]
    bracket = cut.rfind("<")
    if bracket != -1 and ">" not in cut[bracket:]:
        cut = cut[:bracket]
    return cut + ELLIPSIS


def safe(text: str, limit: int) -> str:
    """User text made safe for mrkdwn and cut to ``limit`` characters."""
    return truncate_mrkdwn(escape(text), limit)


def slack_date(moment: datetime) -> str:
    """A date Slack shows in each reader's own time zone, with a UTC fallback."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    fallback = aware.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(aware.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def mention(user_id: str) -> str:
    """A user mention."""
    return f"<@{user_id}>"


def names_list(user_ids: list[str], *, shown: int = 20) -> str:
    """Mentions of up to ``shown`` users, then "and N more"."""
    names = ", ".join(mention(user) for user in user_ids[:shown])
    hidden = len(user_ids) - shown
    return f"{names} and {hidden} more" if hidden > 0 else names


# --- Block Kit primitives --------------------------------------------------------------------


def plain(text: str, limit: int = SECTION_TEXT_LIMIT) -> dict[str, Any]:
    """A plain_text object (emoji on), cut to ``limit``."""
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


def mrkdwn(text: str, limit: int = SECTION_TEXT_LIMIT) -> dict[str, Any]:
    """A mrkdwn text object, cut to ``limit``."""
    return {"type": "mrkdwn", "text": truncate_mrkdwn(text, limit)}


def header(text: str) -> Block:
    """A header block, cut to Slack's 150 characters."""
    return {"type": "header", "text": plain(text, HEADER_LIMIT)}


def section(text: str) -> Block:
    """A mrkdwn section block."""
    return {"type": "section", "text": mrkdwn(text)}


def fields_section(fields: list[str]) -> Block:
    """A section of up to ten mrkdwn fields."""
    return {"type": "section", "fields": [mrkdwn(field, FIELD_TEXT_LIMIT) for field in fields[:10]]}


def context(*texts: str) -> Block:
    """A context block of mrkdwn elements (at most ten)."""
    elements = [mrkdwn(text) for text in texts[:CONTEXT_ELEMENT_LIMIT]]
    return {"type": "context", "elements": elements}


def divider() -> Block:
    """A divider."""
    return {"type": "divider"}


def button(text: str, action_id: str, value: str = "", style: str | None = None) -> Block:
    """A button element."""
    element: Block = {
        "type": "button",
        "text": plain(text, BUTTON_TEXT_LIMIT),
        "action_id": action_id,
    }
    if value:
        element["value"] = value[:2000]
    if style:
        element["style"] = style
    return element


def sections_from_lines(lines: list[str], *, line_limit: int = 1000) -> list[Block]:
    """Pack mrkdwn lines into as few sections as fit the 3000-character limit."""
    blocks: list[Block] = []
    current: list[str] = []
    for line in (truncate_mrkdwn(line, line_limit) for line in lines):
        if current and len("\n".join([*current, line])) > SECTION_TEXT_LIMIT:
            blocks.append(section("\n".join(current)))
            current = []
        current.append(line)
    if current:
        blocks.append(section("\n".join(current)))
    return blocks
