"""What the engine returns: checks, figures, verdict, flips and script (docs/framework.md §2–§6)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Literal, TypedDict, TypeVar

from pydantic import BaseModel, ConfigDict

from core.policy import Policy

# Infinite ROIs survive a JSON round trip as "Infinity" (the public contract writes null instead).
_FROZEN = ConfigDict(extra="forbid", frozen=True, ser_json_inf_nan="strings")


class CheckId(StrEnum):
    """The checks of §3, in the order they are evaluated and reported."""

    KPI_LIFT = "kpi_lift"
    CLEAN_DATA_VOLUME = "clean_data_volume"
    DATA_HYGIENE = "data_hygiene"
    SIGNAL_WEIGHTED_ROI = "signal_weighted_roi"
    DELIVERY_WINDOW = "delivery_window"
    TIMING_ADJUSTED_ROI = "timing_adjusted_roi"
    LATENCY_SLA = "latency_sla"
    PROMPT_ALTERNATIVE = "prompt_alternative"
    METRIC_LOCK = "metric_lock"
    DIMINISHING_RETURNS = "diminishing_returns"
    OVERFITTING = "overfitting"


class CheckKind(StrEnum):
    GATE = "gate"
    ADVISORY = "advisory"


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    NOT_APPLICABLE = "n/a"


class Verdict(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class Recommendation(StrEnum):
    FINE_TUNE = "fine_tune"
    PROMPT_ENGINEERING = "prompt_engineering"
    CURATE_DATA = "curate_data"
    PROMPT_OR_FEATURE_FLAG = "prompt_or_feature_flag"
    RESCOPE_OR_DEFER = "rescope_or_defer"
    MEET_LATENCY_AND_LOCKS = "meet_latency_and_locks"


FlipComparator = Literal[">=", ">", "<=", "<"]


class CheckData(TypedDict):
    """A check as the engine builds it, before the ``Evaluation`` validates it into a ``Check``."""

    id: CheckId
    kind: CheckKind
    status: Status
    value: int | float | None
    threshold: int | float | None
    message: str


class ChangeData(TypedDict):
    """A ``Change`` as the engine builds it."""

    field: str
    current: int | float | None
    required: int | float
    comparator: FlipComparator


class FlipData(TypedDict):
    """A ``Flip`` as the engine builds it."""

    changes: list[ChangeData]
    gates: list[CheckId]


class Check(BaseModel):
    """One rule's outcome, with the figure it measured and the threshold it used."""

    model_config = _FROZEN

    id: CheckId
    kind: CheckKind
    status: Status
    value: int | float | None
    threshold: int | float | None
    message: str


class Change(BaseModel):
    """One field moved to the value a gate needs."""

    model_config = _FROZEN

    field: str
    current: int | float | None
    required: int | float
    comparator: FlipComparator


class Flip(BaseModel):
    """A set of changes that, applied together, makes every gate it lists stop failing."""

    model_config = _FROZEN

    changes: list[Change]
    gates: list[CheckId]


class VerdictFlip(BaseModel):
    """The combination that approves: changes that, applied together, make no gate fail
    (none when nothing fails)."""

    model_config = _FROZEN

    changes: list[Change]


class Figures(BaseModel):
    """The derived figures of §2. ``inf`` is possible for ROIs when the total cost is 0."""

    model_config = _FROZEN

    clean_proportion: float
    clean_examples: int
    total_cost_usd: float
    weighted_lift_per_day_pct: float
    raw_roi: float
    timing_adjusted_gain_usd: float
    timing_adjusted_roi: float


class Evaluation(BaseModel):
    """The engine's full answer for one proposal under one policy."""

    model_config = _FROZEN

    verdict: Verdict
    recommendation: Recommendation
    primary_reason: str | None
    checks: list[Check]
    flips: list[Flip]
    figures: Figures
    script: str
    policy: Policy
    # After the policy: evaluations stored before the combination existed read back without it.
    verdict_flip: VerdictFlip | None = None
    verdict_flip_blocker: str | None = None

    def check(self, check_id: CheckId) -> Check:
        """The check with this id (every evaluation carries all of them)."""
        return next(check for check in self.checks if check.id == check_id)


_Model = TypeVar("_Model", bound=BaseModel)

# Every field of each result model: all of them are always set. One set per model, shared by
# its trusted instances (the models are frozen, so nothing adds to it).
_ALL_FIELDS: dict[type[BaseModel], set[str]] = {
    model: set(model.model_fields)
    for model in (Check, Change, Flip, VerdictFlip, Figures, Evaluation)
}
_new_instance = object.__new__
# The slots every pydantic model instance has, set through their descriptors (a frozen model
# refuses ``setattr``; the descriptors skip the attribute lookup ``object.__setattr__`` does).
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


def trusted(model: type[_Model], fields: Mapping[str, Any]) -> _Model:
    """An instance of a result model from values the engine computed itself, not validated.

    ``fields``, a plain dict, becomes the instance's ``__dict__``: it holds every field of
    ``model``, in order, each already of its field's type (enum members, ints where ``int``,
    floats where ``float``, model instances for nested models). The engine's output is trusted;
    tests/core/test_trusted_output.py validates a sample of evaluations to keep it so.
    Measured per evaluation, this is cheaper than one ``model_validate`` of the whole result,
    and ``model_construct`` is three times dearer than that.
    """
    instance = _new_instance(model)
    _set_dict(instance, fields)
    _set_fields_set(instance, _ALL_FIELDS[model])
    _set_extra(instance, None)
    _set_private(instance, None)
    return instance
