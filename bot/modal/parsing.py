"""The proposal modal's state ⇄ a `Proposal`: reading each input, and the errors keyed by
block id that go back as `response_action: errors`."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from bot.evidence.shared import MAX_FILES, SharedFile, evidence_kind, shared_files
from bot.ids import (
    INPUT_ACTION_ID,
    LOCK_COUNT,
    LOCK_PARTS,
    RESET_VOTES_BLOCK,
    ProposalBlock,
    lock_block,
)
from bot.modal.fields import (
    CHECKBOX_VALUES,
    COMPARATOR_CHOICE,
    DEFAULT_VOTE_WINDOW_DAYS,
    ECHO_LIMIT,
    FIELD_SPECS,
    FRACTIONS_TICK,
    LOCK_REQUIRED_PARTS,
    MAX_DIGITS,
    MAX_VOTE_WINDOW_DAYS,
    MIN_VOTE_WINDOW_DAYS,
    NUMBER_EXAMPLE,
    PROPOSAL_FIELDS,
    REQUIRED,
    RESET_VOTES_VALUE,
    WHOLE_EXAMPLE,
    FieldKind,
    FieldSpec,
    ModalOptions,
    shown_bound,
)
from bot.modal.ranges import SHORT_NAMES, RangesTextError, parse_ranges_text
from core.fractions import fraction_question, suspected_fractions
from core.proposal import Proposal


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
    return text if len(text) <= ECHO_LIMIT else text[: ECHO_LIMIT - 1] + "…"


def parse_number(text: str, spec: FieldSpec) -> float:
    """A finite float from typed text; raises `_InputError` with the message to show."""
    try:
        number = float(text)
    except ValueError:
        raise _InputError(NUMBER_EXAMPLE) from None
    if math.isnan(number):
        raise _InputError(NUMBER_EXAMPLE)
    if math.isinf(number):
        raise _InputError(f"That number is too large. {spec.range_message()}")
    return number


def parse_integer(text: str, spec: FieldSpec) -> int:
    """A whole number from typed text (``12`` or ``12.0``); raises `_InputError` otherwise."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _InputError(WHOLE_EXAMPLE) from None
    if not number.is_finite():
        raise _InputError(WHOLE_EXAMPLE)
    if number.adjusted() > MAX_DIGITS:
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
    raise _InputError(COMPARATOR_CHOICE)


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
        return REQUIRED
    if block == ProposalBlock.VALIDATION_LOSSES:
        return _losses_message(problem)
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return spec.range_message()
    if kind == "string_too_long":
        return f"Use at most {spec.max_length} characters (this has {len(problem['input'])})"
    if kind == "string_too_short":
        return REQUIRED
    if kind == "literal_error":
        return COMPARATOR_CHOICE
    if kind.startswith("int_"):
        return WHOLE_EXAMPLE
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
        item = shown_bound(problem["input"]) if isinstance(problem["input"], float | int) else "?"
        return f"Value {location[1] + 1} ({_echo(item)}) is below 0: a loss is 0 or more"
    if kind == "too_long":
        return f"Give at most 1000 losses, one per epoch (this has {len(problem['input'])})"
    if kind == "too_short":
        return "Give at least one loss, or leave this empty"
    return "Enter the losses as numbers separated by commas, e.g. 0.9, 0.7, 0.58"
