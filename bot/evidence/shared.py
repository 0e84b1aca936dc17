"""A file someone shared in Slack (the modal's file input, or a reply in a verdict's thread), and
which kind of evidence its name says it is. PURE: no I/O, no heavy imports."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Any

DATA_SUFFIXES = (".jsonl", ".ndjson", ".csv", ".parquet")
CURVE_SUFFIX = ".json"
FILETYPES = ("jsonl", "ndjson", "csv", "parquet", "json")
"""The file input's `filetypes` (extensions, as Slack's file_input element takes them)."""
MAX_FILES = 2
"""One data sample and one trainer_state.json."""
MAX_BYTES = 10 * 1024 * 1024
"""Slack's file_input limit (10 MB); a larger file shared in a thread is refused the same way."""


class MeasureError(Exception):
    """Why a file's bytes could not be measured, in words for its thread (no file name)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class EvidenceKind(StrEnum):
    DATA = "data"
    CURVE = "curve"


@dataclass(frozen=True, slots=True)
class SharedFile:
    """A file's Slack id and, when Slack said it, its name."""

    id: str
    name: str | None = None


def evidence_kind(name: str) -> EvidenceKind | None:
    """What a file of this name is read as: a data sample, a trainer_state.json, or neither."""
    suffix = PurePosixPath(name.lower()).suffix
    if suffix in DATA_SUFFIXES:
        return EvidenceKind.DATA
    if suffix == CURVE_SUFFIX:
        return EvidenceKind.CURVE
    return None


def shared_files(items: object) -> list[SharedFile]:
    """The files of a file_input's state or a message's ``files``; anything odd is skipped."""
    if not isinstance(items, list):
        return []
    found = []
    for item in items:
        file_id = item.get("id") if isinstance(item, dict) else None
        if isinstance(file_id, str) and file_id:
            name = _name(item)
            found.append(SharedFile(id=file_id, name=name))
    return found


def _name(item: dict[str, Any]) -> str | None:
    name = item.get("name")
    return name if isinstance(name, str) and name else None
