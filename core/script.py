"""The talking-point script for the debrief, built from the numbers (docs/framework.md §6)."""

from __future__ import annotations

import math

from core.evaluation import CheckData, CheckId, Recommendation, Status, Verdict
from core.figures import Derived, Terms
from core.proposal import MetricLock, Proposal
from core.wording import exact, with_unit

ADVICE: dict[Recommendation, str] = {
    Recommendation.FINE_TUNE: "Go ahead with the fine-tune.",
    Recommendation.PROMPT_ENGINEERING: (
        "Spend the engineering days on a prompt-testing harness instead of fine-tuning."
    ),
    Recommendation.CURATE_DATA: (
        "Clean and de-duplicate the data first, and use prompt engineering meanwhile."
    ),
    Recommendation.PROMPT_OR_FEATURE_FLAG: (
        "Reach the gain with prompt engineering or a feature-flag toggle instead of fine-tuning."
    ),
    Recommendation.RESCOPE_OR_DEFER: (
        "Rescope the work to ship inside the window, or defer it to a quarter where the "
        "revenue lands."
    ),
    Recommendation.MEET_LATENCY_AND_LOCKS: (
        "Bring the latency within the SLA and meet the Metric-Locks before asking again."
    ),
}


def script(
    proposal: Proposal,
    terms: Terms,
    derived: Derived,
    checks: list[CheckData],
    verdict: Verdict,
    recommendation: Recommendation,
    primary_reason: str | None,
) -> str:
    """One or two sentences a product manager can say in the debrief."""
    if verdict is Verdict.REJECT:
        return f"{primary_reason} {ADVICE[recommendation]}".lstrip()
    lock_check = next(check for check in checks if check["id"] is CheckId.METRIC_LOCK)
    if lock_check["status"] is Status.PASS:
        return _locks_script(proposal.metric_locks)
    return _figures_script(proposal, terms, derived)


def _locks_script(locks: list[MetricLock]) -> str:
    first_two = locks[:2]
    delivered = [_amount(lock, article=True) for lock in first_two if lock.comparator == ">="]
    kept = [_amount(lock, article=False) for lock in first_two if lock.comparator == "<="]
    if delivered and kept:
        claim = f"delivers {delivered[0]} while staying at {kept[0]}"
    elif delivered:
        claim = f"delivers {' and '.join(delivered)}"
    else:
        claim = f"stays at {' and '.join(kept)}"
    satisfied = "the dual threshold" if len(locks) == 2 else f"all {len(locks)} thresholds"
    return f"Our fine-tuned model {claim}, satisfying {satisfied} set for this quarter."


def _amount(lock: MetricLock, *, article: bool) -> str:
    value = with_unit(lock.achieved, lock.unit)
    return f"{_article(value)} {value} {lock.name}" if article else f"{value} {lock.name}"


def _article(spoken: str) -> str:
    """``a`` or ``an`` before a number, as it is read aloud (an 8, an 11, an 18 000)."""
    digits = spoken.split(".")[0].replace(",", "").split(" ")[0]
    if not digits.isdigit():
        return "a"
    eleven_or_eighteen = digits[:2] in ("11", "18") and len(digits) % 3 == 2
    return "an" if digits.startswith("8") or eleven_or_eighteen else "a"


def _figures_script(proposal: Proposal, terms: Terms, derived: Derived) -> str:
    lift = f"lifts {proposal.kpi_name} by {exact(proposal.projected_lift_pct, 1)} %"
    if proposal.prompt_result is not None and proposal.target_result is not None:
        lift += (
            f" (prompt engineering alone reaches {exact(proposal.prompt_result)} against the "
            f"{exact(proposal.target_result)} target)"
        )
    latency = (
        f"runs at {exact(terms.latency_ms)} ms against the {exact(terms.latency_sla_ms)} ms SLA"
    )
    roi = derived.timing_adjusted_roi
    returns = (
        "has an unbounded timing-adjusted ROI, as it costs nothing"
        if math.isinf(roi)
        else f"returns a timing-adjusted ROI of {roi:,.1f}×"
    )
    return f"Our fine-tuned model {lift}, {latency} and {returns}."
