"""The verdict message: the engine's verdict, its reason, the combination that approves and the
vote first; a line of check statuses and the key figures after. The complete version (every
check, every option, the inputs and the policy) is the decision record.

Everything it says comes from `core.telling`, as the CLI's renderings do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.blocks.format import (
    Block,
    button,
    context,
    divider,
    escape,
    fields_section,
    header,
    mention,
    names_list,
    plain,
    section,
    slack_date,
    truncate,
    truncate_mrkdwn,
)
from bot.ids import METADATA_EVENT_TYPE, ActionId, LayoutBlock
from bot.voting.domain import Ballot, Choice
from bot.voting.rules import effective_quorum, outcome
from bot.voting.texts import outcome_line, overrule_note
from core.evaluation import (
    Evaluation,
    Status,
    Verdict,
)
from core.proposal import Proposal
from core.telling import ENGINE_VERDICTS, Telling, check_status_line, tell
from core.wording import joined

NAMES_SHOWN = 20
SUMMARY_LIMIT = 2800
TALKING_POINTS_LIMIT = 1000

VERDICT_LABELS = ENGINE_VERDICTS
STATUS_ICONS = {Status.PASS: "✅", Status.FAIL: "❌", Status.WARN: "⚠️", Status.NOT_APPLICABLE: "➖"}
CHOICE_LABELS = {
    Choice.APPROVE: "✅ Approve",
    Choice.REJECT: "❌ Reject",
    Choice.ABSTAIN: "➖ Abstain",
}


@dataclass(frozen=True)
class VerdictNotes:
    """What the message adds from outside the evaluation: where measured figures came from,
    and how sure the verdict is when the proposal has ranges (`describe_uncertainty`)."""

    evidence: tuple[str, ...] = ()
    uncertainty: str | None = None


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
    ballot: Ballot | None = None,
    notes: VerdictNotes | None = None,
) -> VerdictMessage:
    """The verdict message for ``chat.postMessage`` / ``chat.update``, within Block Kit limits."""
    notes = notes or VerdictNotes()
    telling = tell(proposal, evaluation)
    talking = [section(talking_points(evaluation.script))] if telling.reason is None else []
    evidence = (
        [context(truncate_mrkdwn(" · ".join(notes.evidence), 2900))] if notes.evidence else []
    )
    blocks = [
        header(f"{telling.headline} · {proposal.title}"),
        section(truncate_mrkdwn(summary_text(telling, notes.uncertainty), SUMMARY_LIMIT)),
        *talking,
        *([ballot_section(ballot, evaluation.verdict)] if ballot else []),
        action_buttons(proposal_id, closed=bool(ballot and ballot.closed)),
        divider(),
        context(truncate_mrkdwn(check_status_line(evaluation, STATUS_ICONS), 2900)),
        key_figures(telling),
        *evidence,
        context(_context_line(proposal_id, evaluation, author_id)),
    ]
    return VerdictMessage(
        text=fallback_text(proposal_id, proposal, evaluation),
        blocks=blocks,
        metadata=verdict_metadata(proposal_id, evaluation, ballot),
    )


def fallback_text(proposal_id: int, proposal: Proposal, evaluation: Evaluation) -> str:
    """The notification text: the engine's verdict, the title and the proposal id."""
    title = truncate(escape(proposal.title), 300)
    return f"{VERDICT_LABELS[evaluation.verdict]} · {title} (proposal #{proposal_id})"


def verdict_metadata(
    proposal_id: int, evaluation: Evaluation, ballot: Ballot | None = None
) -> dict[str, Any]:
    """The message metadata of docs/contracts.md, with the tally and, once closed, the outcome."""
    payload: dict[str, Any] = {
        "proposal_id": proposal_id,
        "verdict": evaluation.verdict.value,
        "recommendation": evaluation.recommendation.value,
    }
    if ballot is not None:
        payload["tally"] = ballot.tally().as_payload()
        if ballot.closed and ballot.outcome is not None:
            payload["outcome"] = ballot.outcome.value
    return {"event_type": METADATA_EVENT_TYPE, "event_payload": payload}


def summary_text(telling: Telling, uncertainty: str | None = None) -> str:
    """Why, what the engine advises, what would approve, what else fails, and how sure it is."""
    lines = []
    if telling.reason:
        lines.append(f"*Why:* {escape(telling.reason)}")
    lines.append(f"*Advice:* {escape(telling.advice)}")
    if telling.to_approve:
        label, _, rest = telling.to_approve.partition(": ")
        lines.append(f"*{label}:* {escape(rest)}")
    if telling.also_failing:
        lines.append(f"*Also failing:* {escape(joined(telling.also_failing))}.")
    if uncertainty:
        lines.append(f"*How sure:* {escape(uncertainty)}")
    return "\n".join(lines)


def key_figures(telling: Telling) -> Block:
    """The key figures as section fields (at most ten)."""
    return fields_section([f"*{label}*\n{escape(value)}" for label, value in telling.figures])


def talking_points(script: str) -> str:
    """The talking-point script as a mrkdwn quote."""
    quoted = "\n".join(f">{line}" for line in escape(script).splitlines() or [""])
    return truncate_mrkdwn(f"*Talking points*\n{quoted}", TALKING_POINTS_LIMIT)


def _context_line(proposal_id: int, evaluation: Evaluation, author_id: str) -> str:
    return (
        f"Proposal #{proposal_id} · policy `{evaluation.policy.hash}` · "
        f"submitted by {mention(author_id)} · every check and option: *Decision record*"
    )


def ballot_section(ballot: Ballot, verdict: Verdict) -> Block:
    """The vote: counts, names unless secret and open, who is missing, deadline, outcome."""
    lines = [_ballot_heading(ballot), _counts_line(ballot)]
    lines += _voter_lines(ballot)
    if ballot.committee and not ballot.closed and ballot.not_voted():
        lines.append(f"Not voted yet: {names_list(ballot.not_voted(), shown=NAMES_SHOWN)}")
    if ballot.closed:
        lines.append(f"*{ballot_outcome_line(ballot)}*{overrule_note(ballot.outcome, verdict)}")
    block = section("\n".join(truncate_mrkdwn(line, 900) for line in lines))
    block["block_id"] = LayoutBlock.BALLOT.value
    return block


def _ballot_heading(ballot: Ballot) -> str:
    state = "closed" if ballot.closed else "open"
    if not ballot.closed and ballot.deadline is not None:
        state = f"open until {slack_date(ballot.deadline)}"
    who = "Anyone in this channel may vote."
    if ballot.committee:
        quorum = f", quorum {ballot.quorum}" if ballot.quorum else ""
        who = f"Committee of {len(ballot.committee)}{quorum}."
    secret = " Secret ballot." if ballot.secret else ""
    return f"*Committee vote* ({state}) · {who}{secret}"


def _counts_line(ballot: Ballot) -> str:
    counts = ballot.tally().as_payload()
    return " · ".join(f"{CHOICE_LABELS[choice]} {counts[choice.value]}" for choice in Choice)


def _voter_lines(ballot: Ballot) -> list[str]:
    if ballot.secret and not ballot.closed:
        return ["Names are hidden until the vote closes."] if ballot.votes else []
    lines = []
    for choice in Choice:
        voters = ballot.voters_for(choice)
        if voters:
            lines.append(f"{CHOICE_LABELS[choice]}: {names_list(voters, shown=NAMES_SHOWN)}")
    return lines


def ballot_outcome_line(ballot: Ballot) -> str:
    """The result in the thread's words: "Committee: 4–2 in favour → approved"."""
    counts, size = ballot.tally(), len(ballot.committee)
    quorum = effective_quorum(ballot.quorum, size)
    decision = ballot.outcome or outcome(counts, quorum)
    return outcome_line(counts, decision, quorum, size)


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
