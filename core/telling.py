"""How a verdict is told to people: one reason, one piece of advice that agrees with it, the
combination that approves, the other failures, the options per gate and the key figures.

Every surface (the CLI's text and Markdown, the Slack message, the decision record) renders
this one telling, so they say the same thing in the same words, each fact once. Pure: an
evaluation and its proposal in, sentences out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.evaluation import (
    Change,
    ChangeData,
    Check,
    CheckId,
    CheckKind,
    Evaluation,
    Flip,
    Recommendation,
    Status,
    Verdict,
)
from core.figures import Terms
from core.proposal import MetricLock, Proposal
from core.verdict import deciding_gate
from core.wording import (
    bound,
    capitalised,
    check_name,
    days,
    dollars,
    exact,
    field_value,
    field_words,
    joined,
    ms,
    percent,
    percent_threshold,
    pp_per_day,
    pp_per_day_threshold,
    proportion,
    roi,
    roi_threshold,
    rows,
    value_of,
    with_unit,
)

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

_LATENCY_ONLY = "Bring the latency within the SLA before asking again."
_LOCKS_ONLY = "Meet the Metric-Locks before asking again."


def advice(recommendation: Recommendation, failing: list[CheckId]) -> str:
    """What the engine advises, about the gates that actually failed."""
    if recommendation is Recommendation.MEET_LATENCY_AND_LOCKS:
        latency, locks = CheckId.LATENCY_SLA in failing, CheckId.METRIC_LOCK in failing
        if latency and not locks:
            return _LATENCY_ONLY
        if locks and not latency:
            return _LOCKS_ONLY
    return ADVICE[recommendation]


ENGINE_VERDICTS = {Verdict.APPROVE: "Engine: approve", Verdict.REJECT: "Engine: reject"}

_LOCK_FIELD = re.compile(r"metric_locks\[(\d+)\]\.achieved")


@dataclass(frozen=True)
class Telling:
    """What every surface says about one evaluation, in the order it says it."""

    headline: str
    reason: str | None
    advice: str
    to_approve: str | None
    also_failing: list[str]
    options: list[str]
    figures: list[tuple[str, str]]


def tell(proposal: Proposal, evaluation: Evaluation) -> Telling:
    """The telling of an evaluation of ``proposal``."""
    failing = failing_gates(evaluation)
    deciding = deciding_gate([check.id for check in failing])
    reason = evaluation.check(deciding).message if deciding else None
    return Telling(
        headline=ENGINE_VERDICTS[evaluation.verdict],
        reason=reason,
        advice=advice(evaluation.recommendation, [check.id for check in failing]),
        to_approve=to_approve_line(proposal, evaluation),
        also_failing=[check_name(check.id.value) for check in failing if check.id != deciding],
        options=[option_sentence(flip, proposal) for flip in evaluation.flips],
        figures=key_figures(proposal, evaluation),
    )


def failing_gates(evaluation: Evaluation) -> list[Check]:
    """The gates that failed, in the order of the checks."""
    return [
        check
        for check in evaluation.checks
        if check.status is Status.FAIL and check.kind is CheckKind.GATE
    ]


# --- the combination that approves ----------------------------------------------------------


def to_approve_line(proposal: Proposal, evaluation: Evaluation) -> str | None:
    """``To approve: projected lift ≥ 8.0 % and delivery time ≤ 40 days.``; what blocks it
    when nothing can; ``None`` when approved."""
    if evaluation.verdict is Verdict.APPROVE:
        return None
    if evaluation.verdict_flip is None:
        if evaluation.verdict_flip_blocker is None:
            return None  # stored before the engine worked out combinations
        return f"No combination of changes approves it: {evaluation.verdict_flip_blocker}."
    return f"To approve: {combination_words(evaluation.verdict_flip.changes, proposal)}."


def combination_words(
    changes: list[Change] | list[ChangeData], proposal: Proposal, *, spoken: bool = False
) -> str:
    """The changes of a combination in words, levers first, then the re-estimates it hangs on:
    ``projected lift ≥ 8.0 % and delivery time ≤ 40 days``, or ``only if the prompt route
    really needs more than 8 h/week of upkeep``; ``spoken``, as said aloud: ``a projected lift
    of at least 8.0 % and a delivery time of at most 40 days``."""
    levers = [
        _target(change, proposal, spoken=spoken) for change in changes if not _is_estimate(change)
    ]
    questions = [_question(change, proposal) for change in changes if _is_estimate(change)]
    if not levers:
        return "only " + joined(questions)
    return joined(levers) + ("" if not questions else ", and only " + joined(questions))


def _field(change: Change | ChangeData) -> str:
    return change.field if isinstance(change, Change) else change["field"]


def _parts(change: Change | ChangeData) -> tuple[str, float | None, float, str]:
    if isinstance(change, Change):
        return change.field, change.current, change.required, change.comparator
    return change["field"], change["current"], change["required"], change["comparator"]


def _is_estimate(change: Change | ChangeData) -> bool:
    return field_words(_field(change)).estimate


_SPOKEN = {"≥": "at least", "≤": "at most"}


def _target(change: Change | ChangeData, proposal: Proposal, *, spoken: bool = False) -> str:
    """``projected lift ≥ 8.0 %`` (spoken: ``a projected lift of at least 8.0 %``); a lock's
    achieved value by its lock's name and unit."""
    field, _, required, comparator = _parts(change)
    lock = _lock_of(field, proposal)
    if lock is not None:
        symbol, name, shown = _SYMBOL[comparator], lock.name, with_unit(required, lock.unit)
    else:
        words = field_words(field)
        found = bound(required, comparator, words.kind)
        symbol, name, shown = found.symbol, words.name, value_of(words.kind, found.value)
    if spoken:
        return f"{name} of {_SPOKEN[symbol]} {shown}"
    return f"{name} {symbol} {shown}"


_SYMBOL = {">=": "≥", ">": "≥", "<=": "≤", "<": "≤"}


def _question(change: Change | ChangeData, proposal: Proposal) -> str:
    """A re-estimate as a question for the team: ``if the prompt route really needs more than
    8 h/week of upkeep``."""
    field, _, required, comparator = _parts(change)
    more = "more than" if comparator == ">" else "at least"
    if field == "prompt_maintenance_hours_per_week":
        return f"if the prompt route really needs {more} {exact(required)} h/week of upkeep"
    words = field_words(field)
    shown = bound(required, comparator, words.kind).value
    return f"if the {words.name} really reaches {field_value(field, shown)} or more"


def _lock_of(field: str, proposal: Proposal) -> MetricLock | None:
    match = _LOCK_FIELD.fullmatch(field)
    if match is None or int(match.group(1)) >= len(proposal.metric_locks):
        return None
    return proposal.metric_locks[int(match.group(1))]


# --- the options per gate -------------------------------------------------------------------


def option_sentence(flip: Flip, proposal: Proposal) -> str:
    """One option of "what would flip it" in words, with the gates it clears by name."""
    gates = gates_phrase(flip.gates)
    if all(_is_estimate(change) for change in flip.changes):
        asked = joined([_question(change, proposal) for change in flip.changes])
        return f"{capitalised(asked)} ({_nows(flip.changes, proposal)}), {gates}."
    moves = joined([change_words(change, proposal) for change in flip.changes])
    return f"{capitalised(moves)}: {gates}."


def gates_phrase(gates: list[CheckId]) -> str:
    """``the minimum lift gate passes``, ``the minimum lift and signal-weighted ROI gates
    pass``."""
    names = joined([check_name(gate.value) for gate in gates])
    return f"the {names} gate passes" if len(gates) == 1 else f"the {names} gates pass"


def change_words(change: Change, proposal: Proposal) -> str:
    """``raise projected lift to ≥ 8.0 % (now 4.0 %)``."""
    verb = "set" if change.current is None else ("raise" if ">" in change.comparator else "lower")
    return f"{verb} {_to(_target(change, proposal))} ({_now(change, proposal)})"


def _to(target: str) -> str:
    """``projected lift ≥ 8.0 %`` → ``projected lift to ≥ 8.0 %``."""
    for symbol in ("≥", "≤"):
        name, found, rest = target.rpartition(f" {symbol} ")
        if found:
            return f"{name} to {symbol} {rest}"
    return target


def _now(change: Change, proposal: Proposal) -> str:
    if change.current is None:
        return "not given yet"
    lock = _lock_of(change.field, proposal)
    shown = (
        with_unit(change.current, lock.unit) if lock else field_value(change.field, change.current)
    )
    return f"now {shown}"


def _nows(changes: list[Change], proposal: Proposal) -> str:
    return "; ".join(
        "not estimated yet"
        if change.current is None
        else f"estimated now at {field_value(change.field, change.current)}"
        for change in changes
    )


# --- the key figures ------------------------------------------------------------------------


def key_figures(proposal: Proposal, evaluation: Evaluation) -> list[tuple[str, str]]:
    """The figures a committee asks for, each once, in the units of `core.wording`."""
    figures, policy = evaluation.figures, evaluation.policy
    terms = Terms.of(proposal, policy)
    return [
        ("Projected lift", f"{percent(proposal.projected_lift_pct)} on {proposal.kpi_name}"),
        (
            "Clean examples",
            f"{rows(figures.clean_examples)} ({proportion(figures.clean_proportion)} clean)",
        ),
        ("Total cost", dollars(figures.total_cost_usd)),
        ("Weighted lift", pp_per_day(figures.weighted_lift_per_day_pct)),
        (
            "Timing-adjusted ROI",
            f"{roi(figures.timing_adjusted_roi)} (raw {roi(figures.raw_roi)})",
        ),
        ("Delivery", f"{days(proposal.delivery_days)} (window {days(policy.max_delivery_days)})"),
        ("Latency", f"{ms(proposal.latency_ms)} (SLA {ms(terms.latency_sla_ms)})"),
    ]


def check_status_line(evaluation: Evaluation, icons: dict[Status, str]) -> str:
    """Every check as an icon and its name, on one line: ``✅ minimum lift · ❌ …``."""
    return " · ".join(
        f"{icons[check.status]} {check_name(check.id.value)}" for check in evaluation.checks
    )


# --- a check's figures ----------------------------------------------------------------------


def check_figures(check: Check, proposal: Proposal) -> tuple[str, str]:
    """A check's value and threshold in its units: ``("4.0 %", "5.0 %")``; ``("–", "–")``
    when it was not assessed."""
    value, threshold = check.value, check.threshold
    if value is None or threshold is None:
        return "–", "–"
    if check.id is CheckId.METRIC_LOCK:
        return f"{int(value)} of {int(threshold)} met", f"{int(threshold)} of {int(threshold)}"
    if check.id is CheckId.OVERFITTING and not proposal.validation_losses:
        return f"{int(value)} epochs", f"{int(threshold)} epochs"  # the plan, not a curve
    kind = _CHECK_KINDS.get(check.id)
    return _figure_as(kind, value, threshold), _threshold_as(kind, threshold)


def _figure_as(kind: str | None, value: float, threshold: float) -> str:
    if kind == "percent":
        return percent(value, threshold)
    if kind == "rows":
        return rows(int(value))
    if kind == "pp":
        return pp_per_day(value, threshold)
    if kind == "days":
        return days(value)
    if kind == "roi":
        return roi(value, threshold)
    if kind == "ms":
        return ms(value)
    if kind == "ratio":
        return proportion(value, threshold)
    return exact(value)


def _threshold_as(kind: str | None, threshold: float) -> str:
    if kind == "percent":
        return percent_threshold(threshold)
    if kind == "rows":
        return rows(int(threshold))
    if kind == "pp":
        return pp_per_day_threshold(threshold)
    if kind == "days":
        return days(threshold)
    if kind == "roi":
        return roi_threshold(threshold)
    if kind == "ms":
        return f"{exact(threshold)} ms"
    if kind == "ratio":
        return exact(threshold, 2)
    return exact(threshold)


_CHECK_KINDS: dict[CheckId, str] = {
    CheckId.KPI_LIFT: "percent",
    CheckId.CLEAN_DATA_VOLUME: "rows",
    CheckId.DATA_HYGIENE: "percent",
    CheckId.SIGNAL_WEIGHTED_ROI: "pp",
    CheckId.DELIVERY_WINDOW: "days",
    CheckId.TIMING_ADJUSTED_ROI: "roi",
    CheckId.LATENCY_SLA: "ms",
    CheckId.PROMPT_ALTERNATIVE: "ratio",
    CheckId.DIMINISHING_RETURNS: "rows",
    CheckId.OVERFITTING: "percent",
}
