"""Proposal and policy files read and validated, every way they can be wrong named in one line."""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.cli.errors import InputError
from core.errors import field_errors
from core.kinds import looks_like_a_policy, looks_like_a_proposal
from core.policy import Policy
from core.proposal import Proposal

MAX_INPUT_BYTES = 1_000_000


def load_proposal(path: str) -> Proposal:
    """Read and validate a proposal from a .json or .toml file, or JSON on stdin for '-'."""
    data = _read_stdin_json() if path == "-" else _read_proposal_file(Path(path))
    if not isinstance(data, dict):
        raise InputError([f"proposal: must be an object of fields (got {_json_kind(data)})"])
    if looks_like_a_policy(data):
        raise InputError([f"{path}: this is a policy file; pass it with --policy"])
    return validated_proposal(data)


def validated_proposal(data: dict[str, Any]) -> Proposal:
    """A proposal from its fields, one line per offending field (``ranges.latency_ms``)."""
    try:
        return Proposal.model_validate(data)
    except ValidationError as invalid:
        raise InputError(field_lines(invalid)) from None


def load_policy(path: str | None) -> Policy:
    """Read and validate a policy TOML file of flat keys; the default policy without one."""
    if path is None:
        return Policy()
    text = read_text(Path(path), "--policy")
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as bad_toml:
        raise InputError([f"--policy {path}: not valid TOML: {bad_toml}"]) from None
    if looks_like_a_proposal(values):
        raise InputError(
            [f"--policy {path}: this looks like a proposal, not a policy; pass it as PATH"]
        )
    try:
        return Policy.from_mapping(values)
    except ValidationError as invalid:
        raise InputError(field_lines(invalid, prefix="policy.")) from None


def field_lines(invalid: ValidationError, prefix: str = "") -> list[str]:
    """One line per offending field, named as the framework names it."""
    return [f"{prefix}{problem.field}: {problem.message}" for problem in field_errors(invalid)]


def read_text(path: Path, label: str) -> str:
    """The text of a file, with a one-line error for every way reading it can fail."""
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_INPUT_BYTES + 1)
    except FileNotFoundError:
        raise InputError([f"{label}: no such file: {path}"]) from None
    except IsADirectoryError:
        raise InputError([f"{label}: is a directory, not a file: {path}"]) from None
    except OSError as failure:
        raise InputError([f"{label}: cannot read {path}: {failure.strerror}"]) from None
    return _decode(raw, label)


def _read_proposal_file(path: Path) -> Any:
    """Parse a proposal file by its extension."""
    if path.is_dir():
        raise InputError([f"{path}: is a directory, not a proposal file (.json or .toml)"])
    suffix = path.suffix.lower()
    if suffix not in (".json", ".toml"):
        raise InputError(
            [f"{path}: unknown extension {suffix or '(none)'!r}; use .json, .toml or - for stdin"]
        )
    text = read_text(path, str(path))
    return _parse_json(text, str(path)) if suffix == ".json" else _parse_toml(text, str(path))


def _read_stdin_json() -> Any:
    """Parse JSON from standard input."""
    raw = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    return _parse_json(_decode(raw, "stdin"), "stdin")


def _decode(raw: bytes, label: str) -> str:
    """Bytes as UTF-8 text, refusing oversized or non-UTF-8 input."""
    if len(raw) > MAX_INPUT_BYTES:
        raise InputError([f"{label}: larger than {MAX_INPUT_BYTES:,} bytes"])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as failure:
        raise InputError([f"{label}: not UTF-8 text (byte {failure.start})"]) from None


def _parse_json(text: str, label: str) -> Any:
    """JSON text as Python values; duplicate keys are refused."""
    try:
        return json.loads(text, object_pairs_hook=_refuse_duplicate_keys)
    except json.JSONDecodeError as bad_json:
        raise InputError(
            [
                f"{label}: not valid JSON at line {bad_json.lineno}, column {bad_json.colno}: "
                f"{bad_json.msg}"
            ]
        ) from None


def _parse_toml(text: str, label: str) -> Any:
    """TOML text as Python values."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as bad_toml:
        raise InputError([f"{label}: not valid TOML: {bad_toml}"]) from None


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, unless a key appears twice in it."""
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise InputError([f"{key}: given twice in the JSON object"])
        seen[key] = value
    return seen


def _json_kind(value: Any) -> str:
    """The JSON name of a value's type."""
    kinds = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return kinds.get(type(value), "a number")
