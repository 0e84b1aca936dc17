"""A checker for Slack's Block Kit limits: slack_sdk's validators plus the text limits they skip."""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.basic_objects import JsonObject
from slack_sdk.models.blocks import Block as SlackBlock
from slack_sdk.models.views import View

from bot.blocks.format import (
    FIELD_TEXT_LIMIT,
    HEADER_LIMIT,
    MESSAGE_BLOCK_LIMIT,
    SECTION_TEXT_LIMIT,
)


def block_kit_problems(
    blocks: list[dict[str, Any]], *, max_blocks: int = MESSAGE_BLOCK_LIMIT
) -> list[str]:
    """Every way ``blocks`` break Slack's limits, as readable lines; empty when they are fine."""
    problems = [] if len(blocks) <= max_blocks else [f"{len(blocks)} blocks (limit {max_blocks})"]
    for index, block in enumerate(blocks):
        problems += [f"block {index}: {problem}" for problem in _block_problems(block)]
    return problems


def view_problems(view: dict[str, Any]) -> list[str]:
    """Every way a modal payload breaks Slack's limits; empty when it is fine."""
    try:
        _validate_tree(View(**view))
    except (SlackObjectFormationError, TypeError, KeyError) as error:
        return [f"view: {error}"]
    return block_kit_problems(view.get("blocks", []), max_blocks=100)


def _block_problems(block: dict[str, Any]) -> list[str]:
    """slack_sdk's validation of one block and its elements, plus the text limits it skips."""
    try:
        parsed = SlackBlock.parse(block)
        if parsed is None:
            return [f"unknown block {block!r:.80}"]
        _validate_tree(parsed)
    except (SlackObjectFormationError, TypeError, KeyError) as error:
        return [str(error)]
    return _text_problems(block)


def _validate_tree(obj: JsonObject) -> None:
    """Run slack_sdk's validators on an object and every object nested in it."""
    obj.validate_json()
    for name in obj.attributes:
        value = getattr(obj, name, None)
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, JsonObject):
                _validate_tree(child)


def _text_problems(block: dict[str, Any]) -> list[str]:
    kind, text = block.get("type"), (block.get("text") or {}).get("text", "")
    problems = []
    if kind == "header" and len(text) > HEADER_LIMIT:
        problems.append(f"header text of {len(text)} characters (limit {HEADER_LIMIT})")
    if kind == "section" and len(text) > SECTION_TEXT_LIMIT:
        problems.append(f"section text of {len(text)} characters (limit {SECTION_TEXT_LIMIT})")
    for field in block.get("fields", []) if kind == "section" else []:
        if len(field.get("text", "")) > FIELD_TEXT_LIMIT:
            problems.append(f"section field of {len(field['text'])} characters (limit 2000)")
    return problems
