"""``evaluate``: a proposal and a policy in, the full evaluation out (docs/framework.md §2–§6)."""

from __future__ import annotations

from core.approval import Approval, Setting, approval
from core.evaluation import (
    Change,
    ChangeData,
    Check,
    CheckData,
    CheckId,
    Evaluation,
    Figures,
    Flip,
    FlipData,
    VerdictFlip,
    trusted,
)
from core.figures import Terms, derive
from core.flips import blockers, flips
from core.limits import limits_of
from core.policy import Policy
from core.proposal import Proposal
from core.rules import checks, unmet_locks
from core.script import script
from core.verdict import failing_gates, primary_reason, recommendation, verdict
from core.wording import check_name


def evaluate(proposal: Proposal, policy: Policy) -> Evaluation:
    """Run every check, decide, work out what would flip it and write the script."""
    limits = limits_of(policy)
    terms = Terms.of(proposal, policy)
    derived = derive(terms)
    unmet = unmet_locks(proposal.metric_locks)
    found = checks(proposal, terms, derived, policy, limits, unmet)
    failing = failing_gates(found)
    failing_ids = [check["id"] for check in failing]
    options = flips(proposal, terms, derived, policy, limits, failing_ids, unmet)
    blocked = blockers(terms, derived, policy, failing_ids, options)
    for check in failing:  # the same dicts as in ``found``: the check itself gets the clause
        if check["id"] in blocked:
            check["message"] = _what_blocks(check, blocked[check["id"]])
    setting = Setting(proposal, terms, policy, limits, failing_ids, unmet)
    combined = approval(setting, options.options)
    decided, advice, reason = verdict(failing), recommendation(failing), primary_reason(failing)
    # The engine's own output is built without validation (see ``trusted``).
    return trusted(
        Evaluation,
        {
            "verdict": decided,
            "recommendation": advice,
            "primary_reason": reason,
            "checks": [trusted(Check, check) for check in found],
            "flips": [_flip(option) for option in options.options],
            "figures": trusted(Figures, derived.figures()),
            "script": script(proposal, terms, derived, found, decided, advice, combined.changes),
            "policy": policy,
            "verdict_flip": _verdict_flip(combined.changes),
            "verdict_flip_blocker": _blocker(combined, blocked),
        },
    )


def _what_blocks(check: CheckData, blocker: str) -> str:
    """A failing gate's message, extended by why no option reaches it."""
    return f"{check['message'][:-1]}; {blocker}."


def _flip(option: FlipData) -> Flip:
    changes = [trusted(Change, change) for change in option["changes"]]
    return trusted(Flip, {"changes": changes, "gates": option["gates"]})


def _verdict_flip(changes: list[ChangeData] | None) -> VerdictFlip | None:
    if changes is None:
        return None
    return trusted(VerdictFlip, {"changes": [trusted(Change, change) for change in changes]})


def _blocker(combined: Approval, blocked: dict[CheckId, str]) -> str | None:
    """What stops every combination: the gate no option reaches, and why."""
    gate = combined.blocked_by
    if gate is None:
        return None
    clause = blocked.get(gate, "no change within the fields' valid ranges fixes it")
    return f"{check_name(gate.value)}: {clause}"
