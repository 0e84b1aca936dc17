"""Structured logs for the bot process: one JSON object per line, never a secret in any line.

Every record, whatever logger emits it (Bolt, slack_sdk, aiohttp, SQLAlchemy, ours), goes
through two safeguards:

- a log record factory, installed once per process, that renders the message, strips Slack
  tokens and registered secret values from it, and adds the fields of the request or job in
  progress (`log_context`), so every handler sees the clean text;
- `JsonFormatter`, which writes ``{ts, level, logger, msg, ...fields}`` and redacts the whole
  line once more (tracebacks included) before it is written.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import MappingProxyType
from typing import IO, Any

REDACTED = "[redacted]"
# Bot, user, app-config and legacy tokens (xoxb-, xoxp-, xoxa-, xoxo-, xoxs-, xoxr-, xoxe-)
# and app-level tokens (xapp-).
TOKEN_PATTERN = re.compile(r"\bxox[abeoprs](?:\.[A-Za-z0-9]+)?-[A-Za-z0-9-]+|\bxapp-[A-Za-z0-9-]+")
MIN_SECRET_LENGTH = 4
# Libraries whose INFO lines the bot's own lines replace (jobs log one line per run).
QUIET_LOGGERS = {
    "aiohttp.access": logging.WARNING,
    "alembic": logging.WARNING,
    "apscheduler": logging.WARNING,
}

_NO_FIELDS: Mapping[str, object] = MappingProxyType({})
_context: ContextVar[Mapping[str, object]] = ContextVar("log_context", default=_NO_FIELDS)
_STANDARD_ATTRIBUTES = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "taskName"}
)


class Redactor:
    """Removes Slack tokens and the registered secret values from text."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def register(self, *values: str | None) -> None:
        """Never let these values (e.g. the signing secret) reach a log line."""
        for value in values:
            if value and len(value.strip()) >= MIN_SECRET_LENGTH:
                self._secrets.add(value.strip())
                self._secrets.add(
                    json.dumps(value.strip(), ensure_ascii=False)[1:-1]
                )  # as it looks inside JSON

    def __call__(self, text: str) -> str:
        """The text with every token and secret replaced by ``[redacted]``."""
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return TOKEN_PATTERN.sub(REDACTED, text)


redact = Redactor()


@contextmanager
def log_context(**fields: object) -> Iterator[None]:
    """Add fields (request id, job name, …) to every record logged inside this block.

    Tasks created inside the block inherit the fields, so work started after an ack keeps
    the request's id.
    """
    token = _context.set({**_context.get(), **fields})
    try:
        yield
    finally:
        _context.reset(token)


def current_context() -> Mapping[str, object]:
    """The fields `log_context` has set for the code running now."""
    return _context.get()


def _install_record_factory() -> None:
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacts", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _clean(record)
        for name, value in _context.get().items():
            record.__dict__.setdefault(name, value)
        return record

    factory.redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def _clean(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a malformed call (wrong args) is left for the handler to report
        return
    record.msg, record.args = redact(message), None


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, the record's extra fields, exc."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one redacted JSON line."""
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(extra_fields(record))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return redact(json.dumps(entry, default=str, ensure_ascii=False))


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a record carries beyond the standard ones (``extra=`` and `log_context`)."""
    return {
        name: value
        for name, value in record.__dict__.items()
        if name not in _STANDARD_ATTRIBUTES and not name.startswith("_")
    }


def configure_logging(
    level: int = logging.INFO,
    *,
    secrets: Iterable[str | None] = (),
    stream: IO[str] | None = None,
) -> None:
    """Log JSON lines to stderr (or `stream`), with tokens and `secrets` redacted everywhere."""
    redact.register(*secrets)
    _install_record_factory()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    logging.basicConfig(level=level, handlers=[handler], force=True)
    logging.captureWarnings(True)
    for name, quiet_level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(max(quiet_level, level))
