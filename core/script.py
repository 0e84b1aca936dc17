"""The talking-point script for the debrief, built from the numbers (docs/framework.md §6).

It argues for the verdict with its real reason, in the units of `core.wording`:
- rejected: the reason the recommendation answers, the recommendation, and what it would take
  to approve;
- approved with a satisfied Metric-Lock: the locks as the manager set them;
- approved otherwise: the lift, why the prompt route does not replace the fine-tune (when it was
  assessed), the latency against the SLA and the timing-adjusted ROI.
"""

from __future__ import annotations

from core.evaluation import (
    ChangeData,
    CheckData,
    CheckId,
    CheckKind,
    Recommendation,
    Status,
    Verdict,
)
from core.figures import Derived, Terms
from core.proposal import MetricLock, Proposal
from core.telling import advice, combination_words
from core.verdict import deciding_gate
from core.wording import (
    exact,
    hours_per_week,
    joined,
    ms,
    percent,
    proportion,
    roi,
    with_unit,
)

GATE = CheckKind.GATE
LOCKS_NAMED = 3


def script(
    proposal: Proposal,
    terms: Terms,
    derived: Derived,
    checks: list[CheckData],
    verdict: Verdict,
    recommendation: Recommendation,
    combination: list[ChangeData] | None,
) -> str:
    """A few sentences a product manager can say in the debrief."""
    if verdict is Verdict.REJECT:
        return _rejection(proposal, checks, recommendation, combination)
    lock_check = _check(checks, CheckId.METRIC_LOCK)
    if lock_check["status"] is Status.PASS:
        return _locks_script(proposal.metric_locks)
    return _figures_script(proposal, terms, derived, _check(checks, CheckId.PROMPT_ALTERNATIVE))


def _check(checks: list[CheckData], check_id: CheckId) -> CheckData:
    return next(check for check in checks if check["id"] is check_id)


def _rejection(
    proposal: Proposal,
    checks: list[CheckData],
    recommendation: Recommendation,
    combination: list[ChangeData] | None,
) -> str:
    failing = [c["id"] for c in checks if c["status"] is Status.FAIL and c["kind"] is GATE]
    deciding = deciding_gate(failing)
    reason = _check(checks, deciding)["message"] if deciding else ""
    sentences = [reason, advice(recommendation, failing)]
    if combination:
        words = combination_words(combination, proposal, spoken=True)
        joiner = " " if words.startswith("only ") else " with "
        sentences.append(f"It would approve{joiner}{words}.")
    return " ".join(sentence for sentence in sentences if sentence)


def _locks_script(locks: list[MetricLock]) -> str:
    """The locks as the manager set them: name, what was achieved, what was locked."""
    named = [_kept(lock) for lock in locks[:LOCKS_NAMED]]
    rest = len(locks) - len(named)
    if rest > 0:
        named.append(f"{rest} more lock{'s' if rest > 1 else ''}")
    satisfied = "the dual threshold" if len(locks) == 2 else f"all {len(locks)} thresholds"
    return f"Our fine-tuned model satisfies {satisfied} set for this quarter: {joined(named)}."


def _kept(lock: MetricLock) -> str:
    sign = "≥" if lock.comparator == ">=" else "≤"
    return (
        f"{lock.name} at {with_unit(lock.achieved, lock.unit)} against a locked "
        f"{sign} {with_unit(lock.threshold, lock.unit)}"
    )


def _figures_script(
    proposal: Proposal, terms: Terms, derived: Derived, prompt_check: CheckData
) -> str:
    lift = f"lifts {proposal.kpi_name} by {percent(proposal.projected_lift_pct)}"
    latency = f"runs at {ms(terms.latency_ms)} against the {exact(terms.latency_sla_ms)} ms SLA"
    adjusted = derived.timing_adjusted_roi
    returns = (
        "has an unbounded timing-adjusted ROI, as it costs nothing"
        if adjusted == float("inf")
        else f"returns a timing-adjusted ROI of {roi(adjusted)}"
    )
    prompt = _why_not_prompts(proposal, prompt_check)
    return f"Our fine-tuned model {lift}, {latency} and {returns}.{prompt}"


def _why_not_prompts(proposal: Proposal, prompt_check: CheckData) -> str:
    """Why prompt engineering does not replace the fine-tune, when that was assessed."""
    if prompt_check["status"] is not Status.PASS:
        return ""
    ratio, substitute = prompt_check["value"], prompt_check["threshold"]
    assert ratio is not None and substitute is not None  # a passing prompt check measured both
    upkeep = proposal.prompt_maintenance_hours_per_week
    if ratio <= substitute:
        return (
            f" Prompt engineering alone reaches only {proportion(ratio, substitute)} of the "
            "target, so it cannot replace the fine-tune."
        )
    if not proposal.prompt_space_well_understood:
        return " The prompt space is not well understood yet, so prompts cannot replace it."
    assert upkeep is not None  # the route passes on its ratio only through its upkeep
    return (
        f" Prompt engineering would need {hours_per_week(upkeep)} of upkeep, so over time "
        "the fine-tune is the cheaper route."
    )
