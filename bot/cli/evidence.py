"""Figures measured rather than entered: ``evaluate --data`` (the scanner) and
``--training-log`` (the loss curve), put into the proposal with a record of what changed.

A measured figure replaces the entered one; the range entered for it, if any, is dropped (the
figure is no longer an estimate). The scanner and the curve readers are imported only here.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.cli.errors import InputError
from bot.cli.inputs import validated_proposal
from bot.reports.evaluation_report import range_text
from core.proposal import Proposal
from core.wording import capitalised, exact, field_value, field_words, rows

if TYPE_CHECKING:
    from bot.evidence.curve import LossCurve

ROWS_FIELD = "dataset_examples"
DATA_OPTIONS = ("text_field", "label_field", "gold_label_field")


@dataclass(frozen=True)
class MeasuredField:
    """One proposal field whose figure came from the evidence."""

    field: str
    value: Any
    entered: Any
    dropped_range: tuple[float, float] | None = None

    def text(self) -> str:
        """``diversity 81.2 % (entered 80.0 %)``: the entered figure only when it reads
        differently, and the range entered for it when one was dropped."""
        shown, entered = field_value(self.field, self.value), field_value(self.field, self.entered)
        notes = [f"entered {entered}"] if entered != shown else []
        if self.dropped_range is not None:
            notes.append(f"its range {range_text(self.field, *self.dropped_range)} dropped")
        # The row count is the file's, already said beside its name.
        named = field_words(self.field).name + ("" if self.field == ROWS_FIELD else f" {shown}")
        return named + (f" ({', '.join(notes)})" if notes else "")

    def json(self) -> dict[str, Any]:
        """``{value, entered}``, and ``entered_range`` when one was dropped."""
        shown: dict[str, Any] = {"value": self.value, "entered": self.entered}
        if self.dropped_range is not None:
            shown["entered_range"] = list(self.dropped_range)
        return shown


@dataclass(frozen=True)
class DataEvidence:
    """What a scan of ``--data`` measured and put into the proposal."""

    source: str
    rows: int
    sample: bool
    fields: tuple[MeasuredField, ...]
    as_entered: tuple[str, ...]
    """Hygiene fields the scan could not measure (label accuracy without audited rows)."""

    def line(self) -> str:
        """``Measured from support.jsonl (48,211 rows): diversity 81.2 % (entered 80.0 %), …;
        as entered: label accuracy (no audited rows).``"""
        measured = ", ".join(field.text() for field in self.fields)
        kept = [f"{field_words(name).name} (no audited rows)" for name in self.as_entered]
        if self.sample:
            kept.append(f"{field_words(ROWS_FIELD).name} (the file is a sample)")
        tail = f"; as entered: {', '.join(kept)}" if kept else ""
        return f"Measured from {self.source} ({rows(self.rows)}): {measured}{tail}."

    def json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "rows": self.rows,
            "sample": self.sample,
            "fields": {field.field: field.json() for field in self.fields},
            "as_entered": list(self.as_entered),
        }


@dataclass(frozen=True)
class LogEvidence:
    """The loss curve read from ``--training-log`` and put into the proposal."""

    curve: LossCurve
    note: str
    field: MeasuredField

    def line(self) -> str:
        """``Validation loss from trainer_state.json, 6 epochs (entered: 0.9, 0.7).``"""
        entered = self.field.entered
        differs = entered is not None and list(entered) != list(self.field.value)
        shown = ", ".join(exact(loss) for loss in entered) if differs else ""
        return capitalised(self.note) + (f" (entered: {shown})" if differs else "") + "."

    def json(self) -> dict[str, Any]:
        return {
            "source": self.curve.source,
            "metric": self.curve.metric,
            "fields": {self.field.field: self.field.json()},
        }


@dataclass(frozen=True)
class Evidence:
    """The proposal as evaluated, and what was measured for it."""

    proposal: Proposal
    data: DataEvidence | None = None
    training_log: LogEvidence | None = None

    def lines(self) -> list[str]:
        """One sentence per source of evidence, for the text and Markdown reports."""
        return [part.line() for part in (self.data, self.training_log) if part is not None]

    def json(self) -> dict[str, Any] | None:
        """The ``measured`` key of the JSON (docs/contracts.md); ``None`` without evidence."""
        shown = {
            key: part.json()
            for key, part in (("data", self.data), ("training_log", self.training_log))
            if part is not None
        }
        return shown or None


def refuse_orphan_options(args: argparse.Namespace) -> None:
    """Options that only mean something beside ``--data`` or ``--training-log``."""
    lines = []
    if args.data is None:
        given = [name for name in DATA_OPTIONS if getattr(args, name)]
        given += ["data_is_sample"] if args.data_is_sample else []
        lines += [f"{_option(name)}: needs --data" for name in given]
    if args.training_log is None and args.loss_metric is not None:
        lines.append("--loss-metric: needs --training-log")
    if lines:
        raise InputError(lines)


def gather(proposal: Proposal, args: argparse.Namespace) -> Evidence:
    """The proposal with ``--data`` and ``--training-log`` measured into it."""
    data = log = None
    if args.data is not None:
        proposal, data = _measure_data(proposal, args)
    if args.training_log is not None:
        proposal, log = _read_training_log(proposal, args.training_log, args.loss_metric)
    return Evidence(proposal, data, log)


def _measure_data(proposal: Proposal, args: argparse.Namespace) -> tuple[Proposal, DataEvidence]:
    """Scan the file; its hygiene figures (and its row count, unless it is a sample) replace
    the entered ones."""
    from bot.evidence.scan import ScanError, apply_scan, scan_file
    from bot.evidence.scan.apply import MEASURED_FIELDS

    try:
        report = scan_file(
            args.data,
            text_fields=tuple(args.text_field or ()),
            label_field=args.label_field,
            gold_label_field=args.gold_label_field,
        )
    except ScanError as problem:
        raise InputError([f"--data: {problem}"]) from None
    counted = () if args.data_is_sample else (ROWS_FIELD,)
    measured = apply_scan(_without_ranges(proposal, (*MEASURED_FIELDS, *counted)), report)
    changed = (*counted, *measured.measured)
    kept_ranges = {
        field: bounds for field, bounds in (proposal.ranges or {}).items() if field not in changed
    }
    rows_used = proposal.dataset_examples if args.data_is_sample else report.rows
    updated = validated_proposal(
        {**measured.proposal.model_dump(), ROWS_FIELD: rows_used, "ranges": kept_ranges or None}
    )
    fields = tuple(_measured(field, proposal, updated) for field in changed)
    evidence = DataEvidence(args.data, report.rows, args.data_is_sample, fields, measured.kept)
    return updated, evidence


def _read_training_log(
    proposal: Proposal, source: str, metric: str | None
) -> tuple[Proposal, LogEvidence]:
    """Read the curve; its validation losses replace the entered ones."""
    from bot.evidence.curve import CurveError, apply_curve, read_curve

    try:
        curve = read_curve(source, metric=metric)
    except CurveError as problem:
        raise InputError([f"--training-log: {problem}"]) from None
    updated, note = apply_curve(proposal, curve)
    field = _measured("validation_losses", proposal, updated)
    return updated, LogEvidence(curve, note, field)


def _without_ranges(proposal: Proposal, fields: tuple[str, ...]) -> Proposal:
    ranges = {key: bounds for key, bounds in (proposal.ranges or {}).items() if key not in fields}
    return proposal.model_copy(update={"ranges": ranges or None})


def _measured(field: str, entered: Proposal, updated: Proposal) -> MeasuredField:
    dropped = (entered.ranges or {}).get(field)
    return MeasuredField(
        field,
        getattr(updated, field),
        getattr(entered, field),
        None if dropped is None else (dropped[0], dropped[1]),
    )


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")
