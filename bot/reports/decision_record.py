"""The decision record of a proposal: Markdown for an audit file, mrkdwn blocks for the thread.

The evaluation part (inputs, checks, figures, flips, script, policy) is the CLI's markdown
rendering (`bot.rendering.render_markdown`); this module adds the proposal's identity, its
revisions, the votes and the outcome. Names of a secret ballot appear only once it is closed.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bot.blocks.format import (
    SECTION_TEXT_LIMIT,
    Block,
    context,
    escape,
    header,
    sections_from_lines,
)
from bot.models import EvaluationRecord, ProposalRecord, VoteRecord
from bot.reports.evaluation_report import md_table, render_markdown
from bot.voting.domain import Choice, Outcome, VoteState
from bot.voting.rules import tally
from bot.voting.texts import closed_by_words, outcome_line, overrule_note

RECORD_BLOCK_LIMIT = 45
RECORD_CHARACTER_LIMIT = 36_000
RECORD_LINE_LIMIT = 1000
TITLE_SHOWN = 100

_TABLE_SEPARATOR = re.compile(r"\|(?:\s*:?-+:?\s*\|)+")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_MENTION_ESCAPED = re.compile(r"&lt;([@#])([A-Z0-9_]+)&gt;")


def decision_record(
    *, record: ProposalRecord, votes: list[VoteRecord], history: list[EvaluationRecord]
) -> str:
    """The proposal's decision record in Markdown: evaluation, revisions, votes and outcome."""
    title, evaluation_part = _split_title(render_markdown(record.proposal, record.evaluation))
    sections = [
        title,
        _identity(record),
        evaluation_part,
        _revisions(history),
        _votes(record, votes),
        _outcome(record, votes),
    ]
    return "\n\n".join(section.strip("\n") for section in sections) + "\n"


def decision_record_blocks(
    *, record: ProposalRecord, votes: list[VoteRecord], history: list[EvaluationRecord]
) -> list[Block]:
    """The decision record as mrkdwn sections for the verdict's thread, cut to fit one message."""
    markdown = decision_record(record=record, votes=votes, history=history)
    known = _known_ids(record, votes, history)
    lines = [_mention_back(line, known) for line in markdown_to_mrkdwn(markdown)]
    body = sections_from_lines(lines[1:], line_limit=RECORD_LINE_LIMIT)
    return [header(f"Decision record #{record.id}: {record.title}"), *_fitted(body)]


def decision_record_message(
    *, record: ProposalRecord, votes: list[VoteRecord], history: list[EvaluationRecord]
) -> dict[str, Any]:
    """`chat.postMessage` arguments (text and blocks) for posting the record in the thread."""
    title = escape(record.title[:TITLE_SHOWN])
    return {
        "text": f"Decision record for proposal #{record.id}: {title}",
        "blocks": decision_record_blocks(record=record, votes=votes, history=history),
    }


# --- the Markdown sections -----------------------------------------------------------------


def _split_title(markdown: str) -> tuple[str, str]:
    title, _, rest = markdown.partition("\n\n")
    return title, rest


def _identity(record: ProposalRecord) -> str:
    rows = [
        ("proposal", f"#{record.id}"),
        ("team", record.team_id),
        ("channel", f"<#{record.channel_id}>"),
        ("author", f"<@{record.author_id}>"),
        ("created", _moment(record.created_at)),
        ("revision", str(record.revision)),
        ("policy hash", f"`{record.policy_hash}`"),
        ("delivery", record.delivery_state.value),
    ]
    return "## Proposal\n\n" + md_table(("item", "value"), rows)


def _revisions(history: list[EvaluationRecord]) -> str:
    if not history:
        return "## Revisions\n\nNo stored evaluation."
    rows = [
        (
            str(entry.revision),
            _moment(entry.created_at),
            f"<@{entry.created_by}>",
            entry.evaluation.verdict.value,
            entry.evaluation.recommendation.value,
            f"`{entry.policy_hash}`",
        )
        for entry in history
    ]
    headers = ("revision", "evaluated", "by", "verdict", "recommendation", "policy hash")
    return "## Revisions\n\n" + md_table(headers, rows)


def _votes(record: ProposalRecord, votes: list[VoteRecord]) -> str:
    counts = _counts_line(votes)
    if not votes:
        return f"## Votes\n\n{counts}"
    if record.secret_ballot and record.vote_state is VoteState.OPEN:
        return (
            f"## Votes\n\n{counts}\n\nSecret ballot: names are hidden until the vote closes "
            "(the app stores who voted, for the audit)."
        )
    rows = [
        (f"<@{vote.user_id}>", vote.choice.value, vote.reason or "", _moment(vote.updated_at))
        for vote in votes
    ]
    return f"## Votes\n\n{counts}\n\n" + md_table(("member", "vote", "reason", "at"), rows)


def _counts_line(votes: list[VoteRecord]) -> str:
    choices = [vote.choice for vote in votes]
    parts = [f"{choices.count(choice)} {choice.value}" for choice in Choice]
    return f"**Tally:** {' · '.join(parts)}"


def _outcome(record: ProposalRecord, votes: list[VoteRecord]) -> str:
    engine = f"**Engine verdict:** {record.evaluation.verdict.value}"
    if record.vote_state is VoteState.OPEN:
        until = f" until {_moment(record.vote_deadline)}" if record.vote_deadline else ""
        return f"## Outcome\n\n{engine}\n\n**Committee:** the vote is open{until}."
    overruled = overrule_note(record.outcome, record.evaluation.verdict)
    lines = [
        engine,
        f"**{committee_line(record, votes)}**{overruled}",
        f"Closed {_moment(record.closed_at)}: {closed_by_words(record.closed_by)}.",
    ]
    return "## Outcome\n\n" + "\n\n".join(lines)


def committee_line(record: ProposalRecord, votes: list[VoteRecord]) -> str:
    """The stored outcome with the score: "Committee: 4–2 in favour → approved"."""
    decision = record.outcome or Outcome.NO_DECISION
    return outcome_line(tally(votes), decision, record.quorum, committee_size=0)


def _moment(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


# --- Markdown to Slack mrkdwn --------------------------------------------------------------


def markdown_to_mrkdwn(markdown: str) -> list[str]:
    """The record's Markdown as escaped mrkdwn lines: headings bold, table rows as bullets."""
    lines: list[str] = []
    table_open = False
    for line in markdown.splitlines():
        if not line.strip():
            table_open = False
            continue
        if line.startswith("|"):
            if table_open and not _TABLE_SEPARATOR.fullmatch(line.strip()):
                lines.append(_table_row(line))
            table_open = True
            continue
        lines.append(_text_line(line))
    return lines


def _text_line(line: str) -> str:
    if line.startswith("#"):
        return "*" + escape(line.lstrip("#").strip()) + "*"
    if line.startswith("> "):
        return ">" + _inline(line[2:])
    return _inline(line)


def _table_row(line: str) -> str:
    cells = [cell.strip().replace("\\|", "|") for cell in _UNESCAPED_PIPE.split(line.strip())[1:-1]]
    first, rest = cells[0], [cell for cell in cells[1:] if cell]
    joined = " · ".join(_inline(cell) for cell in rest)
    return f"• *{escape(first)}*: {joined}" if joined else f"• *{escape(first)}*"


def _inline(text: str) -> str:
    return _BOLD.sub(r"*\1*", escape(text))


def _known_ids(
    record: ProposalRecord, votes: list[VoteRecord], history: list[EvaluationRecord]
) -> set[str]:
    ids = {record.channel_id, record.author_id, *(vote.user_id for vote in votes)}
    ids |= {entry.created_by for entry in history}
    if record.closed_by:
        ids.add(record.closed_by)
    return ids


def _mention_back(line: str, known: set[str]) -> str:
    """Turn the escaped ``<@U…>``/``<#C…>`` of the people and channel the record names back into
    mentions; any other ``<…>`` (from user text) stays escaped."""

    def restore(match: re.Match[str]) -> str:
        sigil, identifier = match.groups()
        return f"<{sigil}{identifier}>" if identifier in known else match.group(0)

    return _MENTION_ESCAPED.sub(restore, line)


def _fitted(body: list[Block]) -> list[Block]:
    """The sections that fit one message, with a note when the rest is left out."""
    kept: list[Block] = []
    used = 0
    for block in body:
        size = len(block["text"]["text"])
        if len(kept) == RECORD_BLOCK_LIMIT or used + size > RECORD_CHARACTER_LIMIT:
            left_out = len(body) - len(kept)
            return [*kept, context(_cut_note(left_out))]
        kept.append(block)
        used += size
    return kept


def _cut_note(left_out: int) -> str:
    return (
        f"_The record is longer than one Slack message: the last {left_out} part"
        f"{'s' if left_out != 1 else ''} (up to {SECTION_TEXT_LIMIT:,} characters each) are "
        "left out. `finetune-check export` lists every decision for audits._"
    )
