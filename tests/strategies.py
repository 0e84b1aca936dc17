"""Hypothesis strategies for valid `Proposal`s, shared by the Slack-side property tests."""

from __future__ import annotations

from hypothesis import strategies as st

from core.proposal import MetricLock, Proposal


def _finite(
    low: float | None = None, high: float | None = None, *, exclude_min: bool = False
) -> st.SearchStrategy[float]:
    """Floats between the bounds given, never NaN or infinite."""
    return st.floats(low, high, allow_nan=False, allow_infinity=False, exclude_min=exclude_min)


def _text(*, max_size: int, stripped: bool) -> st.SearchStrategy[str]:
    """Text with something besides white space; `stripped`: without white space around it."""
    text = st.text(min_size=1, max_size=max_size)
    return text.map(str.strip).filter(bool) if stripped else text.filter(str.strip)


def proposals(
    *,
    stripped: bool,
    max_locks: int,
    max_epochs: int,
    max_losses: int,
    max_loss: float | None = None,
) -> st.SearchStrategy[Proposal]:
    """Valid proposals over the whole range of every field.

    `stripped` keeps texts without surrounding white space (what a Slack form gives back);
    the other bounds cap the lists and numbers the caller can represent.
    """
    unit = st.text(max_size=20)
    locks = st.builds(
        MetricLock,
        name=_text(max_size=80, stripped=stripped),
        comparator=st.sampled_from([">=", "<="]),
        threshold=_finite(),
        achieved=_finite(),
        unit=unit.map(str.strip) if stripped else unit,
    )
    return st.builds(
        Proposal,
        title=_text(max_size=150, stripped=stripped),
        kpi_name=_text(max_size=80, stripped=stripped),
        projected_lift_pct=st.floats(-100, 1000),
        dataset_examples=st.integers(0, 10**12),
        label_accuracy_pct=st.floats(0, 100),
        diversity_pct=st.floats(0, 100),
        duplicate_pct=st.floats(0, 100),
        engineers=st.integers(1, 1000),
        engineering_days=st.floats(0, 3650, exclude_min=True),
        engineer_day_cost_usd=st.none() | _finite(0),
        compute_cost_usd=_finite(0),
        projected_revenue_usd=_finite(0),
        revenue_horizon_days=st.none() | st.integers(1, 3650),
        delivery_days=st.integers(0, 3650),
        latency_ms=_finite(0, exclude_min=True),
        latency_sla_ms=st.none() | _finite(0, exclude_min=True),
        prompt_result=st.none() | _finite(),
        target_result=st.none() | _finite(0, exclude_min=True),
        prompt_space_well_understood=st.booleans(),
        prompt_maintenance_hours_per_week=st.none() | _finite(0),
        planned_epochs=st.none() | st.integers(1, max_epochs),
        validation_losses=st.none()
        | st.lists(_finite(0, max_loss), min_size=1, max_size=max_losses),
        metric_locks=st.lists(locks, max_size=max_locks),
    )
