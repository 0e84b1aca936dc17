"""Ephemeral replies to the slash command: help, policy, list, quarter and not-in-channel."""

from __future__ import annotations

from datetime import date

from bot.blocks.format import (
    MESSAGE_BLOCK_LIMIT,
    Block,
    context,
    count,
    divider,
    general,
    header,
    money,
    safe,
    section,
    sections_from_lines,
)
from bot.blocks.verdict import VERDICT_LABELS
from bot.models import DeliveryState, ProposalRecord
from bot.voting.domain import Outcome, VoteState
from core.calendar import FiscalQuarter
from core.policy import Policy

COMMAND = "/finetune-check"
LISTED_PROPOSALS = 40
SHOWN_DEADLINES = 30
MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)

HELP_LINES = (
    f"`{COMMAND}` opens the proposal form; the verdict is posted in this channel.",
    f"`{COMMAND} help` shows this help.",
    f"`{COMMAND} list` lists this channel's proposals and their vote state.",
    f"`{COMMAND} policy` shows the thresholds in force and the policy hash.",
    f"`{COMMAND} quarter` shows the fiscal quarter, the days to its close and the QIT deadlines.",
    f"`{COMMAND} record 12` posts proposal #12's decision record in its thread: inputs, every "
    "check, flips, script, policy, votes and outcome.",
    f"`{COMMAND} committee show` shows who votes in this channel.",
    f"`{COMMAND} committee add @a @b` and `{COMMAND} committee remove @a` change the committee "
    "(only its members can, once it exists).",
)

VOTING_LINES = (
    "*Voting:* use the buttons under a verdict, or reply in its thread with `approve`, `reject` "
    "or `abstain` and an optional reason (`reject — latency risk`). "
    "Voting again changes your vote.",
    "*Secret ballot:* names stay hidden in the message until the vote closes, but the app still "
    "stores who voted what, for the audit.",
)


def help_blocks() -> list[Block]:
    """Every sub-command and how voting works."""
    return [
        header("finetune-check: should we fine-tune?"),
        section("\n".join(f"• {line}" for line in HELP_LINES)),
        section("\n".join(VOTING_LINES)),
        context("The verdict is advice from the policy's rules; the committee decides."),
    ]


def unknown_subcommand_blocks(text: str) -> list[Block]:
    """The help, opened by a line saying the sub-command was not recognised."""
    shown = safe(text.strip(), 200) or "(empty)"
    first = section(f"I don't recognise `{shown}` as a sub-command. Here is what I can do:")
    return [first, *help_blocks()]


POLICY_MEANINGS: dict[str, str] = {
    "min_kpi_lift_pct": "least projected lift on the primary KPI, in %",
    "min_clean_examples": "least clean examples (rows × label accuracy × uniqueness)",
    "min_hygiene_axis_pct": "least label accuracy, diversity and uniqueness, each in %",
    "min_weighted_lift_per_day_pct": "weighted lift per sprint day must exceed this (pp/day)",
    "max_delivery_days": "most calendar days until the model ships",
    "min_roi_multiple": "least timing-adjusted ROI (revenue ÷ total cost)",
    "revenue_horizon_days": "days the revenue projection covers, unless a proposal says",
    "latency_sla_ms": "latency SLA in ms, unless a proposal says",
    "prompt_substitute_ratio": "prompt result ÷ target above this: prompts can do the job",
    "max_prompt_maintenance_hours_per_week": "past this prompt upkeep (h/week), fine-tuning wins",
    "diminishing_returns_examples": "past this many rows, more data will not help: curate",
    "overfit_rise_pct": "a validation-loss rise above the best epoch beyond this % is over-fitting",
    "max_safe_epochs": "without a loss curve, plans past this many epochs risk over-fitting",
    "engineer_day_cost_usd": "loaded cost of one engineer-day, unless a proposal says",
}


def policy_blocks(policy: Policy) -> list[Block]:
    """Every threshold with its value and meaning, and the policy hash."""
    values = policy.model_dump()
    lines = [
        f"• `{name}` = *{_policy_value(name, value)}*: {POLICY_MEANINGS.get(name, '')}"
        for name, value in values.items()
    ]
    return [
        header("Policy in force"),
        *sections_from_lines(lines),
        context(f"Policy hash `{policy.hash}`: every verdict records the hash it used."),
    ]


def _policy_value(name: str, value: float | int) -> str:
    if name.endswith("_usd"):
        return money(float(value))
    return count(value) if isinstance(value, int) else general(value)


def proposal_list_blocks(records: list[ProposalRecord]) -> list[Block]:
    """A line per proposal of this channel: id, title, verdict, vote state and date."""
    if not records:
        return [section(f"No proposals in this channel yet — type `{COMMAND}` to start one.")]
    shown = records[:LISTED_PROPOSALS]
    lines = [proposal_line(record) for record in shown]
    if len(records) > len(shown):
        lines.append(f"…and {len(records) - len(shown)} more.")
    blocks = [header("Proposals in this channel"), *sections_from_lines(lines, line_limit=400)]
    return blocks[:MESSAGE_BLOCK_LIMIT]


def proposal_line(record: ProposalRecord) -> str:
    """One proposal as a line, without a permalink."""
    verdict = VERDICT_LABELS[record.evaluation.verdict]
    day = record.created_at.date().isoformat()
    title = safe(record.title, 120)
    return f"*#{record.id}* {title} · {verdict} · {_vote_state(record)} · {day}"


def _vote_state(record: ProposalRecord) -> str:
    if record.delivery_state is DeliveryState.UNDELIVERABLE:
        return "not posted (invite the bot)"
    if record.vote_state is VoteState.CLOSED:
        outcome = (record.outcome or Outcome.NO_DECISION).value.replace("_", " ")
        return f"vote closed → {outcome}"
    if record.vote_deadline is not None:
        return f"vote open until {record.vote_deadline.date().isoformat()}"
    return "vote open"


def quarter_blocks(
    *,
    today: date,
    quarter: FiscalQuarter,
    start_month: int,
    timezone: str,
    deadlines: list[tuple[str, date]] | None = None,
) -> list[Block]:
    """The current fiscal quarter, the days to its close and upcoming deadlines."""
    days_left = (quarter.close - today).days
    lines = [
        f"*FY{quarter.fiscal_year} Q{quarter.quarter}*: {quarter.start.isoformat()} → "
        f"{quarter.close.isoformat()}",
        f"*{_days_phrase(days_left)}* to the quarter's close (today is {today.isoformat()}, "
        f"{safe(timezone, 60)}).",
    ]
    blocks = [header(f"FY{quarter.fiscal_year} Q{quarter.quarter}"), section("\n".join(lines))]
    if deadlines:
        blocks += [
            divider(),
            *sections_from_lines(_deadline_lines(today, deadlines), line_limit=300),
        ]
    month = MONTHS[start_month - 1] if 1 <= start_month <= 12 else str(start_month)
    blocks.append(context(f"Fiscal year starts in {month}. QIT deadline = close − delivery days."))
    return blocks[:MESSAGE_BLOCK_LIMIT]


def _deadline_lines(today: date, deadlines: list[tuple[str, date]]) -> list[str]:
    lines = ["*QIT deadlines*"]
    for label, day in deadlines[:SHOWN_DEADLINES]:
        delta = (day - today).days
        when = "passed" if delta < 0 else _days_phrase(delta) + " left"
        lines.append(f"• {safe(label, 150)}: {day.isoformat()} ({when})")
    if len(deadlines) > SHOWN_DEADLINES:
        lines.append(f"…and {len(deadlines) - SHOWN_DEADLINES} more.")
    return lines


def _days_phrase(days: int) -> str:
    return "1 day" if days == 1 else f"{days} days"


def not_in_channel_text(*, channel_id: str, proposal_id: int) -> str:
    """What to tell the user when the bot cannot post in the channel: the proposal is saved."""
    return (
        f"I couldn't post the verdict in <#{channel_id}> because I'm not a member of that channel. "
        f"Your proposal is saved as #{proposal_id} (see `{COMMAND} list`). To get verdicts there, "
        f"invite me: type `/invite @finetune-check` in <#{channel_id}>."
    )
