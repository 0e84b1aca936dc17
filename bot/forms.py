"""The proposal modal's state ⇄ a `Proposal`: field specs, parsing, errors keyed by block id."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, get_args

import annotated_types
from pydantic import BaseModel, ValidationError

from bot.evidence.shared import MAX_FILES, SharedFile, evidence_kind, shared_files
from bot.ids import (
    INPUT_ACTION_ID,
    LOCK_COUNT,
    LOCK_PARTS,
    RESET_VOTES_BLOCK,
    LockPart,
    ProposalBlock,
    lock_block,
)
from bot.ranges_text import SHORT_NAMES, RangesTextError, parse_ranges_text
from core.fractions import fraction_question, suspected_fractions
from core.proposal import MetricLock, Proposal

DEFAULT_VOTE_WINDOW_DAYS = 3.0
MIN_VOTE_WINDOW_DAYS = 0.04
MAX_VOTE_WINDOW_DAYS = 30.0
SECRET_BALLOT_VALUE = "secret"
FRACTIONS_MEANT_VALUE = "meant"
CHECKBOX_VALUES = {
    ProposalBlock.SECRET_BALLOT: SECRET_BALLOT_VALUE,
    ProposalBlock.PERCENT_FRACTIONS: FRACTIONS_MEANT_VALUE,
}
"""The value of each checkbox block's one option."""
FRACTIONS_TICK = "or tick “meant as typed” under Small percentages"
RESET_VOTES_VALUE = "reset"
LOCK_REQUIRED_PARTS: tuple[LockPart, ...] = ("name", "comparator", "threshold", "achieved")
_MAX_DIGITS = 30
_ECHO_LIMIT = 20
_NUMBER_EXAMPLE = "Enter a number, e.g. 6.2"
_WHOLE_EXAMPLE = "Enter a whole number, e.g. 12"
_COMPARATOR_CHOICE = "Choose ≥ (at least) or ≤ (at most)"
_REQUIRED = "Required: fill this in"


class FieldKind(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    LOSSES = "losses"
    COMPARATOR = "comparator"
    CHECKBOX = "checkbox"
    RANGES = "ranges"
    FILES = "files"


@dataclass(frozen=True)
class FieldSpec:
    """How one modal input is entered and what it accepts."""

    block: ProposalBlock
    kind: FieldKind
    optional: bool
    minimum: float | None = None
    maximum: float | None = None
    above_minimum: bool = False
    max_length: int | None = None

    @property
    def is_numeric(self) -> bool:
        """Whether the input is a number input."""
        return self.kind in (FieldKind.INTEGER, FieldKind.NUMBER)

    def range_message(self) -> str:
        """What the field accepts, in words a PM understands."""
        what = "a whole number" if self.kind is FieldKind.INTEGER else "a number"
        low, high = _shown(self.minimum), _shown(self.maximum)
        if self.above_minimum and self.maximum is not None:
            return f"Enter {what} above {low} and up to {high}"
        if self.above_minimum:
            return f"Enter {what} above {low}"
        if self.minimum is not None and self.maximum is not None:
            return f"Enter {what} from {low} to {high}"
        if self.minimum is not None:
            return f"Enter {what} of {low} or more"
        return _WHOLE_EXAMPLE if self.kind is FieldKind.INTEGER else _NUMBER_EXAMPLE


@dataclass(frozen=True)
class ModalOptions:
    """The voting options chosen in the modal."""

    vote_window_days: float = DEFAULT_VOTE_WINDOW_DAYS
    secret_ballot: bool = False


@dataclass(frozen=True)
class ModalContext:
    """What ``private_metadata`` carries: the invoking channel and, when revising, the id."""

    channel_id: str
    proposal_id: int | None = None


class PrivateMetadataError(ValueError):
    """The modal's ``private_metadata`` is not the JSON this app wrote."""


@dataclass(frozen=True)
class ParsedForm:
    """Either a proposal with its voting options, or the errors keyed by block id."""

    proposal: Proposal | None = None
    options: ModalOptions | None = None
    errors: dict[str, str] = field(default_factory=dict)
    files: tuple[SharedFile, ...] = ()
    """The training-data sample and trainer_state.json attached, read after the ack."""

    @property
    def ok(self) -> bool:
        """Whether the form parsed into a valid proposal."""
        return self.proposal is not None and not self.errors


class _InputError(ValueError):
    """One input that cannot be read; its message is shown on the block."""


def encode_private_metadata(context: ModalContext) -> str:
    """The ``private_metadata`` JSON: the channel and, when revising, the proposal id."""
    payload: dict[str, Any] = {"channel_id": context.channel_id}
    if context.proposal_id is not None:
        payload["proposal_id"] = context.proposal_id
    return json.dumps(payload, separators=(",", ":"))


def decode_private_metadata(text: str) -> ModalContext:
    """Read ``private_metadata`` back; raises `PrivateMetadataError` with a clear message."""
    try:
        payload = json.loads(text)
    except (TypeError, ValueError) as error:
        raise PrivateMetadataError(f"private_metadata: not valid JSON ({error})") from None
    if not isinstance(payload, dict):
        raise PrivateMetadataError("private_metadata: expected a JSON object with channel_id")
    channel_id, proposal_id = payload.get("channel_id"), payload.get("proposal_id")
    if not isinstance(channel_id, str) or not channel_id:
        raise PrivateMetadataError("private_metadata: channel_id must be a non-empty string")
    if proposal_id is not None and (type(proposal_id) is not int or proposal_id < 1):
        raise PrivateMetadataError("private_metadata: proposal_id must be a positive whole number")
    return ModalContext(channel_id=channel_id, proposal_id=proposal_id)


# --- field specs -----------------------------------------------------------------------------


def _bounded(model: type[BaseModel], name: str, block: ProposalBlock, kind: FieldKind) -> FieldSpec:
    """A spec whose bounds and length come from the model's own constraints."""
    info = model.model_fields[name]
    limits: dict[str, Any] = {}
    for constraint in info.metadata:
        if isinstance(constraint, annotated_types.Ge):
            limits["minimum"] = constraint.ge
        elif isinstance(constraint, annotated_types.Gt):
            limits.update(minimum=constraint.gt, above_minimum=True)
        elif isinstance(constraint, annotated_types.Le):
            limits["maximum"] = constraint.le
        elif isinstance(constraint, annotated_types.MaxLen) and kind is FieldKind.TEXT:
            limits["max_length"] = constraint.max_length
    return FieldSpec(block=block, kind=kind, optional=not info.is_required(), **limits)


def _proposal_kind(name: str) -> FieldKind:
    special = {
        "title": FieldKind.TEXT,
        "kpi_name": FieldKind.TEXT,
        "prompt_space_well_understood": FieldKind.BOOLEAN,
        "validation_losses": FieldKind.LOSSES,
    }
    if name in special:
        return special[name]
    annotation = Proposal.model_fields[name].annotation
    is_integer = annotation is int or int in get_args(annotation)
    return FieldKind.INTEGER if is_integer else FieldKind.NUMBER


def _lock_kind(part: str) -> FieldKind:
    return {
        "name": FieldKind.TEXT,
        "unit": FieldKind.TEXT,
        "comparator": FieldKind.COMPARATOR,
    }.get(part, FieldKind.NUMBER)


PROPOSAL_FIELDS: tuple[str, ...] = tuple(
    name for name in Proposal.model_fields if name not in ("metric_locks", "ranges")
)
"""The Proposal fields entered directly, in the modal's order (the modal has no ranges)."""

FIELD_SPECS: dict[ProposalBlock, FieldSpec] = {
    **{
        ProposalBlock(name): _bounded(Proposal, name, ProposalBlock(name), _proposal_kind(name))
        for name in PROPOSAL_FIELDS
    },
    **{
        lock_block(number, part): replace(
            _bounded(MetricLock, part, lock_block(number, part), _lock_kind(part)), optional=True
        )
        for number in range(1, LOCK_COUNT + 1)
        for part in LOCK_PARTS
    },
    ProposalBlock.VOTE_WINDOW_DAYS: FieldSpec(
        block=ProposalBlock.VOTE_WINDOW_DAYS,
        kind=FieldKind.NUMBER,
        optional=True,
        minimum=MIN_VOTE_WINDOW_DAYS,
        maximum=MAX_VOTE_WINDOW_DAYS,
    ),
    **{
        block: FieldSpec(block=block, kind=FieldKind.CHECKBOX, optional=True)
        for block in CHECKBOX_VALUES
    },
    ProposalBlock.RANGES: FieldSpec(
        block=ProposalBlock.RANGES, kind=FieldKind.RANGES, optional=True, max_length=500
    ),
    ProposalBlock.TRAINING_SAMPLE: FieldSpec(
        block=ProposalBlock.TRAINING_SAMPLE, kind=FieldKind.FILES, optional=True
    ),
}
"""Every input block of the modal with how it is entered; bounds mirror the Proposal model."""


# --- reading Slack's view state --------------------------------------------------------------


def _element(values: object, block: str) -> dict[str, Any]:
    """The state of one block's input element, or an empty dict for any shape Slack might send."""
    if not isinstance(values, dict):
        return {}
    block_state = values.get(block)
    if not isinstance(block_state, dict):
        return {}
    element = block_state.get(INPUT_ACTION_ID)
    return element if isinstance(element, dict) else {}


def _raw_text(element: dict[str, Any]) -> str | None:
    """The typed text of an input, or None when empty."""
    value = element.get("value")
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _selected_value(element: dict[str, Any]) -> str | None:
    """The value of a select's or radio group's chosen option, or None."""
    option = element.get("selected_option")
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else None


def _checked_values(element: dict[str, Any]) -> list[str]:
    """The values of a checkbox group's ticked options."""
    options = element.get("selected_options")
    if not isinstance(options, list):
        return []
    return [o["value"] for o in options if isinstance(o, dict) and isinstance(o.get("value"), str)]


def reset_votes_ticked(values: object) -> bool:
    """Whether the revise modal's "reset the votes" confirmation is ticked."""
    return RESET_VOTES_VALUE in _checked_values(_element(values, RESET_VOTES_BLOCK))


def has_reset_votes_block(values: object) -> bool:
    """Whether the submitted modal showed the confirmation (Slack sends every input block)."""
    return isinstance(values, dict) and RESET_VOTES_BLOCK in values


def _is_filled(element: dict[str, Any]) -> bool:
    """Whether the user put anything in this input."""
    return _raw_text(element) is not None or _selected_value(element) is not None


# --- converting one input --------------------------------------------------------------------


def _echo(text: str) -> str:
    return text if len(text) <= _ECHO_LIMIT else text[: _ECHO_LIMIT - 1] + "…"


def _shown(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(value)


def parse_number(text: str, spec: FieldSpec) -> float:
    """A finite float from typed text; raises `_InputError` with the message to show."""
    try:
        number = float(text)
    except ValueError:
        raise _InputError(_NUMBER_EXAMPLE) from None
    if math.isnan(number):
        raise _InputError(_NUMBER_EXAMPLE)
    if math.isinf(number):
        raise _InputError(f"That number is too large. {spec.range_message()}")
    return number


def parse_integer(text: str, spec: FieldSpec) -> int:
    """A whole number from typed text (``12`` or ``12.0``); raises `_InputError` otherwise."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _InputError(_WHOLE_EXAMPLE) from None
    if not number.is_finite():
        raise _InputError(_WHOLE_EXAMPLE)
    if number.adjusted() > _MAX_DIGITS:
        raise _InputError(f"That number is too large. {spec.range_message()}")
    if number != number.to_integral_value():
        raise _InputError(f"Use a whole number here, not {_echo(text)}. {spec.range_message()}")
    return int(number)


def parse_losses(text: str) -> list[float]:
    """Validation losses from "0.9, 0.7, 0.58"; raises `_InputError` naming the bad item."""
    items = [item for item in re.split(r"[,;\s]+", text) if item]
    losses: list[float] = []
    for position, item in enumerate(items, start=1):
        try:
            loss = float(item)
        except ValueError:
            loss = math.nan
        if not math.isfinite(loss):
            raise _InputError(
                f"Value {position} (“{_echo(item)}”) is not a number. "
                "Separate the losses with commas, e.g. 0.9, 0.7, 0.58"
            )
        losses.append(loss)
    return losses


def _convert(spec: FieldSpec, element: dict[str, Any]) -> Any:
    """The typed value of one input, or None when it is empty."""
    if spec.kind is FieldKind.BOOLEAN:
        return _parse_boolean(_selected_value(element))
    if spec.kind is FieldKind.COMPARATOR:
        return _parse_comparator(_selected_value(element))
    if spec.kind is FieldKind.CHECKBOX:
        return CHECKBOX_VALUES[spec.block] in _checked_values(element)
    if spec.kind is FieldKind.FILES:
        return _parse_files(element.get("files"))
    text = _raw_text(element)
    if text is None:
        return None
    if spec.kind is FieldKind.INTEGER:
        return parse_integer(text, spec)
    if spec.kind is FieldKind.NUMBER:
        return parse_number(text, spec)
    if spec.kind is FieldKind.LOSSES:
        return parse_losses(text)
    if spec.kind is FieldKind.RANGES:
        return _parse_ranges(text)
    return text


def _parse_ranges(text: str) -> dict[str, list[int | float]] | None:
    try:
        return parse_ranges_text(text) or None
    except RangesTextError as problem:
        raise _InputError(str(problem)) from None


_FILE_KINDS = "a .jsonl, .ndjson, .csv or .parquet sample, or a trainer_state.json"


def _parse_files(items: object) -> tuple[SharedFile, ...] | None:
    """The attached files; an error when there are too many or one is of the wrong kind."""
    files = shared_files(items)
    if len(files) > MAX_FILES:
        raise _InputError(f"Attach at most {MAX_FILES} files: {_FILE_KINDS}")
    for shared in files:
        if shared.name is not None and evidence_kind(shared.name) is None:
            raise _InputError(f"{_echo(shared.name)} is not a data file: use {_FILE_KINDS}")
    return tuple(files) or None


def _parse_boolean(value: str | None) -> bool | None:
    if value is None:
        return None
    if value in ("true", "false"):
        return value == "true"
    raise _InputError("Choose yes or no")


def _parse_comparator(value: str | None) -> str | None:
    if value is None or value in (">=", "<="):
        return value
    raise _InputError(_COMPARATOR_CHOICE)


def _read(spec: FieldSpec, values: object, errors: dict[str, str]) -> Any:
    """Read one input; a problem goes into ``errors`` under the block id and gives None."""
    try:
        return _convert(spec, _element(values, spec.block))
    except _InputError as problem:
        errors[spec.block] = str(problem)
        return None


# --- the whole form --------------------------------------------------------------------------


def parse_proposal_form(values: object) -> ParsedForm:
    """Parse ``view["state"]["values"]`` into a Proposal and options, or errors by block id."""
    errors: dict[str, str] = {}
    data = {
        name: value
        for name in PROPOSAL_FIELDS
        if (value := _read(FIELD_SPECS[ProposalBlock(name)], values, errors)) is not None
    }
    locks, lock_numbers = _read_locks(values, errors)
    if locks:
        data["metric_locks"] = locks
    ranges = _read(FIELD_SPECS[ProposalBlock.RANGES], values, errors)
    if ranges:
        data["ranges"] = ranges
    files = _read(FIELD_SPECS[ProposalBlock.TRAINING_SAMPLE], values, errors) or ()
    options = _read_options(values, errors)
    proposal = _validate(data, lock_numbers, errors)
    meant = _read(FIELD_SPECS[ProposalBlock.PERCENT_FRACTIONS], values, errors)
    if proposal is not None and not meant:
        for name in suspected_fractions(proposal):
            errors[name] = f"{fraction_question(name, getattr(proposal, name))}, {FRACTIONS_TICK}"
    if errors or proposal is None:
        return ParsedForm(errors=errors)
    return ParsedForm(proposal=proposal, options=options, files=files)


def _read_locks(values: object, errors: dict[str, str]) -> tuple[list[dict[str, Any]], list[int]]:
    """The filled-in locks as dicts, and which lock number each list position came from."""
    locks: list[dict[str, Any]] = []
    numbers: list[int] = []
    for number in range(1, LOCK_COUNT + 1):
        lock = _read_lock(number, values, errors)
        if lock is not None:
            locks.append(lock)
            numbers.append(number)
    return locks, numbers


def _read_lock(number: int, values: object, errors: dict[str, str]) -> dict[str, Any] | None:
    """One lock, None when it is left empty or has a problem (recorded in ``errors``)."""
    blocks = {part: lock_block(number, part) for part in LOCK_PARTS}
    if not any(_is_filled(_element(values, block)) for block in blocks.values()):
        return None
    before = len(errors)
    lock = {part: _read(FIELD_SPECS[block], values, errors) for part, block in blocks.items()}
    for part in LOCK_REQUIRED_PARTS:
        if lock[part] is None and blocks[part] not in errors:
            errors[blocks[part]] = f"Needed because lock {number} has other fields filled in"
    if len(errors) > before:
        return None
    return {part: value for part, value in lock.items() if value is not None}


def _read_options(values: object, errors: dict[str, str]) -> ModalOptions:
    """The voting options, with the defaults for what is left empty."""
    window_spec = FIELD_SPECS[ProposalBlock.VOTE_WINDOW_DAYS]
    window = _read(window_spec, values, errors)
    if window is not None and not MIN_VOTE_WINDOW_DAYS <= window <= MAX_VOTE_WINDOW_DAYS:
        errors[window_spec.block] = (
            "Enter a vote window from 0.04 days (about an hour) to 30 days, e.g. 3"
        )
    secret = _read(FIELD_SPECS[ProposalBlock.SECRET_BALLOT], values, errors)
    return ModalOptions(
        vote_window_days=DEFAULT_VOTE_WINDOW_DAYS if window is None else window,
        secret_ballot=bool(secret),
    )


def _validate(
    data: dict[str, Any], lock_numbers: list[int], errors: dict[str, str]
) -> Proposal | None:
    """The Proposal, or None with its validation errors added to ``errors`` (first per block)."""
    try:
        return Proposal.model_validate(data)
    except ValidationError as invalid:
        for problem in invalid.errors():
            block = block_for_location(problem["loc"], lock_numbers)
            if block is not None and block not in errors:
                errors[block] = _message(problem, block)
        return None


def block_for_location(
    location: tuple[Any, ...], lock_numbers: list[int] | None = None
) -> str | None:
    """The block of an error location: ``("metric_locks", 0, "name")`` → ``lock_1_name``."""
    if not location:
        return None
    head = location[0]
    if head == "metric_locks" and len(location) >= 3 and isinstance(location[1], int):
        numbers = lock_numbers or list(range(1, LOCK_COUNT + 1))
        if location[1] < len(numbers) and location[2] in LOCK_PARTS:
            return lock_block(numbers[location[1]], location[2])
        return None
    return head if head in FIELD_SPECS else None


def _message(problem: Any, block: str) -> str:
    """A PM-readable message for one pydantic error on ``block``."""
    spec = FIELD_SPECS[ProposalBlock(block)]
    kind = problem["type"]
    if block == ProposalBlock.RANGES:
        return _ranges_message(problem)
    if kind == "missing":
        return _REQUIRED
    if block == ProposalBlock.VALIDATION_LOSSES:
        return _losses_message(problem)
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return spec.range_message()
    if kind == "string_too_long":
        return f"Use at most {spec.max_length} characters (this has {len(problem['input'])})"
    if kind == "string_too_short":
        return _REQUIRED
    if kind == "literal_error":
        return _COMPARATOR_CHOICE
    if kind.startswith("int_"):
        return _WHOLE_EXAMPLE
    return f"Not accepted: {problem['msg']}"


def _ranges_message(problem: Any) -> str:
    """A range's problem named by the field's short name: ``latency: must contain …``."""
    location = problem["loc"]
    field_name = location[1] if len(location) >= 2 else None
    message = str(problem["msg"])
    if field_name in SHORT_NAMES:
        message = message.replace(f"needs a {field_name} to", "needs a typed value to")
        message = message.replace("must be [low, high] with low at", "low must be at")
        message = message.replace("must be [low, high], ", "needs ")
        message = _GOT_PAIR.sub(lambda m: f"(you typed {_bare(m[1])}–{_bare(m[2])})", message)
        return _cut(f"{SHORT_NAMES[field_name]}: {message}")
    return _cut(f"Not accepted: {message}")


_GOT_PAIR = re.compile(r"\(got \[([^,\]]+), ([^\]]+)\]\)")


def _bare(number: str) -> str:
    return number.removesuffix(".0")


def _cut(text: str, limit: int = 150) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _losses_message(problem: Any) -> str:
    """A message about the validation-loss list or one of its items."""
    location, kind = problem["loc"], problem["type"]
    if len(location) >= 2 and isinstance(location[1], int):
        item = _shown(problem["input"]) if isinstance(problem["input"], float | int) else "?"
        return f"Value {location[1] + 1} ({_echo(item)}) is below 0: a loss is 0 or more"
    if kind == "too_long":
        return f"Give at most 1000 losses, one per epoch (this has {len(problem['input'])})"
    if kind == "too_short":
        return "Give at least one loss, or leave this empty"
    return "Enter the losses as numbers separated by commas, e.g. 0.9, 0.7, 0.58"
