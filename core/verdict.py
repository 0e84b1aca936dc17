"""Verdict, recommendation and primary reason (docs/framework.md §4)."""

from __future__ import annotations

from core.evaluation import CheckData, CheckId, CheckKind, Recommendation, Status, Verdict

# §4's list after "fine_tune when approved": the first whose gates include a failure applies.
_RECOMMENDATIONS: tuple[tuple[Recommendation, frozenset[CheckId]], ...] = (
    (Recommendation.PROMPT_ENGINEERING, frozenset({CheckId.PROMPT_ALTERNATIVE})),
    (Recommendation.CURATE_DATA, frozenset({CheckId.DATA_HYGIENE, CheckId.CLEAN_DATA_VOLUME})),
    (
        Recommendation.PROMPT_OR_FEATURE_FLAG,
        frozenset({CheckId.KPI_LIFT, CheckId.SIGNAL_WEIGHTED_ROI}),
    ),
    (
        Recommendation.RESCOPE_OR_DEFER,
        frozenset({CheckId.DELIVERY_WINDOW, CheckId.TIMING_ADJUSTED_ROI}),
    ),
    (
        Recommendation.MEET_LATENCY_AND_LOCKS,
        frozenset({CheckId.LATENCY_SLA, CheckId.METRIC_LOCK}),
    ),
)


def failing_gates(checks: list[CheckData]) -> list[CheckData]:
    """The gates that failed, in the order of §3."""
    return [c for c in checks if c["status"] is Status.FAIL and c["kind"] is CheckKind.GATE]


def verdict(failing: list[CheckData]) -> Verdict:
    """Approve if and only if no gate failed."""
    return Verdict.REJECT if failing else Verdict.APPROVE


def recommendation(failing: list[CheckData]) -> Recommendation:
    """What to do next: the first recommendation of §4 that applies."""
    failed = {check["id"] for check in failing}
    for advice, gates in _RECOMMENDATIONS:
        if failed & gates:
            return advice
    return Recommendation.FINE_TUNE


def primary_reason(failing: list[CheckData]) -> str | None:
    """The message of the first failing gate; ``None`` when approved."""
    return failing[0]["message"] if failing else None



def deciding_gate(failing: list[CheckId]) -> CheckId | None:
    """The failing gate the recommendation answers: the first, in the order of §3, of the
    gates that made it apply (the reason to give with it); ``None`` when nothing failed."""
    failed = set(failing)
    for _, gates in _RECOMMENDATIONS:
        if failed & gates:
            return next(gate for gate in failing if gate in gates)
    return None
