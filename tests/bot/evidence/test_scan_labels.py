"""Label accuracy from audited rows (those with a gold label) and the label counts."""

from __future__ import annotations

from bot.evidence.scan import scan_rows
from bot.evidence.scan.labels import OTHER_LABELS


def texts(count: int) -> list[str]:
    return [f"text number {number} about something" for number in range(count)]


def test_without_audited_rows_label_accuracy_is_not_measured() -> None:
    report = scan_rows([{"text": text, "label": "x"} for text in texts(3)])
    assert (report.audited_rows, report.label_accuracy_pct) == (0, None)
    assert report.hygiene.label_accuracy_pct is None


def test_label_accuracy_is_the_share_of_audited_rows_whose_label_is_the_gold_label() -> None:
    labels = [("refund", "refund"), ("late", "refund"), ("late", "late"), ("late", None)]
    records = [
        {"text": text, "label": label, "gold_label": gold}
        for text, (label, gold) in zip(texts(4), labels, strict=True)
    ]
    report = scan_rows(records)
    assert report.audited_rows == 3
    assert report.label_accuracy_pct == 100 * 2 / 3


def test_labels_compare_after_normalisation() -> None:
    records = [{"text": "a b c", "label": " Refund  Approved", "gold_label": "refund approved"}]
    assert scan_rows(records).label_accuracy_pct == 100.0


def test_an_audited_row_without_a_label_counts_as_wrong() -> None:
    records = [{"text": "b", "label": "x", "gold_label": "x"}, {"text": "a", "gold_label": "x"}]
    report = scan_rows(records)
    assert (report.audited_rows, report.label_accuracy_pct) == (2, 50.0)


def test_a_blank_gold_label_is_not_an_audit() -> None:
    records = [{"text": "a", "label": "x", "gold_label": "  "}]
    assert scan_rows(records).audited_rows == 0


def test_numbers_and_booleans_are_labels_too() -> None:
    records = [
        {"text": "a", "label": 1, "gold_label": "1"},
        {"text": "b", "label": True, "gold_label": "true"},
        {"text": "c", "label": 1},
    ]
    report = scan_rows(records)
    assert report.label_counts == {"1": 2, "true": 1}
    assert report.label_accuracy_pct == 100.0


def test_label_counts_come_most_frequent_first_then_by_name() -> None:
    labels = ["b", "a", "c", "a", "c", "d"]
    report = scan_rows(
        [{"text": t, "label": label} for t, label in zip(texts(6), labels, strict=True)]
    )
    assert list(report.label_counts.items()) == [("a", 2), ("c", 2), ("b", 1), ("d", 1)]


def test_rows_without_a_label_are_not_counted() -> None:
    records = [
        {"text": "a", "label": "x"},
        {"text": "b", "label": None},
        {"text": "c", "label": ""},
    ]
    assert scan_rows(records).label_counts == {"x": 1}


def test_without_a_label_field_there_are_no_label_counts() -> None:
    report = scan_rows([{"text": "a b"}, {"text": "c d"}])
    assert (report.label_field, report.label_counts) == (None, {})


def test_beyond_twenty_labels_the_rest_are_summed_as_other_labels() -> None:
    labels = [f"label{number:02d}" for number in range(25)] + ["label00"]
    records = [{"text": t, "label": label} for t, label in zip(texts(26), labels, strict=True)]
    counts = scan_rows(records).label_counts
    assert len(counts) == 21
    assert next(iter(counts.items())) == ("label00", 2)
    assert counts[OTHER_LABELS] == 5
