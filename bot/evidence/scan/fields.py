"""Which fields hold a row's text, its label and its gold label, and reading them from a record.

Detected from the field names unless the caller names them:

- chat fine-tuning rows `{"messages": [{role, content}, …]}`: the whole conversation is the
  text, the assistant's last message the label;
- `{prompt, completion}` rows: the prompt is the text, the completion the label;
- otherwise the first text-like field (`text`, `input`, `prompt`, …) and the first label-like
  one (`label`, `completion`, `output`, …), matched without regard to case.

Named text fields (`--text-field`, repeatable) are joined with a newline; a gold label comes
from `gold_label` unless another field is named.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.evidence.scan.errors import ScanError

CHAT_FIELD = "messages"
DEFAULT_GOLD_FIELD = "gold_label"
TEXT_FIELDS = (
    "text", "input", "prompt", "question", "sentence", "content", "instruction", "query",
    "utterance", "document", "review", "body", "message",
)  # fmt: skip
LABEL_FIELDS = (
    "label", "completion", "output", "answer", "response", "target", "category", "class",
    "intent", "sentiment", "labels",
)  # fmt: skip
SHOWN_FIELDS = 12


@dataclass(frozen=True)
class FieldChoice:
    """The fields a caller named; empty or None means detect."""

    text_fields: tuple[str, ...] = ()
    label_field: str | None = None
    gold_label_field: str | None = None


@dataclass(frozen=True)
class Layout:
    """The fields a scan reads: `chat` rows read their text and label from `messages`."""

    chat: bool
    text_fields: tuple[str, ...]
    label_field: str | None
    gold_field: str

    @property
    def chat_field(self) -> str:
        """The field holding a chat row's messages."""
        return self.text_fields[0]

    @property
    def columns(self) -> tuple[str, ...]:
        """Every field read, in order, without repeats."""
        named = (*self.text_fields, self.label_field, self.gold_field)
        return tuple(dict.fromkeys(name for name in named if name))


def choose_layout(fields: Sequence[str], choice: FieldChoice, source: str) -> Layout:
    """The layout for a source with these field names; ScanError when a field is missing."""
    gold = choice.gold_label_field or DEFAULT_GOLD_FIELD
    for named in (*choice.text_fields, choice.label_field):
        if named is not None and named not in fields:
            raise ScanError(f"{source}: no field {named!r} ({found(fields)})")
    if choice.text_fields:
        label = choice.label_field or _first(fields, LABEL_FIELDS, exclude=choice.text_fields)
        return Layout(False, choice.text_fields, label, gold)
    if CHAT_FIELD in fields:
        return Layout(True, (CHAT_FIELD,), choice.label_field, gold)
    if "prompt" in fields and "completion" in fields:
        return Layout(False, ("prompt",), choice.label_field or "completion", gold)
    text = _first(fields, TEXT_FIELDS, exclude=(gold,))
    if text is None:
        raise ScanError(f"{source}: no text field ({found(fields)}); name one with --text-field")
    label = choice.label_field or _first(fields, LABEL_FIELDS, exclude=(text, gold))
    return Layout(False, (text,), label, gold)


def found(fields: Sequence[str]) -> str:
    """The fields found, for a message: 'fields found: a, b' (or 'no fields')."""
    if not fields:
        return "no fields found"
    shown = ", ".join(fields[:SHOWN_FIELDS])
    more = f", … ({len(fields)} in all)" if len(fields) > SHOWN_FIELDS else ""
    return f"fields found: {shown}{more}"


def _first(fields: Sequence[str], wanted: Sequence[str], exclude: Sequence[str]) -> str | None:
    by_name = {name.casefold(): name for name in reversed(fields) if name not in exclude}
    return next((by_name[name] for name in wanted if name in by_name), None)


def text_of(value: Any) -> str:
    """A field's value as text: strings as they are, a message list as its contents."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, list) and value and all(isinstance(item, Mapping) for item in value):
        return conversation(value, "")[0]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def label_of(value: Any) -> str | None:
    """A label or gold label as text; None when absent or blank."""
    if value is None:
        return None
    label = (value if isinstance(value, str) else text_of(value)).strip()
    return label or None


def conversation(messages: Any, where: str) -> tuple[str, str | None]:
    """A chat row's text (every message's content, one a line) and label (the assistant's last)."""
    if not isinstance(messages, list):
        raise ScanError(f"{where}: {CHAT_FIELD!r} is not a list of messages")
    contents: list[str] = []
    label = None
    for message in messages:
        if not isinstance(message, Mapping):
            raise ScanError(f"{where}: a message is not an object with a role and a content")
        content = _content_text(message.get("content"))
        contents.append(content)
        if message.get("role") == "assistant":
            label = content
    return "\n".join(contents), label_of(label)


def _content_text(content: Any) -> str:
    """A message's content: a string, or the text parts of a list of content parts."""
    if isinstance(content, list):
        parts = (part.get("text") for part in content if isinstance(part, Mapping))
        return "\n".join(part for part in parts if isinstance(part, str))
    return text_of(content)
