"""`export_decisions`: every decision as CSV or JSON, read back exactly as it was stored."""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import timedelta
from typing import Any

import pytest

from bot.models import ProposalRecord
from bot.persistence.stores import Stores
from bot.reports.export import EXPORT_COLUMNS, export_decisions
from bot.voting.domain import Choice, Outcome
from core.engine import evaluate
from core.policy import Policy
from core.proposal import Proposal
from tests.builders import NOW, slow_lift_proposal, statements_sent, store_proposal

TRICKY_TITLES = [
    'Ranking, "v2" fine-tune',
    "Multi-line\ntitle, with a comma",
    "Plain title",
    'Quotes "" and\r\ncarriage return; ünïcödé ✅',
]


def proposal_input(title: str, **overrides: Any) -> Proposal:
    values: dict[str, Any] = {"projected_lift_pct": 9.0, "delivery_days": 20}
    return slow_lift_proposal(**{"title": title, **values, **overrides})


async def fill(stores: Stores) -> list[ProposalRecord]:
    records = [await store_proposal(stores, proposal_input(title)) for title in TRICKY_TITLES]
    first = records[0]
    for user, choice in [("U1", Choice.APPROVE), ("U2", Choice.APPROVE), ("U3", Choice.ABSTAIN)]:
        await stores.votes.cast_vote(
            proposal_id=first.id, user_id=user, choice=choice, reason="a, b", now=NOW
        )
    await stores.votes.close_vote(
        proposal_id=first.id, outcome=Outcome.APPROVED, closed_by="U1", now=NOW + timedelta(days=1)
    )
    return records


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


async def test_the_csv_reads_back_as_the_values_stored(stores: Stores) -> None:
    records = await fill(stores)
    rows = read_csv(await export_decisions(stores.reads, format="csv"))
    assert [row["title"] for row in rows] == TRICKY_TITLES
    for row, record in zip(rows, records, strict=True):
        assert int(row["id"]) == record.id
        assert float(row["total_cost_usd"]) == record.evaluation.figures.total_cost_usd
        assert float(row["timing_adjusted_roi"]) == record.evaluation.figures.timing_adjusted_roi
        assert row["policy_hash"] == record.policy_hash
        assert row["verdict"] == record.evaluation.verdict.value


async def test_the_csv_and_the_json_hold_the_same_rows(stores: Stores) -> None:
    await fill(stores)
    from_csv = read_csv(await export_decisions(stores.reads, format="csv"))
    from_json = json.loads(await export_decisions(stores.reads, format="json"))
    assert len(from_csv) == len(from_json) == len(TRICKY_TITLES)
    for csv_row, json_row in zip(from_csv, from_json, strict=True):
        assert list(csv_row) == list(EXPORT_COLUMNS) == list(json_row)
        for name, value in json_row.items():
            if value is None:
                assert csv_row[name] == "", name
            elif isinstance(value, float):
                assert float(csv_row[name]) == value, name
            elif isinstance(value, int):
                assert int(csv_row[name]) == value, name
            else:
                assert csv_row[name] == value, name


async def test_each_row_carries_the_vote_counts_and_the_outcome(stores: Stores) -> None:
    await fill(stores)
    first, second, *_ = json.loads(await export_decisions(stores.reads, format="json"))
    assert (first["approve"], first["reject"], first["abstain"]) == (2, 0, 1)
    assert (first["vote_state"], first["outcome"]) == ("closed", "approved")
    assert first["closed_at"] == "2026-03-03T09:00:00+00:00"
    assert first["created_at"] == "2026-03-02T09:00:00+00:00"
    assert (second["vote_state"], second["outcome"], second["closed_at"]) == ("open", None, None)
    assert list(first) == list(EXPORT_COLUMNS)


async def test_a_rejected_decision_gives_its_recommendation_and_reason(
    stores: Stores,
) -> None:
    record = await store_proposal(stores, proposal_input("Too slow", delivery_days=80))
    (row,) = json.loads(await export_decisions(stores.reads, format="json"))
    assert row["verdict"] == "reject"
    assert row["recommendation"] == record.evaluation.recommendation.value
    assert row["primary_reason"] == record.evaluation.primary_reason
    assert row["projected_revenue_usd"] == 120_000.0


async def test_an_infinite_roi_is_null_in_json_and_inf_in_csv(stores: Stores) -> None:
    free = proposal_input("Free", engineer_day_cost_usd=0.0, compute_cost_usd=0.0)
    await store_proposal(stores, free)
    (row,) = json.loads(await export_decisions(stores.reads, format="json"))
    (csv_row,) = read_csv(await export_decisions(stores.reads, format="csv"))
    assert row["timing_adjusted_roi"] is None
    assert math.isinf(float(csv_row["timing_adjusted_roi"]))


@pytest.mark.parametrize("output", ["csv", "json"])
async def test_an_empty_database_exports_no_rows(stores: Stores, output: Any) -> None:
    text = await export_decisions(stores.reads, format=output)
    loaded = read_csv(text) if output == "csv" else json.loads(text)
    assert loaded == []
    if output == "csv":
        assert text.splitlines()[0] == ",".join(EXPORT_COLUMNS)


async def test_a_revision_exports_the_latest_evaluation(stores: Stores) -> None:
    record = await store_proposal(stores, proposal_input("Revised", delivery_days=80))
    revised = proposal_input("Revised", delivery_days=20)
    await stores.proposals.add_revision(
        proposal_id=record.id,
        proposal=revised,
        evaluation=evaluate(revised, Policy()),
        created_by="U_AUTHOR",
        now=NOW,
        reset_votes=False,
    )
    (row,) = json.loads(await export_decisions(stores.reads, format="json"))
    assert (row["verdict"], row["primary_reason"]) == ("approve", None)


async def test_the_export_takes_two_queries_however_many_decisions(
    stores: Stores,
) -> None:
    for index in range(25):
        await store_proposal(stores, proposal_input(f"P{index}"))
    with statements_sent(stores.engine) as statements:
        await export_decisions(stores.reads, format="csv")
    assert len(statements) == 2
