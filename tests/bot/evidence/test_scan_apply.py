"""A scan applied to a proposal: the measured figures replace the typed ones, and the result
says which were measured; the Data Hygiene axes of a scan against the policy."""

from __future__ import annotations

from typing import Any

from bot.evidence.scan import apply_scan, hygiene_axes, verdict
from bot.evidence.scan.report import DiversityParts, ScanReport
from core.engine import evaluate
from core.evaluation import CheckId, Status
from core.policy import Policy
from tests.builders import approvable_proposal


def report(**figures: Any) -> ScanReport:
    values: dict[str, Any] = {
        "source": "data.jsonl", "format": "JSONL", "text_fields": ("text",),
        "label_field": "label", "chat": False, "gold_label_field": "gold_label", "rows": 100,
        "exact_duplicate_rows": 5, "near_duplicate_rows": 5, "duplicate_pct": 10.0,
        "audited_rows": 20, "label_accuracy_pct": 90.0, "diversity_pct": 75.0,
        "diversity_parts": DiversityParts(
            phrase_variety_pct=60.0, pair_dissimilarity_pct=90.0, sampled_rows=100
        ),
        "label_counts": {}, "duplicate_examples": (),
    }  # fmt: skip
    return ScanReport(**{**values, **figures})


def test_every_measured_figure_replaces_the_typed_one() -> None:
    typed = approvable_proposal(label_accuracy_pct=99.0, diversity_pct=99.0, duplicate_pct=0.0)
    result = apply_scan(typed, report())
    figures = (result.proposal.label_accuracy_pct, result.proposal.diversity_pct,
               result.proposal.duplicate_pct)  # fmt: skip
    assert figures == (90.0, 75.0, 10.0)
    assert result.measured == ("label_accuracy_pct", "diversity_pct", "duplicate_pct")
    assert result.kept == ()


def test_without_audited_rows_the_typed_label_accuracy_stays() -> None:
    typed = approvable_proposal(label_accuracy_pct=97.5)
    result = apply_scan(typed, report(audited_rows=0, label_accuracy_pct=None))
    assert result.proposal.label_accuracy_pct == 97.5
    assert result.measured == ("diversity_pct", "duplicate_pct")
    assert result.kept == ("label_accuracy_pct",)


def test_the_note_says_what_was_measured_and_what_was_entered() -> None:
    result = apply_scan(approvable_proposal(), report(audited_rows=0, label_accuracy_pct=None))
    assert result.note("data.jsonl") == (
        "Measured from data.jsonl: diversity, duplicates. "
        "As entered: label accuracy (no audited rows with a gold label)."
    )


def test_applying_leaves_the_original_proposal_and_every_other_field_alone() -> None:
    typed = approvable_proposal(diversity_pct=99.0)
    result = apply_scan(typed, report())
    assert typed.diversity_pct == 99.0
    unchanged = typed.model_dump(exclude={"label_accuracy_pct", "diversity_pct", "duplicate_pct"})
    assert result.proposal.model_dump(exclude={"label_accuracy_pct", "diversity_pct",
                                               "duplicate_pct"}) == unchanged  # fmt: skip


def test_a_measured_failing_axis_fails_the_engine_s_data_hygiene_gate() -> None:
    result = apply_scan(approvable_proposal(), report(diversity_pct=42.0))
    check = next(
        c for c in evaluate(result.proposal, Policy()).checks if c.id == CheckId.DATA_HYGIENE
    )
    assert (check.status, check.value) == (Status.FAIL, 42.0)


def test_uniqueness_is_one_hundred_minus_the_duplicate_share() -> None:
    axes = hygiene_axes(report(duplicate_pct=31.5), Policy())
    assert [(axis.name, axis.value) for axis in axes] == [
        ("label accuracy", 90.0), ("diversity", 75.0), ("uniqueness", 68.5)
    ]  # fmt: skip
    assert [axis.passes for axis in axes] == [True, True, False]


def test_an_axis_exactly_at_the_minimum_passes_and_just_below_fails() -> None:
    at, below = (
        hygiene_axes(report(diversity_pct=70.0), Policy())[1],
        hygiene_axes(report(diversity_pct=69.99), Policy())[1],
    )
    assert (at.passes, below.passes) == (True, False)
    assert below.shown == "69.99 %"


def test_an_unmeasured_label_accuracy_neither_passes_nor_fails() -> None:
    axis = hygiene_axes(report(audited_rows=0, label_accuracy_pct=None), Policy())[0]
    assert (axis.passes, axis.shown) == (None, "not measured")


def test_the_verdict_names_every_failing_axis_in_order() -> None:
    failing = report(label_accuracy_pct=60.0, duplicate_pct=40.0)
    assert verdict(failing, Policy()) == (
        "Fails the 70.0 % Data Hygiene minimum on label accuracy 60.0 %, uniqueness 60.0 %."
    )


def test_the_verdict_says_when_label_accuracy_must_be_supplied() -> None:
    unmeasured = report(audited_rows=0, label_accuracy_pct=None)
    assert verdict(unmeasured, Policy(min_hygiene_axis_pct=75.0)) == (
        "Every measured Data Hygiene axis meets the 75.0 % minimum. Label accuracy was not "
        "measured (no audited rows with a gold label): the team must supply it."
    )
