"""The verdict message: header, key figures, checks, flips, script, ballot, buttons and metadata."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from bot.blocks.format import (
    Block,
    button,
    context,
    count,
    divider,
    escape,
    fields_section,
    fixed,
    general,
    header,
    mention,
    money,
    multiple,
    names_list,
    pct,
    plain,
    rounded_toward,
    safe,
    section,
    sections_from_lines,
    slack_date,
    truncate,
    truncate_mrkdwn,
)
from bot.ids import METADATA_EVENT_TYPE, ActionId, LayoutBlock
from bot.persistence.records import Choice, Outcome
from core.evaluation import (
    Change,
    Check,
    CheckId,
    CheckKind,
    Evaluation,
    Flip,
    Recommendation,
    Status,
    Verdict,
)
from core.proposal import Proposal

NAMES_SHOWN = 20
CHECK_LINE_LIMIT = 600
FLIP_LINE_LIMIT = 500
LOCK_NAME_SHOWN = 40

VERDICT_LABELS = {Verdict.APPROVE: "✅ Approve", Verdict.REJECT: "❌ Reject"}
STATUS_ICONS = {Status.PASS: "✅", Status.FAIL: "❌", Status.WARN: "⚠️", Status.NOT_APPLICABLE: "➖"}
CHOICE_LABELS = {
    Choice.APPROVE: "✅ Approve",
    Choice.REJECT: "❌ Reject",
    Choice.ABSTAIN: "➖ Abstain",
}
COMPARATOR_SYMBOLS = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}

RECOMMENDATIONS = {
    Recommendation.FINE_TUNE: "Fine-tune: the proposal clears every gate.",
    Recommendation.PROMPT_ENGINEERING: (
        "Use prompt engineering: spend the engineering days on a prompt-testing harness."
    ),
    Recommendation.CURATE_DATA: (
        "Curate the data first: clean and de-duplicate it, and use prompt engineering meanwhile."
    ),
    Recommendation.PROMPT_OR_FEATURE_FLAG: (
        "Try prompt engineering or a feature flag: the lift does not justify a fine-tuning sprint."
    ),
    Recommendation.RESCOPE_OR_DEFER: "Re-scope or defer: it does not pay back inside the window.",
    Recommendation.MEET_LATENCY_AND_LOCKS: "Meet the latency SLA and the Metric-Lock first.",
}

CHECK_NAMES = {
    CheckId.KPI_LIFT: "KPI lift",
    CheckId.CLEAN_DATA_VOLUME: "Clean data volume",
    CheckId.DATA_HYGIENE: "Data hygiene",
    CheckId.SIGNAL_WEIGHTED_ROI: "Signal-weighted ROI",
    CheckId.DELIVERY_WINDOW: "Delivery window",
    CheckId.TIMING_ADJUSTED_ROI: "Timing-adjusted ROI",
    CheckId.LATENCY_SLA: "Latency SLA",
    CheckId.PROMPT_ALTERNATIVE: "Prompt alternative",
    CheckId.METRIC_LOCK: "Metric-Lock",
    CheckId.DIMINISHING_RETURNS: "Diminishing returns",
    CheckId.OVERFITTING: "Over-fitting",
}


def _days(value: float) -> str:
    return f"{general(value)} days"


def _rows(value: float) -> str:
    return f"{count(int(value))} rows"


FIELD_WORDS: dict[str, tuple[str, int, Callable[[float], str]]] = {
    "projected_lift_pct": ("projected lift", 1, pct),
    "dataset_examples": ("training examples", 0, _rows),
    "label_accuracy_pct": ("label accuracy", 1, pct),
    "diversity_pct": ("diversity", 1, pct),
    "duplicate_pct": ("duplicates", 1, pct),
    "engineering_days": ("sprint length", 1, _days),
    "delivery_days": ("delivery time", 0, _days),
    "projected_revenue_usd": ("projected revenue", 2, money),
    "compute_cost_usd": ("compute budget", 2, money),
    "latency_ms": ("latency", 1, lambda v: f"{general(v)} ms"),
    "prompt_maintenance_hours_per_week": ("prompt upkeep", 1, lambda v: f"{general(v)} h/week"),
}
_LOCK_FIELD = re.compile(r"metric_locks\[(\d+)\]\.achieved")


class BallotView(BaseModel):
    """What the verdict message shows of the committee vote."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    committee: list[str] = []
    votes: dict[str, Choice] = {}
    secret: bool = False
    closed: bool = False
    outcome: Outcome | None = None
    deadline: datetime | None = None
    quorum: int | None = None

    def tally(self) -> dict[str, int]:
        """Votes per choice: ``{"approve": 3, "reject": 1, "abstain": 0}``."""
        choices = list(self.votes.values())
        return {choice.value: choices.count(choice) for choice in Choice}

    def voters_for(self, choice: Choice) -> list[str]:
        """Who voted ``choice``, in the order the votes are held."""
        return [user for user, chosen in self.votes.items() if chosen is choice]

    def not_voted(self) -> list[str]:
        """Committee members who have not voted."""
        return [member for member in self.committee if member not in self.votes]


@dataclass(frozen=True)
class VerdictMessage:
    """A ready-to-post verdict: fallback text, blocks and Slack message metadata."""

    text: str
    blocks: list[Block]
    metadata: dict[str, Any]


def verdict_message(
    *,
    proposal_id: int,
    proposal: Proposal,
    evaluation: Evaluation,
    author_id: str,
    ballot: BallotView | None = None,
) -> VerdictMessage:
    """The verdict message for ``chat.postMessage`` / ``chat.update``, within Block Kit limits."""
    blocks = [
        header(f"{VERDICT_LABELS[evaluation.verdict]}: {proposal.title}"),
        section(_summary(evaluation)),
        key_figures(proposal, evaluation),
        divider(),
        *sections_from_lines(check_lines(evaluation), line_limit=CHECK_LINE_LIMIT),
        *sections_from_lines(flip_lines(proposal, evaluation), line_limit=FLIP_LINE_LIMIT),
        section(script_quote(evaluation.script)),
        context(_context_line(proposal_id, evaluation, author_id)),
        *([divider(), ballot_section(ballot, evaluation.verdict)] if ballot else []),
        action_buttons(proposal_id, closed=bool(ballot and ballot.closed)),
    ]
    return VerdictMessage(
        text=fallback_text(proposal_id, proposal, evaluation),
        blocks=blocks,
        metadata=verdict_metadata(proposal_id, evaluation, ballot),
    )


def fallback_text(proposal_id: int, proposal: Proposal, evaluation: Evaluation) -> str:
    """The notification text: verdict, title and proposal id."""
    title = truncate(escape(proposal.title), 300)
    return f"{VERDICT_LABELS[evaluation.verdict]}: {title} (proposal #{proposal_id})"


def verdict_metadata(
    proposal_id: int, evaluation: Evaluation, ballot: BallotView | None = None
) -> dict[str, Any]:
    """docs/contracts.md's message metadata, with the tally and, once closed, the outcome."""
    payload: dict[str, Any] = {
        "proposal_id": proposal_id,
        "verdict": evaluation.verdict.value,
        "recommendation": evaluation.recommendation.value,
    }
    if ballot is not None:
        payload["tally"] = ballot.tally()
        if ballot.closed and ballot.outcome is not None:
            payload["outcome"] = ballot.outcome.value
    return {"event_type": METADATA_EVENT_TYPE, "event_payload": payload}


def _summary(evaluation: Evaluation) -> str:
    lines = [f"*Recommendation:* {RECOMMENDATIONS[evaluation.recommendation]}"]
    if evaluation.primary_reason:
        lines.append(f"*Why:* {safe(evaluation.primary_reason, 1500)}")
    return "\n".join(lines)


def key_figures(proposal: Proposal, evaluation: Evaluation) -> Block:
    """The key figures as section fields (at most ten)."""
    figures, policy = evaluation.figures, evaluation.policy
    sla = proposal.latency_sla_ms if proposal.latency_sla_ms is not None else policy.latency_sla_ms
    return fields_section(
        [
            f"*Projected lift*\n{pct(proposal.projected_lift_pct)} "
            f"on {safe(proposal.kpi_name, 100)}",
            f"*Clean examples*\n{count(figures.clean_examples)} "
            f"({pct(figures.clean_proportion * 100)} clean)",
            f"*Total cost*\n{money(figures.total_cost_usd)}",
            f"*Weighted lift per day*\n{fixed(figures.weighted_lift_per_day_pct, 2)} %/day",
            f"*ROI (raw)*\n{multiple(figures.raw_roi)}",
            f"*ROI (timing-adjusted)*\n{multiple(figures.timing_adjusted_roi)}",
            f"*Delivery*\n{_days(proposal.delivery_days)} (max {policy.max_delivery_days})",
            f"*Latency*\n{general(proposal.latency_ms)} ms vs SLA {general(sla)} ms",
        ]
    )


def check_lines(evaluation: Evaluation) -> list[str]:
    """One line per check: its icon, name and message."""
    return ["*Checks*", *(_check_line(check) for check in evaluation.checks)]


def _check_line(check: Check) -> str:
    advisory = " (advisory)" if check.kind is CheckKind.ADVISORY else ""
    name = CHECK_NAMES.get(check.id, check.id.value)
    line = f"{STATUS_ICONS[check.status]} *{name}*{advisory}: {escape(check.message)}"
    return truncate_mrkdwn(line, CHECK_LINE_LIMIT)


def flip_lines(proposal: Proposal, evaluation: Evaluation) -> list[str]:
    """'What would flip it': each option in words, then the failing gates no option can fix."""
    failing = [c.id for c in evaluation.checks if c.status is Status.FAIL]
    if not failing:
        return []
    lines = ["*What would flip it*"]
    lines += [f"• {_flip_sentence(flip, proposal)}" for flip in evaluation.flips]
    covered = {gate for flip in evaluation.flips for gate in flip.gates}
    for gate in failing:
        if gate not in covered:
            name = CHECK_NAMES.get(gate, gate.value)
            lines.append(f"• {name}: no single change fixes it; see the check above.")
    if len(lines) == 1:
        lines.append("• No change to one figure flips this verdict.")
    return lines


def _flip_sentence(flip: Flip, proposal: Proposal) -> str:
    changes = " and ".join(describe_change(change, proposal) for change in flip.changes)
    changes = changes[:1].upper() + changes[1:]
    gates = ", ".join(gate.value for gate in flip.gates)
    return truncate_mrkdwn(f"{changes} → fixes {gates}", FLIP_LINE_LIMIT)


def describe_change(change: Change, proposal: Proposal) -> str:
    """One change in words: "raise projected lift to ≥ 6.0 % (now 4.0 %)" (mrkdwn-escaped)."""
    name, places, show = _field_words(change.field, proposal)
    verb = "set" if change.current is None else ("raise" if ">" in change.comparator else "lower")
    target = show(rounded_toward(change.required, places, change.comparator))
    now = "not given" if change.current is None else show(change.current)
    symbol = COMPARATOR_SYMBOLS.get(change.comparator, change.comparator)
    return escape(f"{verb} {name} to {symbol} {target} (now {now})")


def _field_words(field: str, proposal: Proposal) -> tuple[str, int, Callable[[float], str]]:
    """How to name and show a flip's field; lock fields name their lock."""
    if field in FIELD_WORDS:
        return FIELD_WORDS[field]
    match = _LOCK_FIELD.fullmatch(field)
    if match and int(match.group(1)) < len(proposal.locks):
        lock = proposal.locks[int(match.group(1))]
        name = f"lock {int(match.group(1)) + 1} ({truncate(lock.name, LOCK_NAME_SHOWN)})"
        unit = f" {lock.unit}" if lock.unit else ""
        return name, 4, lambda v: f"{general(v)}{unit}"
    return field, 4, general


def script_quote(script: str) -> str:
    """The talking-point script as a mrkdwn quote."""
    quoted = "\n".join(f">{line}" for line in escape(script).splitlines() or [""])
    return truncate_mrkdwn(f"*Talking points*\n{quoted}", 3000)


def _context_line(proposal_id: int, evaluation: Evaluation, author_id: str) -> str:
    return (
        f"Proposal #{proposal_id} · policy `{evaluation.policy.hash}` · "
        f"submitted by {mention(author_id)}"
    )


def ballot_section(ballot: BallotView, verdict: Verdict) -> Block:
    """The vote: counts, names unless secret and open, who is missing, deadline, outcome."""
    lines = [_ballot_heading(ballot), _counts_line(ballot)]
    lines += _voter_lines(ballot)
    if ballot.committee and not ballot.closed and ballot.not_voted():
        lines.append(f"Not voted yet: {names_list(ballot.not_voted(), shown=NAMES_SHOWN)}")
    if ballot.closed:
        lines.append(f"*{outcome_line(ballot)}*{_overrule_note(ballot, verdict)}")
    block = section("\n".join(truncate_mrkdwn(line, 900) for line in lines))
    block["block_id"] = LayoutBlock.BALLOT.value
    return block


def _ballot_heading(ballot: BallotView) -> str:
    state = "closed" if ballot.closed else "open"
    if not ballot.closed and ballot.deadline is not None:
        state = f"open until {slack_date(ballot.deadline)}"
    who = "Anyone in this channel may vote."
    if ballot.committee:
        quorum = f", quorum {ballot.quorum}" if ballot.quorum else ""
        who = f"Committee of {len(ballot.committee)}{quorum}."
    secret = " Secret ballot." if ballot.secret else ""
    return f"*Committee vote* ({state}) · {who}{secret}"


def _counts_line(ballot: BallotView) -> str:
    tally = ballot.tally()
    return " · ".join(f"{CHOICE_LABELS[choice]} {tally[choice.value]}" for choice in Choice)


def _voter_lines(ballot: BallotView) -> list[str]:
    if ballot.secret and not ballot.closed:
        return ["Names are hidden until the vote closes."] if ballot.votes else []
    lines = []
    for choice in Choice:
        voters = ballot.voters_for(choice)
        if voters:
            lines.append(f"{CHOICE_LABELS[choice]}: {names_list(voters, shown=NAMES_SHOWN)}")
    return lines


def outcome_line(ballot: BallotView) -> str:
    """The result in the thread's words: "Committee: 4–2 in favour → approved"."""
    # Imported here: bot.voting's service imports this module for BallotView.
    from bot.voting.rules import Tally, default_quorum, summary_line

    counts = Tally(**ballot.tally())
    size = len(ballot.committee)
    quorum = ballot.quorum if ballot.quorum is not None else default_quorum(size)
    return summary_line(counts, quorum, size)


def _overrule_note(ballot: BallotView, verdict: Verdict) -> str:
    engine_approved = verdict is Verdict.APPROVE
    if ballot.outcome is Outcome.APPROVED and not engine_approved:
        return " (the committee overruled the engine's reject)"
    if ballot.outcome is Outcome.REJECTED and engine_approved:
        return " (the committee overruled the engine's approve)"
    return ""


def action_buttons(proposal_id: int, *, closed: bool) -> Block:
    """Vote, close, revise and decision-record buttons; voting ones are gone once closed."""
    value = str(proposal_id)
    voting = [
        button("✅ Approve", ActionId.VOTE_APPROVE, value, style="primary"),
        button("❌ Reject", ActionId.VOTE_REJECT, value, style="danger"),
        button("➖ Abstain", ActionId.VOTE_ABSTAIN, value),
        {**button("Close vote", ActionId.CLOSE_VOTE, value), "confirm": _close_confirm()},
    ]
    always = [
        button("Revise", ActionId.REVISE, value),
        button("Decision record", ActionId.DECISION_RECORD, value),
    ]
    elements = always if closed else [*voting, *always]
    return {"type": "actions", "block_id": LayoutBlock.VERDICT_ACTIONS.value, "elements": elements}


def _close_confirm() -> dict[str, Any]:
    return {
        "title": plain("Close the vote?", 100),
        "text": plain("Votes are final once closed; the outcome is posted in the thread.", 300),
        "confirm": plain("Close vote", 30),
        "deny": plain("Keep it open", 30),
    }
