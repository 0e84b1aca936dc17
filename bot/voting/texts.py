"""Everything people read about votes and outcomes, worded once: the thread's vote lines, the
outcome line, what closed a vote, the overrule note, and the private answers to a refusal.

The voting service, the verdict message's ballot, the decision record and the App Home all say
these through this module (mrkdwn: user text is escaped, people are mentions).
"""

from __future__ import annotations

from bot.blocks.format import mention, names_list, safe
from bot.voting.domain import CLOSED_ALL_VOTED, CLOSED_AT_DEADLINE, Choice, Outcome, Tally
from core.evaluation import Verdict

REASON_SHOWN = 300
NAMES_SHOWN = 20
TITLE_SHOWN = 100

OUTCOME_WORDS = {
    Outcome.APPROVED: "approved",
    Outcome.REJECTED: "rejected",
    Outcome.NO_DECISION: "no decision",
}


def vote_line(user_id: str, choice: Choice, reason: str | None) -> str:
    """The thread line for a new or changed vote: "<@U1> votes reject: latency risk"."""
    said = f"{mention(user_id)} votes {choice.value}"
    return f"{said}: {safe(reason, REASON_SHOWN)}" if reason else said


def secret_vote_recorded(choice: Choice) -> str:
    """The private answer to a vote on a secret ballot."""
    return f"Your vote is recorded: {choice.value}. Names stay hidden until the vote closes."


def outcome_line(counts: Tally, decision: Outcome, quorum: int | None, committee_size: int) -> str:
    """The outcome in one line, e.g. "Committee: 4–2 in favour → approved"."""
    if decision is Outcome.NO_DECISION:
        turnout = _turnout(counts, committee_size)
        needed = f", {quorum} needed" if quorum else ""
        return f"Committee: no quorum ({turnout}{needed}) → no decision"
    score = f"{counts.approve}–{counts.reject}"
    if counts.approve == counts.reject:
        return f"Committee: {score} tie → {decision.value}"
    leaning = "in favour" if counts.approve > counts.reject else "against"
    return f"Committee: {score} {leaning} → {decision.value}"


def _turnout(counts: Tally, committee_size: int) -> str:
    if committee_size <= 0:
        return f"{counts.cast} voted"
    return f"{counts.cast} of {committee_size} voted"


def closed_by_words(closed_by: str | None) -> str:
    """What closed the vote: "every member has voted", "closed by <@U1>"."""
    if closed_by == CLOSED_AT_DEADLINE:
        return "the vote window ended"
    if closed_by == CLOSED_ALL_VOTED:
        return "every member has voted"
    return f"closed by {mention(closed_by)}" if closed_by else "closer not recorded"


def announcement(line: str, closed_by: str) -> str:
    """The thread message of a close: the outcome line and what closed the vote."""
    return f"{line} ({closed_by_words(closed_by)})"


def overrule_note(decision: Outcome | None, verdict: Verdict) -> str:
    """" (the committee overruled the engine's reject)" when the two disagree, else ""."""
    engine_approved = verdict is Verdict.APPROVE
    if decision is Outcome.APPROVED and not engine_approved:
        return " (the committee overruled the engine's reject)"
    if decision is Outcome.REJECTED and engine_approved:
        return " (the committee overruled the engine's approve)"
    return ""


def proposal_name(proposal_id: int, title: str) -> str:
    """`#12 “Fraud model upgrade”`."""
    return f"#{proposal_id} “{safe(title, TITLE_SHOWN)}”"


def unknown_proposal(proposal_id: int) -> str:
    return f"Proposal #{proposal_id} does not exist (any more), so nothing was changed."


def vote_closed(name: str, outcome: Outcome | None) -> str:
    result = OUTCOME_WORDS[outcome] if outcome else "closed"
    return f"The vote on {name} is closed ({result}), so your request changed nothing."


def vote_too_late(name: str, line: str) -> str:
    return (
        f"The vote on {name} closed at its deadline, so your vote was not counted. {line}."
    )


def not_a_member(name: str, committee: list[str]) -> str:
    return (
        f"Only the committee votes on {name}: "
        f"{names_list(committee, shown=NAMES_SHOWN)}. Your vote was not counted; a member can "
        f"add you with `/finetune-check committee add @you`."
    )


def may_not_close(name: str, author_id: str) -> str:
    return (
        f"Only the author ({mention(author_id)}) or a committee member can close the "
        f"vote on {name}."
    )


def may_not_change_committee(committee: list[str]) -> str:
    return (
        "Only committee members or a workspace admin can change the committee "
        f"({names_list(committee, shown=NAMES_SHOWN)})."
    )


def committee_description(own: list[str], fallback: list[str]) -> str:
    """Who votes in the channel: its committee, the default one, or anyone."""
    if own:
        return f"This channel's committee: {names_list(own, shown=NAMES_SHOWN)}."
    if fallback:
        names = names_list(fallback, shown=NAMES_SHOWN)
        return f"This channel has no committee of its own; the default one votes: {names}."
    return (
        "This channel has no committee, so anyone in it may vote. "
        "Create one with `/finetune-check committee add @a @b`."
    )


def committee_change(adding: bool, changed: list[str], unchanged: list[str]) -> str:
    """What a committee command changed, before the description of who votes now."""
    parts = []
    if changed:
        parts.append(f"{'Added' if adding else 'Removed'} {names_list(changed)}.")
    if unchanged:
        state = "already on" if adding else "not on"
        parts.append(f"{names_list(unchanged)}: {state} the committee, nothing to do.")
    return " ".join(parts)
