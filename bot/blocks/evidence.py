"""What shared files say in Slack: the verdict's "measured from …" line, the scan report posted
in a verdict's thread with its "Revise with the measured figures" button, and the line saying
why a file was not used. PURE builders: text and Block Kit dicts."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.blocks.format import Block, context, escape, section, truncate_mrkdwn
from bot.blocks.format import button as make_button
from bot.ids import ActionId, LayoutBlock
from bot.models import EvidenceRecord
from core.wording import exact, figure

FIELD_WORDS = {
    "label_accuracy_pct": "label accuracy",
    "diversity_pct": "diversity",
    "duplicate_pct": "duplicates",
    "validation_losses": "validation losses",
}
PERCENT_FIELDS = frozenset({"label_accuracy_pct", "diversity_pct", "duplicate_pct"})
BUTTON_VALUE_LIMIT = 2000


def evidence_line(record: EvidenceRecord) -> str:
    """``Measured from support-sample.jsonl (48,211 rows): diversity 62.4 % (typed 80 %).``"""
    if record.kind == "curve":
        return f"{record.note[:1].upper()}{record.note[1:]}."
    rows = f" ({record.rows:,} rows)" if record.rows is not None else ""
    changed = [
        f"{FIELD_WORDS[field]} {_value(field, value)} (typed {_value(field, record.typed[field])})"
        for field, value in record.measured.items()
        if field in FIELD_WORDS and record.typed.get(field) != value
    ]
    same = [
        FIELD_WORDS[field]
        for field, value in record.measured.items()
        if field in FIELD_WORDS and record.typed.get(field) == value
    ]
    parts = changed + ([f"{', '.join(same)} as typed"] if same else [])
    detail = "; ".join(parts) if parts else "nothing measured"
    extra = f" {record.note}" if record.note else ""
    return f"Measured from {escape(record.source)}{rows}: {detail}.{extra}"


def evidence_lines(records: Sequence[EvidenceRecord]) -> tuple[str, ...]:
    """One line per record, data before curve."""
    ordered = sorted(records, key=lambda record: record.kind != "data")
    return tuple(evidence_line(record) for record in ordered)


def _value(field: str, value: Any) -> str:
    if value is None:
        return "not given"
    if field in PERCENT_FIELDS and isinstance(value, int | float):
        return f"{exact(round(float(value), 1))} %"
    if isinstance(value, list):
        return f"{len(value)} epochs"
    return str(value)


# -- a file that was not used --------------------------------------------------------------------


def unused_file_line(name: str, problem: str, *, typed_figures: bool) -> str:
    """Why a shared file was not used, one line for the thread."""
    tail = " The verdict uses the typed figures." if typed_figures else ""
    return f"⚠️ {escape(name)} was not used: {escape(problem)}{tail}"


# -- the scan report in a verdict's thread -----------------------------------------------------


@dataclass(frozen=True)
class AxisRow:
    """One Data Hygiene axis of a scan: its value (None when not measured) and the minimum."""

    name: str
    value: float | None
    minimum: float
    passes: bool | None


@dataclass(frozen=True)
class ScanSummary:
    """What the thread's scan report shows of a `ScanReport` (kept free of the scanner)."""

    source: str
    rows: int
    exact_duplicates: int
    near_duplicates: int
    duplicate_pct: float
    audited_rows: int
    axes: tuple[AxisRow, ...]
    verdict: str
    measured: dict[str, float]
    """The proposal fields the scan measured, with their values."""


def scan_report_message(
    summary: ScanSummary, *, proposal_id: int, button: bool = True
) -> tuple[str, list[Block]]:
    """The thread reply: a short table of the scan and (unless the figures are already in
    the verdict) the button to revise with them."""
    table = "\n".join(_table_lines(summary))
    blocks: list[Block] = [
        section(truncate_mrkdwn(f"*Scan of {escape(summary.source)}*\n```{table}```", 2900)),
        context(truncate_mrkdwn(escape(summary.verdict), 2900)),
    ]
    if button and summary.measured:
        value = measured_button_value(proposal_id, summary.measured)
        revise = make_button(
            "Revise with the measured figures", ActionId.REVISE_WITH_MEASURED, value
        )
        blocks.append(
            {"type": "actions", "block_id": LayoutBlock.SCAN_ACTIONS.value, "elements": [revise]}
        )
    text = f"Scan of {summary.source}: {summary.rows:,} rows. {summary.verdict}"
    return truncate_mrkdwn(escape(text), 3000), blocks


def _table_lines(summary: ScanSummary) -> list[str]:
    duplicates = (
        f"{_pct(summary.duplicate_pct)} ({summary.exact_duplicates:,} exact, "
        f"{summary.near_duplicates:,} near)"
    )
    lines = [f"{'rows':<16}{summary.rows:,}", f"{'duplicates':<16}{duplicates}"]
    for axis in summary.axes:
        lines.append(f"{axis.name:<16}{_axis_value(axis):<10}{_axis_status(axis)}")
    return [escape(line) for line in lines]


def _axis_value(axis: AxisRow) -> str:
    if axis.value is None:
        return "–"
    return f"{figure(axis.value, axis.minimum)} %"


def _axis_status(axis: AxisRow) -> str:
    minimum = exact(axis.minimum)
    if axis.passes is None:
        return "not measured (no gold labels)"
    return f"✅ ≥ {minimum} %" if axis.passes else f"❌ below {minimum} %"


def _pct(value: float) -> str:
    return f"{exact(round(value, 1))} %"


def measured_button_value(proposal_id: int, measured: Mapping[str, float]) -> str:
    """The button's value: the proposal and the measured figures, as compact JSON."""
    value = json.dumps(
        {"proposal_id": proposal_id, "measured": dict(measured)}, separators=(",", ":")
    )
    if len(value) > BUTTON_VALUE_LIMIT:
        raise ValueError(f"the measured figures do not fit a button value ({len(value)} chars)")
    return value


class ButtonValueError(ValueError):
    """A "Revise with the measured figures" value this app did not write."""


def read_measured_button_value(value: str) -> tuple[int, dict[str, float]]:
    """The proposal id and measured figures of the button's value."""
    try:
        payload = json.loads(value)
    except (TypeError, ValueError):
        raise ButtonValueError("not JSON") from None
    proposal_id = payload.get("proposal_id") if isinstance(payload, dict) else None
    measured = payload.get("measured") if isinstance(payload, dict) else None
    if type(proposal_id) is not int or not isinstance(measured, dict):
        raise ButtonValueError("expected a proposal_id and measured figures")
    figures = {
        field: float(number)
        for field, number in measured.items()
        if field in PERCENT_FIELDS and isinstance(number, int | float)
    }
    return proposal_id, figures
