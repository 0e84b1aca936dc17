"""A proposal with its Data Hygiene figures replaced by what a scan measured (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.evidence.scan.report import ScanReport
from core.proposal import Proposal

MEASURED_FIELDS = ("label_accuracy_pct", "diversity_pct", "duplicate_pct")
FIELD_NAMES = {
    "label_accuracy_pct": "label accuracy",
    "diversity_pct": "diversity",
    "duplicate_pct": "duplicates",
}


@dataclass(frozen=True)
class MeasuredProposal:
    """The proposal with the measured figures in place, and which fields were measured."""

    proposal: Proposal
    measured: tuple[str, ...]
    """Proposal fields the scan replaced, in MEASURED_FIELDS order."""
    kept: tuple[str, ...]
    """Hygiene fields left as the team entered them (label accuracy without audited rows)."""

    def note(self, source: str) -> str:
        """One sentence for the report: what was measured from `source`, what was entered."""
        measured = ", ".join(FIELD_NAMES[field] for field in self.measured)
        sentence = f"Measured from {source}: {measured}."
        if self.kept:
            kept = ", ".join(FIELD_NAMES[field] for field in self.kept)
            sentence += f" As entered: {kept} (no audited rows with a gold label)."
        return sentence


def apply_scan(proposal: Proposal, report: ScanReport) -> MeasuredProposal:
    """The proposal with diversity, duplicates and (when audited rows exist) label accuracy
    replaced by the scan's figures."""
    figures = report.hygiene.model_dump()
    measured = tuple(field for field in MEASURED_FIELDS if figures[field] is not None)
    updated = Proposal.model_validate(
        {**proposal.model_dump(), **{field: figures[field] for field in measured}}
    )
    kept = tuple(field for field in MEASURED_FIELDS if field not in measured)
    return MeasuredProposal(updated, measured, kept)
