"""What a scan measured, as a frozen model, and its JSON form (docs/contracts.md's shape)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class DuplicateExample(BaseModel):
    """One cluster of rows that duplicate one another (row numbers count from 1)."""

    model_config = _FROZEN

    kind: Literal["exact", "near"]
    size: int
    rows: tuple[int, ...]
    """The cluster's first rows (at most EXAMPLE_ROWS of them)."""
    texts: tuple[str, ...]
    """The first rows' texts, shortened."""


class DiversityParts(BaseModel):
    """The two parts diversity is the mean of, and the sample they were measured on."""

    model_config = _FROZEN

    phrase_variety_pct: float
    pair_dissimilarity_pct: float
    sampled_rows: int


class Hygiene(BaseModel):
    """The three Data Hygiene figures of a proposal, as measured (label accuracy may be None)."""

    model_config = _FROZEN

    label_accuracy_pct: float | None
    diversity_pct: float
    duplicate_pct: float


class ScanReport(BaseModel):
    """The measured figures of a training-data sample."""

    model_config = _FROZEN

    source: str
    format: str
    text_fields: tuple[str, ...]
    label_field: str | None
    """The label's field; None for chat rows (the assistant's last message) or without labels."""
    chat: bool
    gold_label_field: str
    rows: int
    exact_duplicate_rows: int
    near_duplicate_rows: int
    duplicate_pct: float
    audited_rows: int
    label_accuracy_pct: float | None
    diversity_pct: float
    diversity_parts: DiversityParts
    label_counts: dict[str, int]
    duplicate_examples: tuple[DuplicateExample, ...]

    @property
    def hygiene(self) -> Hygiene:
        """The figures a proposal's Data Hygiene axes take from this scan."""
        return Hygiene(
            label_accuracy_pct=self.label_accuracy_pct,
            diversity_pct=self.diversity_pct,
            duplicate_pct=self.duplicate_pct,
        )

    @property
    def uniqueness_pct(self) -> float:
        """100 − duplicate_pct: the Data Hygiene axis the duplicates count against."""
        return 100.0 - self.duplicate_pct


def scan_json(report: ScanReport) -> dict[str, Any]:
    """The report as the `scan --format json` object, keys in the contract's order."""
    return {
        "rows": report.rows,
        "exact_duplicate_rows": report.exact_duplicate_rows,
        "near_duplicate_rows": report.near_duplicate_rows,
        "duplicate_pct": report.duplicate_pct,
        "audited_rows": report.audited_rows,
        "label_accuracy_pct": report.label_accuracy_pct,
        "diversity_pct": report.diversity_pct,
        "diversity_parts": report.diversity_parts.model_dump(),
        "label_counts": dict(report.label_counts),
        "hygiene": report.hygiene.model_dump(),
        "duplicate_examples": [
            {**example.model_dump(), "rows": list(example.rows), "texts": list(example.texts)}
            for example in report.duplicate_examples
        ],
    }
