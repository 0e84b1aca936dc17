"""A shared file's bytes measured into a proposal: a data sample scanned (label accuracy,
diversity, duplicates) or a trainer_state.json read (validation losses). CPU-bound and
synchronous: run it in a worker thread.

Each measurement says what it replaced (the typed and the measured value of each field) so the
verdict can show both, and `MeasureError` says in one line why a file could not be used. A
range the team gave for a figure that is now measured is dropped: the figure is no longer an
estimate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.blocks.evidence import AxisRow, ScanSummary
from bot.evidence.curve import CurveError, apply_curve, read_trainer_state_bytes
from bot.evidence.scan import ScanError, ScanReport, apply_scan, hygiene_axes, scan_bytes, verdict
from bot.evidence.scan.apply import MEASURED_FIELDS
from bot.evidence.shared import DATA_SUFFIXES, EvidenceKind, MeasureError, evidence_kind
from core.policy import Policy
from core.proposal import Proposal

__all__ = ["MeasureError", "Measurement", "measure_file", "with_measured"]

NOT_A_DATA_FILE = (
    "it is not a data file: use a {kinds} sample, or a trainer_state.json for the losses"
)
_KINDS = ", ".join(DATA_SUFFIXES)


@dataclass(frozen=True)
class Measurement:
    """What one file measured: the proposal with the figures in place and what they replaced."""

    kind: EvidenceKind
    source: str
    proposal: Proposal
    typed: dict[str, Any]
    measured: dict[str, Any]
    rows: int | None
    note: str
    summary: ScanSummary | None = field(default=None)
    """A data sample's scan, for the thread's report."""


def measure_file(proposal: Proposal, policy: Policy, name: str, data: bytes) -> Measurement:
    """Measure a file of this name into the proposal; `MeasureError` when it cannot be used."""
    kind = evidence_kind(name)
    if kind is EvidenceKind.DATA:
        return measure_sample(proposal, policy, name, data)
    if kind is EvidenceKind.CURVE:
        return measure_curve(proposal, name, data)
    raise MeasureError(NOT_A_DATA_FILE.format(kinds=_KINDS))


def measure_sample(proposal: Proposal, policy: Policy, name: str, data: bytes) -> Measurement:
    """Scan a JSONL, CSV or Parquet sample and put its Data Hygiene figures in the proposal."""
    try:
        report = scan_bytes(data, name)
    except ScanError as error:
        raise MeasureError(_without_name(str(error), name)) from None
    figures = report.hygiene.model_dump()
    measured_fields = [name for name in MEASURED_FIELDS if figures[name] is not None]
    applied = apply_scan(_without_ranges(proposal, measured_fields), report)
    measured = {field: getattr(applied.proposal, field) for field in applied.measured}
    typed = {field: getattr(proposal, field) for field in applied.measured}
    note = "Label accuracy as typed (no audited rows)." if applied.kept else ""
    return Measurement(
        kind=EvidenceKind.DATA,
        source=name,
        proposal=applied.proposal,
        typed=typed,
        measured=measured,
        rows=report.rows,
        note=note,
        summary=scan_summary(report, policy, measured),
    )


def measure_curve(proposal: Proposal, name: str, data: bytes) -> Measurement:
    """Read a trainer_state.json's validation loss per epoch into the proposal."""
    try:
        curve = read_trainer_state_bytes(data, name)
    except CurveError as error:
        raise MeasureError(_without_name(str(error), name)) from None
    updated, note = apply_curve(proposal, curve)
    return Measurement(
        kind=EvidenceKind.CURVE,
        source=name,
        proposal=updated,
        typed={"validation_losses": proposal.validation_losses},
        measured={"validation_losses": updated.validation_losses},
        rows=None,
        note=note,
    )


def scan_summary(report: ScanReport, policy: Policy, measured: dict[str, Any]) -> ScanSummary:
    """What the thread's scan report shows."""
    axes = tuple(
        AxisRow(name=axis.name, value=axis.value, minimum=axis.minimum, passes=axis.passes)
        for axis in hygiene_axes(report, policy)
    )
    return ScanSummary(
        source=report.source,
        rows=report.rows,
        exact_duplicates=report.exact_duplicate_rows,
        near_duplicates=report.near_duplicate_rows,
        duplicate_pct=report.duplicate_pct,
        audited_rows=report.audited_rows,
        axes=axes,
        verdict=verdict(report, policy),
        measured={field: float(value) for field, value in measured.items()},
    )


def with_measured(proposal: Proposal, measured: dict[str, float]) -> Proposal:
    """The proposal with measured figures in place (their ranges dropped), validated."""
    trimmed = _without_ranges(proposal, list(measured))
    return Proposal.model_validate({**trimmed.model_dump(), **measured})


def _without_ranges(proposal: Proposal, fields: list[str]) -> Proposal:
    if not proposal.ranges or not set(fields) & set(proposal.ranges):
        return proposal
    kept = {name: list(pair) for name, pair in proposal.ranges.items() if name not in fields}
    return Proposal.model_validate({**proposal.model_dump(), "ranges": kept or None})


def _without_name(message: str, name: str) -> str:
    """A scanner's or reader's message without the leading "name: "."""
    return message.removeprefix(f"{name}: ")
