"""`finetune-check export`: every decision in the database as CSV or JSON, for audits.

One row per proposal, oldest first. Timestamps are ISO 8601 in UTC. An infinite timing-adjusted
ROI (a total cost of 0) is ``null`` in JSON, as in the evaluation contract, and ``inf`` in CSV;
an absent value is ``null`` in JSON and an empty cell in CSV. Numbers are written with every
digit (Python's ``repr``), so the CSV read back gives the same values.
"""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import datetime
from enum import Enum
from typing import Literal

from bot.models import DecisionSummary
from bot.persistence.read_models import ReadModels

ExportFormat = Literal["csv", "json"]

EXPORT_COLUMNS = (
    "id",
    "team_id",
    "channel_id",
    "author_id",
    "title",
    "created_at",
    "verdict",
    "recommendation",
    "primary_reason",
    "total_cost_usd",
    "projected_revenue_usd",
    "timing_adjusted_roi",
    "policy_hash",
    "vote_state",
    "outcome",
    "approve",
    "reject",
    "abstain",
    "closed_at",
)

Cell = str | int | float | None


async def export_decisions(reads: ReadModels, *, format: ExportFormat) -> str:
    """Every decision in the database as CSV or JSON text."""
    rows = [decision_row(decision) for decision in await reads.all_decisions()]
    return decisions_csv(rows) if format == "csv" else decisions_json(rows)


def decision_row(decision: DecisionSummary) -> dict[str, Cell]:
    """One decision as export cells, keyed by `EXPORT_COLUMNS`."""
    fields = decision.model_dump(include=set(EXPORT_COLUMNS))
    return {name: _cell(fields[name]) for name in EXPORT_COLUMNS}


def decisions_csv(rows: list[dict[str, Cell]]) -> str:
    """The rows as CSV with a header line; fields with commas, quotes or newlines are quoted."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({name: _csv_cell(value) for name, value in row.items()} for row in rows)
    return buffer.getvalue()


def decisions_json(rows: list[dict[str, Cell]]) -> str:
    """The rows as a JSON array (an infinite number becomes null)."""
    finite = [{name: _json_cell(value) for name, value in row.items()} for row in rows]
    return json.dumps(finite, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _csv_cell(value: Cell) -> str:
    """A cell as CSV text: empty for None, every digit of a float, ``inf`` for infinity."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _json_cell(value: Cell) -> Cell:
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _cell(value: object) -> Cell:
    """A field as an export cell: a moment in ISO 8601, a choice by its value."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    if value is None or isinstance(value, str | int | float):
        return value
    raise TypeError(f"an export column holds {type(value).__name__}, not a cell")
