"""The verdict message: content, ballot, buttons, metadata and Block Kit limits for any proposal."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.blocks.verdict import VerdictMessage, verdict_message
from bot.ids import ActionId
from bot.voting.domain import Ballot, Choice, Outcome
from core.engine import evaluate
from core.evaluation import Evaluation
from core.policy import Policy
from core.proposal import MetricLock, Proposal
from tests.bot.block_kit import block_kit_problems
from tests.strategies import proposals
from tests.worked_cases import case_paths, worked_case

CASES = case_paths()
VOTE_ACTIONS = {ActionId.VOTE_APPROVE, ActionId.VOTE_REJECT, ActionId.VOTE_ABSTAIN}


def load_case(name: str) -> tuple[Proposal, Evaluation]:
    case = worked_case(name)
    return case.proposal, evaluate(case.proposal, case.policy)


def render(
    name: str = "q2-budget-timing", ballot: Ballot | None = None, **updates: Any
) -> VerdictMessage:
    proposal, _ = load_case(name)
    proposal = proposal.model_copy(update=updates)
    evaluation = evaluate(proposal, Policy())
    return verdict_message(
        proposal_id=12,
        proposal=proposal,
        evaluation=evaluation,
        author_id="U0AUTHOR",
        ballot=ballot,
    )


def all_text(message: VerdictMessage) -> str:
    return json.dumps(message.blocks, ensure_ascii=False)


def section_texts(message: VerdictMessage) -> list[str]:
    return [b["text"]["text"] for b in message.blocks if b["type"] == "section" and "text" in b]


def buttons(message: VerdictMessage) -> dict[str, dict[str, Any]]:
    return {
        e["action_id"]: e for b in message.blocks if b["type"] == "actions" for e in b["elements"]
    }


def ballot_text(message: VerdictMessage) -> str:
    return next(b["text"]["text"] for b in message.blocks if b.get("block_id") == "ballot")


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_every_shared_case_renders_within_block_kit_limits(case: Path) -> None:
    proposal, evaluation = load_case(case.stem)
    message = verdict_message(
        proposal_id=1, proposal=proposal, evaluation=evaluation, author_id="U1"
    )

    assert block_kit_problems(message.blocks) == []
    assert proposal.title in message.blocks[0]["text"]["text"]


def test_the_header_gives_the_engines_verdict_and_the_title() -> None:
    approved = render("fraud-metric-lock")
    rejected = render("q2-budget-timing")

    assert approved.blocks[0]["text"]["text"] == "Engine: approve · Fraud model upgrade"
    assert rejected.blocks[0]["text"]["text"] == "Engine: reject · Q2 ranking fine-tune"
    assert approved.text == "Engine: approve · Fraud model upgrade (proposal #12)"


def test_the_engines_verdict_never_reads_like_a_vote() -> None:
    header = render().blocks[0]["text"]["text"]
    labels = {b["text"]["text"] for b in buttons(render()).values()}
    assert header.split(" · ")[0] not in labels
    assert "❌ Reject" in labels and "❌ Reject" not in header


def test_a_long_title_is_cut_with_an_ellipsis_to_fit_the_header() -> None:
    message = render(title="T" * 150)
    header = message.blocks[0]["text"]["text"]

    assert len(header) == 150
    assert header.endswith("…")


def test_key_figures_are_section_fields_in_the_units_of_every_surface() -> None:
    fields = next(b["fields"] for b in render().blocks if "fields" in b)

    assert [field["text"] for field in fields] == [
        "*Projected lift*\n4.0 % on revenue per session",
        "*Clean examples*\n162,450 rows (0.90 clean)",
        "*Total cost*\n$33,000",
        "*Weighted lift*\n0.30 pp/day",
        "*Timing-adjusted ROI*\n1.82× (raw 3.64×)",
        "*Delivery*\n45 days (window 45 days)",
        "*Latency*\n100 ms (SLA 150 ms)",
    ]


def test_the_reason_the_combination_that_approves_and_the_vote_come_first() -> None:
    message = render(ballot=Ballot())
    kinds = [block.get("block_id") or block["type"] for block in message.blocks]

    assert kinds[:4] == ["header", "section", "ballot", "verdict_actions"]
    assert message.blocks[1]["text"]["text"] == (
        "*Why:* Projected lift 4.0 % is below the 5.0 % minimum.\n"
        "*Advice:* Reach the gain with prompt engineering or a feature-flag toggle instead of "
        "fine-tuning.\n"
        "*To approve:* projected lift ≥ 8.0 % and delivery time ≤ 40 days.\n"
        "*Also failing:* signal-weighted ROI and timing-adjusted ROI."
    )


def test_every_check_is_shown_once_as_an_icon_and_its_name() -> None:
    context = next(b for b in render().blocks if b["type"] == "context")
    assert context["elements"][0]["text"] == (
        "❌ minimum lift · ✅ clean-data volume · ✅ data hygiene · ❌ signal-weighted ROI · "
        "✅ delivery window · ❌ timing-adjusted ROI · ✅ latency SLA · "
        "➖ prompt-engineering alternative · ⚠️ Metric-Lock · ✅ diminishing returns · "
        "➖ over-fitting"
    )


def test_each_fact_is_said_once_and_gate_ids_never_show() -> None:
    text = all_text(render())
    assert text.count("Projected lift 4.0 % is below the 5.0 % minimum.") == 1
    assert text.count("1.82×") == 1 and text.count("0.30 pp/day") == 1
    assert "kpi_lift" not in text and "signal_weighted_roi" not in text
    assert "Talking points" not in text  # a rejection's script is its summary


def test_the_message_is_short_and_the_decision_record_has_the_rest() -> None:
    message = render(ballot=Ballot())
    visible = sum(len(chunk) for chunk in _visible_texts(message.blocks))
    assert visible < 1300
    assert "every check and option: *Decision record*" in all_text(message)


def _visible_texts(blocks: list[dict[str, Any]]) -> list[str]:
    texts = []
    for block in blocks:
        if isinstance(block.get("text"), dict):
            texts.append(block["text"]["text"])
        texts += [field["text"] for field in block.get("fields", [])]
        texts += [
            element["text"] if isinstance(element["text"], str) else element["text"]["text"]
            for element in block.get("elements", [])
            if "text" in element
        ]
    return texts


def test_a_lock_in_the_combination_is_named_by_its_lock() -> None:
    proposal, _ = load_case("fraud-metric-lock")
    missed = proposal.locks[1].model_copy(update={"achieved": 130.0})
    summary = render("fraud-metric-lock", metric_locks=[proposal.locks[0], missed]).blocks[1]

    assert "*To approve:* latency ≤ 120 ms." in summary["text"]["text"]


def test_an_approval_quotes_its_talking_points_and_no_combination() -> None:
    message = render("fraud-metric-lock")
    texts = section_texts(message)
    assert texts[0] == "*Advice:* Go ahead with the fine-tune."
    assert texts[1] == (
        "*Talking points*\n>Our fine-tuned model satisfies the dual threshold set for this "
        "quarter: reduction in false positives at 5.3 % against a locked ≥ 0.4 % and latency "
        "at 115 ms against a locked ≤ 120 ms."
    )
    assert "To approve" not in all_text(message)


def test_the_context_names_id_policy_and_author() -> None:
    message = render()
    context = [b for b in message.blocks if b["type"] == "context"][-1]["elements"][0]["text"]

    assert context == (
        "Proposal #12 · policy `aaa38f781831` · submitted by <@U0AUTHOR> · "
        "every check and option: *Decision record*"
    )


def test_vote_close_revise_and_record_buttons_carry_the_proposal_id() -> None:
    found = buttons(render())

    elsewhere = {ActionId.PREFILL_LAST, ActionId.REVISE_WITH_MEASURED}  # modal, scan report
    assert set(found) == {a.value for a in ActionId} - elsewhere
    assert {button["value"] for button in found.values()} == {"12"}
    assert found[ActionId.CLOSE_VOTE]["confirm"]["confirm"]["text"] == "Close vote"


def test_metadata_follows_the_contract_without_a_ballot() -> None:
    assert render().metadata == {
        "event_type": "finetune_verdict",
        "event_payload": {
            "proposal_id": 12,
            "verdict": "reject",
            "recommendation": "prompt_or_feature_flag",
        },
    }


def test_metadata_adds_the_tally_and_once_closed_the_outcome() -> None:
    votes = {"U1": Choice.APPROVE, "U2": Choice.APPROVE, "U3": Choice.REJECT}
    open_ballot = Ballot(votes=votes)
    closed = Ballot(votes=votes, closed=True, outcome=Outcome.APPROVED)

    open_payload = render(ballot=open_ballot).metadata["event_payload"]
    closed_payload = render(ballot=closed).metadata["event_payload"]

    assert open_payload["tally"] == {"approve": 2, "reject": 1, "abstain": 0}
    assert "outcome" not in open_payload
    assert closed_payload["outcome"] == "approved"


def test_without_a_committee_the_message_says_anyone_may_vote() -> None:
    assert "Anyone in this channel may vote." in ballot_text(render(ballot=Ballot()))


def test_an_open_ballot_shows_who_voted_what_who_is_missing_and_the_deadline() -> None:
    ballot = Ballot(
        committee=["U1", "U2", "U3"],
        votes={"U1": Choice.APPROVE, "U2": Choice.REJECT},
        deadline=datetime(2026, 5, 1, 9, tzinfo=UTC),
        quorum=2,
    )
    text = ballot_text(render(ballot=ballot))

    assert "✅ Approve 1 · ❌ Reject 1 · ➖ Abstain 0" in text
    assert "✅ Approve: <@U1>" in text
    assert "❌ Reject: <@U2>" in text
    assert "Not voted yet: <@U3>" in text
    assert "|2026-05-01 09:00 UTC>" in text
    assert "Committee of 3, quorum 2." in text


def test_a_secret_ballot_hides_names_until_the_vote_closes() -> None:
    votes = {"U1": Choice.APPROVE, "U2": Choice.REJECT}
    open_text = ballot_text(render(ballot=Ballot(votes=votes, secret=True)))
    closed_text = ballot_text(
        render(ballot=Ballot(votes=votes, secret=True, closed=True, outcome=Outcome.REJECTED))
    )

    assert "<@U1>" not in open_text and "<@U2>" not in open_text
    assert "✅ Approve 1 · ❌ Reject 1" in open_text
    assert "<@U1>" in closed_text and "<@U2>" in closed_text


@pytest.mark.parametrize(
    ("votes", "outcome", "quorum", "line"),
    [
        ("AAAARR", Outcome.APPROVED, None, "Committee: 4–2 in favour → approved"),
        ("ARRR", Outcome.REJECTED, None, "Committee: 1–3 against → rejected"),
        ("AARR", Outcome.REJECTED, None, "Committee: 2–2 tie → rejected"),
        ("A", Outcome.NO_DECISION, 3, "Committee: no quorum (1 voted, 3 needed) → no decision"),
    ],
)
def test_a_closed_ballot_states_the_outcome(
    votes: str, outcome: Outcome, quorum: int | None, line: str
) -> None:
    choice = {"A": Choice.APPROVE, "R": Choice.REJECT}
    ballot = Ballot(
        votes={f"U{i}": choice[v] for i, v in enumerate(votes)},
        closed=True,
        outcome=outcome,
        quorum=quorum,
    )

    assert f"*{line}*" in ballot_text(render("fraud-metric-lock", ballot=ballot))


def test_a_committee_outcome_against_the_engine_is_called_an_overrule() -> None:
    ballot = Ballot(votes={"U1": Choice.APPROVE}, closed=True, outcome=Outcome.APPROVED)

    assert "overruled the engine's reject" in ballot_text(render(ballot=ballot))


def test_closing_hides_the_vote_and_close_buttons_but_keeps_revise_and_record() -> None:
    closed = Ballot(closed=True, outcome=Outcome.NO_DECISION)

    assert set(buttons(render(ballot=closed))) == {ActionId.REVISE, ActionId.DECISION_RECORD}
    assert set(buttons(render(ballot=Ballot()))) >= VOTE_ACTIONS


def test_five_hundred_voters_are_listed_briefly() -> None:
    committee = [f"U{i:09d}" for i in range(600)]
    ballot = Ballot(committee=committee, votes=dict.fromkeys(committee[:500], Choice.REJECT))
    message = render(ballot=ballot)

    assert "and 480 more" in ballot_text(message)
    assert "Not voted yet:" in ballot_text(message)
    assert block_kit_problems(message.blocks) == []


def test_the_worst_case_proposal_stays_within_limits() -> None:
    nasty = "&<>" * 27
    locks = [
        MetricLock(
            name=nasty[:80], comparator=">=", threshold=1e300, achieved=-1e300, unit="&" * 20
        ),
        MetricLock(
            name=nasty[:80], comparator="<=", threshold=-1e300, achieved=1e300, unit="<" * 20
        ),
    ]
    voters = [f"U{i:09d}" for i in range(500)]
    ballot = Ballot(
        committee=voters,
        votes={v: list(Choice)[i % 3] for i, v in enumerate(voters)},
        closed=True,
        outcome=Outcome.APPROVED,
        quorum=251,
    )
    message = render(
        "fraud-metric-lock",
        ballot=ballot,
        title="&" * 150,
        kpi_name="<" * 80,
        metric_locks=locks,
        validation_losses=[1e300] * 1000,
        compute_cost_usd=1e308,
        projected_revenue_usd=1e308,
        prompt_result=1e300,
        target_result=1e-300,
        planned_epochs=10**9,
    )

    assert block_kit_problems(message.blocks) == []
    assert len(message.text) <= 4000


any_proposals = proposals(stripped=False, max_locks=4, max_epochs=10**9, max_losses=1000)
user_ids = st.from_regex(r"U[A-Z0-9]{8,11}", fullmatch=True)
ballots = st.builds(
    Ballot,
    committee=st.lists(user_ids, max_size=500, unique=True),
    votes=st.dictionaries(user_ids, st.sampled_from(list(Choice)), max_size=500),
    secret=st.booleans(),
    closed=st.booleans(),
    outcome=st.none() | st.sampled_from(list(Outcome)),
    deadline=st.none() | st.datetimes(timezones=st.just(UTC)),
    quorum=st.none() | st.integers(0, 500),
)


@settings(max_examples=80, deadline=None)
@given(any_proposals, st.none() | ballots, st.integers(1, 10**12), user_ids)
def test_any_valid_proposal_and_ballot_stay_within_block_kit_limits(
    proposal: Proposal, ballot: Ballot | None, proposal_id: int, author: str
) -> None:
    message = verdict_message(
        proposal_id=proposal_id,
        proposal=proposal,
        evaluation=evaluate(proposal, Policy()),
        author_id=author,
        ballot=ballot,
    )

    assert block_kit_problems(message.blocks) == []
    assert message.metadata["event_payload"]["proposal_id"] == proposal_id
