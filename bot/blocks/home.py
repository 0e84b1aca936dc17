"""The App Home dashboard: what awaits the user's vote, their proposals, the quarter, deadlines.

Pure functions from `HomeData` to a `views.publish` payload. However much data there is, the
view stays within Slack's 100 blocks: each list shows its first few lines and "and N more…".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from bot.blocks.format import (
    Block,
    context,
    divider,
    header,
    mention,
    money,
    safe,
    section,
    sections_from_lines,
)
from bot.blocks.verdict import VERDICT_LABELS
from bot.models import DecisionSummary, DeliveryState, HomeData
from bot.voting.domain import Choice, Outcome, VoteState
from bot.voting.rules import may_vote
from core.calendar import FiscalQuarter, next_quarter, qit_deadline
from core.evaluation import Verdict

Item = TypeVar("Item")

HOME_BLOCK_LIMIT = 100
SHOWN_PER_LIST = 10
LINE_LIMIT = 280
TITLE_SHOWN = 80
COMMAND = "/finetune-check"

OUTCOME_LABELS = {
    Outcome.APPROVED: "committee approved",
    Outcome.REJECTED: "committee rejected",
    Outcome.NO_DECISION: "no decision (no quorum)",
}
CHOICE_WORDS = {Choice.APPROVE: "approve", Choice.REJECT: "reject", Choice.ABSTAIN: "abstain"}


@dataclass(frozen=True)
class Deadline:
    """The next QIT deadline of a proposal, and the quarter it lets the work ship in."""

    proposal: DecisionSummary
    day: date
    quarter: FiscalQuarter
    this_quarter_passed: bool


def home_view(
    *, user_id: str, data: HomeData, today: date, quarter: FiscalQuarter
) -> dict[str, Any]:
    """The `views.publish` payload of the user's App Home."""
    blocks = [
        header("Fine-tuning decisions"),
        context(
            f"FY{quarter.fiscal_year} Q{quarter.quarter} · closes {quarter.close.isoformat()} "
            f"({_days_phrase((quarter.close - today).days)}) · today {today.isoformat()}"
        ),
    ]
    if not data.proposals:
        blocks += _welcome()
    else:
        blocks += _dashboard(user_id, data, today, quarter)
    return {"type": "home", "blocks": blocks[:HOME_BLOCK_LIMIT]}


def _welcome() -> list[Block]:
    return [
        divider(),
        section(
            "*Nothing here yet.* Type `/finetune-check` in a channel to check a fine-tuning "
            "proposal against the policy: you get a verdict, what would flip it and a "
            "talking-point script, and the committee votes in the verdict's thread.\n"
            "Proposals awaiting your vote, your own proposals, this quarter's decisions and "
            "the next QIT deadlines will show up here."
        ),
        context(f"`{COMMAND} help` lists every command."),
    ]


def _dashboard(user_id: str, data: HomeData, today: date, quarter: FiscalQuarter) -> list[Block]:
    awaiting = awaiting_vote(user_id, data)
    own = own_proposals(user_id, data)
    decisions = quarter_decisions(data, quarter)
    deadlines = next_qit_deadlines(data, today, quarter)
    return [
        *_list_section(
            f"Awaiting your vote ({len(awaiting)})",
            awaiting,
            _awaiting_line,
            "Nothing awaits your vote.",
        ),
        *_list_section(
            f"Your proposals ({len(own)})",
            own,
            _own_line,
            f"You have not proposed anything yet: type `{COMMAND}` in a channel.",
        ),
        *_decisions_section(decisions, quarter),
        *_list_section(
            f"Next QIT deadlines ({len(deadlines)})",
            deadlines,
            _deadline_line(today),
            "No open or approved proposal has a QIT deadline ahead.",
        ),
        context(
            f"Type `{COMMAND}` in a channel to check a new proposal · "
            f"`{COMMAND} list` shows a channel's proposals."
        ),
    ]


# --- what goes in each list (pure, tested on their own) ---------------------------------------


def awaiting_vote(user_id: str, data: HomeData) -> list[DecisionSummary]:
    """Open, posted proposals the user may vote on and has not: the soonest deadline first."""
    waiting = [
        proposal
        for proposal in data.proposals
        if proposal.vote_state is VoteState.OPEN
        and proposal.delivery_state is DeliveryState.POSTED
        and proposal.id not in data.my_votes
        and may_vote(user_id, data.committee_of(proposal.channel_id))
    ]
    return sorted(waiting, key=_deadline_order)


def own_proposals(user_id: str, data: HomeData) -> list[DecisionSummary]:
    """The user's proposals, newest first."""
    mine = [proposal for proposal in data.proposals if proposal.author_id == user_id]
    return sorted(mine, key=lambda proposal: (proposal.created_at, proposal.id), reverse=True)


def quarter_decisions(data: HomeData, quarter: FiscalQuarter) -> list[DecisionSummary]:
    """Proposals evaluated or closed this quarter, newest first."""
    decided = [
        proposal
        for proposal in data.proposals
        if quarter.start <= proposal.created_at.date()
        or (proposal.closed_at is not None and quarter.start <= proposal.closed_at.date())
    ]
    return sorted(decided, key=lambda proposal: (proposal.created_at, proposal.id), reverse=True)


def next_qit_deadlines(data: HomeData, today: date, quarter: FiscalQuarter) -> list[Deadline]:
    """For open and committee-approved proposals, the next QIT deadline on or after today."""
    start_month = _start_month(quarter)
    deadlines = [
        _next_deadline(proposal, today, quarter, start_month)
        for proposal in data.proposals
        if proposal.vote_state is VoteState.OPEN or proposal.outcome is Outcome.APPROVED
    ]
    return sorted(deadlines, key=lambda deadline: (deadline.day, deadline.proposal.id))


def _next_deadline(
    proposal: DecisionSummary, today: date, quarter: FiscalQuarter, start_month: int
) -> Deadline:
    day = qit_deadline(today, start_month, proposal.delivery_days)
    if day >= today:
        return Deadline(proposal, day, quarter, this_quarter_passed=False)
    # Past this quarter's deadline the work ships a quarter later (or later still).
    later = next_quarter(quarter, start_month)
    while (day := qit_deadline(later.start, start_month, proposal.delivery_days)) < today:
        later = next_quarter(later, start_month)
    return Deadline(proposal, day, later, this_quarter_passed=True)


def _start_month(quarter: FiscalQuarter) -> int:
    """The month the fiscal year starts in, read back from one of its quarters."""
    return (quarter.start.month - 1 - 3 * (quarter.quarter - 1)) % 12 + 1


def _deadline_order(proposal: DecisionSummary) -> tuple[bool, Any, int]:
    deadline = proposal.vote_deadline
    return (deadline is None, deadline, proposal.id)


# --- rendering --------------------------------------------------------------------------------


def _list_section(
    title: str, items: list[Item], line: Callable[[Item], str], empty: str
) -> list[Block]:
    lines = [line(item) for item in items[:SHOWN_PER_LIST]] or [f"_{empty}_"]
    if len(items) > SHOWN_PER_LIST:
        lines.append(f"_…and {len(items) - SHOWN_PER_LIST} more._")
    return [divider(), header(title), *sections_from_lines(lines, line_limit=LINE_LIMIT)]


def _name(proposal: DecisionSummary) -> str:
    return f"*#{proposal.id}* {safe(proposal.title, TITLE_SHOWN)}"


def _awaiting_line(proposal: DecisionSummary) -> str:
    closes = (
        f"closes {proposal.vote_deadline.date().isoformat()}"
        if proposal.vote_deadline is not None
        else "no vote deadline"
    )
    return (
        f"• {_name(proposal)} in <#{proposal.channel_id}> · engine: "
        f"{VERDICT_LABELS[proposal.verdict]} · by {mention(proposal.author_id)} · {closes} · "
        f"{_votes_so_far(proposal)} · vote in its thread"
    )


def _own_line(proposal: DecisionSummary) -> str:
    return (
        f"• {_name(proposal)} in <#{proposal.channel_id}> · {VERDICT_LABELS[proposal.verdict]} · "
        f"{state_phrase(proposal)} · {proposal.created_at.date().isoformat()}"
    )


def state_phrase(proposal: DecisionSummary) -> str:
    """Where a proposal stands: not posted, vote open (with counts), or the committee's outcome."""
    if proposal.delivery_state is DeliveryState.UNDELIVERABLE:
        return "not posted (invite the bot to the channel)"
    if proposal.vote_state is VoteState.OPEN:
        return f"vote open, {_votes_so_far(proposal)}"
    outcome = OUTCOME_LABELS[proposal.outcome or Outcome.NO_DECISION]
    return f"{outcome} {proposal.approve}–{proposal.reject}"


def _votes_so_far(proposal: DecisionSummary) -> str:
    return f"{proposal.approve} approve · {proposal.reject} reject · {proposal.abstain} abstain"


def _decisions_section(decisions: list[DecisionSummary], quarter: FiscalQuarter) -> list[Block]:
    title = f"FY{quarter.fiscal_year} Q{quarter.quarter} decisions in your channels"
    blocks = _list_section(
        f"{title} ({len(decisions)})", decisions, _decision_line, "No decisions this quarter yet."
    )
    if decisions:
        blocks.insert(2, section(_decision_totals(decisions)))
    return blocks


def _decision_line(proposal: DecisionSummary) -> str:
    return (
        f"• {_name(proposal)} in <#{proposal.channel_id}> · {VERDICT_LABELS[proposal.verdict]} · "
        f"{state_phrase(proposal)} · {money(proposal.total_cost_usd)} for "
        f"{money(proposal.projected_revenue_usd)}"
    )


def _decision_totals(decisions: list[DecisionSummary]) -> str:
    engine_approved = sum(1 for d in decisions if d.verdict is Verdict.APPROVE)
    outcomes = [d.outcome for d in decisions if d.vote_state is VoteState.CLOSED]
    approved = [d for d in decisions if d.outcome is Outcome.APPROVED]
    open_votes = len(decisions) - len(outcomes)
    return "\n".join(
        [
            f"*Engine:* {engine_approved} approve · {len(decisions) - engine_approved} reject",
            f"*Committee:* {outcomes.count(Outcome.APPROVED)} approved · "
            f"{outcomes.count(Outcome.REJECTED)} rejected · "
            f"{outcomes.count(Outcome.NO_DECISION)} no decision · {open_votes} still voting",
            f"*All proposals:* {_spend(decisions)}",
            f"*Committee-approved:* {_spend(approved)}",
        ]
    )


def _spend(decisions: list[DecisionSummary]) -> str:
    cost = sum((decision.total_cost_usd for decision in decisions), 0.0)
    revenue = sum((decision.projected_revenue_usd for decision in decisions), 0.0)
    return f"{money(cost)} total spend for {money(revenue)} projected revenue"


def _deadline_line(today: date) -> Callable[[Deadline], str]:
    def line(deadline: Deadline) -> str:
        proposal, quarter = deadline.proposal, deadline.quarter
        slipped = " (this quarter's has passed)" if deadline.this_quarter_passed else ""
        return (
            f"• {_name(proposal)} in <#{proposal.channel_id}>: start by "
            f"*{deadline.day.isoformat()}* ({_days_phrase((deadline.day - today).days)}) to ship "
            f"{proposal.delivery_days} days later in FY{quarter.fiscal_year} "
            f"Q{quarter.quarter}{slipped}"
        )

    return line


def _days_phrase(days: int) -> str:
    if days == 0:
        return "today"
    if days < 0:
        return f"{-days} day{'s' if days != -1 else ''} ago"
    return f"in {days} day{'s' if days != 1 else ''}"
