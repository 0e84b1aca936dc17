"""The proposal modal's fields: how each input is entered and what it accepts, the voting
options, and what `private_metadata` carries."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, get_args

import annotated_types
from pydantic import BaseModel

from bot.ids import (
    LOCK_COUNT,
    LOCK_PARTS,
    LockPart,
    ProposalBlock,
    lock_block,
)
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
MAX_DIGITS = 30
ECHO_LIMIT = 20
NUMBER_EXAMPLE = "Enter a number, e.g. 6.2"
WHOLE_EXAMPLE = "Enter a whole number, e.g. 12"
COMPARATOR_CHOICE = "Choose ≥ (at least) or ≤ (at most)"
REQUIRED = "Required: fill this in"


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
        low, high = shown_bound(self.minimum), shown_bound(self.maximum)
        if self.above_minimum and self.maximum is not None:
            return f"Enter {what} above {low} and up to {high}"
        if self.above_minimum:
            return f"Enter {what} above {low}"
        if self.minimum is not None and self.maximum is not None:
            return f"Enter {what} from {low} to {high}"
        if self.minimum is not None:
            return f"Enter {what} of {low} or more"
        return WHOLE_EXAMPLE if self.kind is FieldKind.INTEGER else NUMBER_EXAMPLE


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


def shown_bound(value: float | None) -> str:
    """A field's bound as the messages write it: ``0``, ``1000``, ``0.04``."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(value)
