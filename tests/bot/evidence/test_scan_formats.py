"""Every format, detected fields and the flags that override them, scanned from files, bytes and
records; streaming over more rows than one batch holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evidence.scan import ScanError, scan_bytes, scan_file, scan_rows
from bot.evidence.scan.extract import BATCH_ROWS
from tests.bot.evidence.scan_data import (
    sentence,
    with_last_words_changed,
    write_csv,
    write_jsonl,
    write_parquet,
)

TEXT_A, TEXT_B = sentence(20, "alpha"), sentence(20, "beta")
PLAIN = [
    {"text": TEXT_A, "label": "refund", "gold_label": "refund"},
    {"text": TEXT_B, "label": "late", "gold_label": "refund"},
    {"text": TEXT_A.upper(), "label": "refund"},
]


def test_a_jsonl_file_of_text_and_label_rows(tmp_path: Path) -> None:
    report = scan_file(write_jsonl(tmp_path / "plain.jsonl", PLAIN))
    assert (report.format, report.text_fields, report.label_field) == ("JSONL", ("text",), "label")
    assert (report.rows, report.exact_duplicate_rows, report.audited_rows) == (3, 1, 2)
    assert report.label_accuracy_pct == 50.0
    assert report.label_counts == {"refund": 2, "late": 1}


def test_an_ndjson_file_reads_as_jsonl(tmp_path: Path) -> None:
    report = scan_file(write_jsonl(tmp_path / "plain.NDJSON", PLAIN))
    assert (report.format, report.rows, report.exact_duplicate_rows) == ("JSONL", 3, 1)


def test_a_csv_file_with_a_header(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "plain.csv",
        ("text", "label", "gold_label"),
        [(TEXT_A, "refund", "refund"), (TEXT_B, "late", "refund"), (TEXT_A.upper(), "refund", "")],
    )
    report = scan_file(path)
    assert (report.format, report.rows, report.exact_duplicate_rows) == ("CSV", 3, 1)
    assert (report.audited_rows, report.label_accuracy_pct) == (2, 50.0)
    assert report.label_counts == {"refund": 2, "late": 1}


def test_a_csv_text_may_hold_quoted_newlines_and_commas(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "quoted.csv", ("text",), [("one, two\nthree",), ("ONE, TWO THREE",)]
    )
    report = scan_file(path)
    assert (report.rows, report.exact_duplicate_rows) == (2, 1)


def test_a_csv_header_is_matched_without_regard_to_case(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "caps.csv", ("Id", "Text", "Label"), [(1, "a b c", "x")])
    report = scan_file(path)
    assert (report.text_fields, report.label_field) == (("Text",), "Label")


def test_a_parquet_file(tmp_path: Path) -> None:
    report = scan_file(write_parquet(tmp_path / "plain.parquet", PLAIN))
    assert (report.format, report.rows, report.exact_duplicate_rows) == ("Parquet", 3, 1)
    assert (report.audited_rows, report.label_accuracy_pct) == (2, 50.0)


def test_a_parquet_text_column_of_numbers_is_read_as_text(tmp_path: Path) -> None:
    report = scan_file(write_parquet(tmp_path / "n.parquet", [{"text": 7}, {"text": 7}]))
    assert report.exact_duplicate_rows == 1


def test_prompt_completion_rows_take_the_prompt_as_text_and_the_completion_as_label(
    tmp_path: Path,
) -> None:
    path = write_jsonl(
        tmp_path / "pc.jsonl",
        [{"prompt": TEXT_A, "completion": "yes"}, {"prompt": TEXT_A, "completion": "no"}],
    )
    report = scan_file(path)
    assert (report.text_fields, report.label_field) == (("prompt",), "completion")
    assert report.label_counts == {"no": 1, "yes": 1}
    assert report.exact_duplicate_rows == 1


CHAT = [
    {
        "messages": [
            {"role": "system", "content": "You answer refunds."},
            {"role": "user", "content": TEXT_A},
            {"role": "assistant", "content": "first answer"},
            {"role": "user", "content": "and then?"},
            {"role": "assistant", "content": "Refund approved"},
        ],
        "gold_label": "refund approved",
    },
    {
        "messages": [
            {"role": "user", "content": TEXT_B},
            {"role": "assistant", "content": "Refund denied"},
        ]
    },
]


@pytest.mark.parametrize("kind", ["jsonl", "parquet"])
def test_chat_rows_take_the_conversation_as_text_and_the_last_answer_as_label(
    tmp_path: Path, kind: str
) -> None:
    path = tmp_path / f"chat.{kind}"
    write_jsonl(path, CHAT) if kind == "jsonl" else write_parquet(path, CHAT)
    report = scan_file(path)
    assert report.chat
    assert report.label_counts == {"Refund approved": 1, "Refund denied": 1}
    assert (report.audited_rows, report.label_accuracy_pct) == (1, 100.0)


def test_a_chat_message_may_hold_a_list_of_content_parts() -> None:
    parts = [
        {"type": "text", "text": "Hello"},
        {"type": "image_url"},
        {"type": "text", "text": "you"},
    ]
    plain = [{"role": "user", "content": "hello you"}]
    report = scan_rows([{"messages": [{"role": "user", "content": parts}]}, {"messages": plain}])
    assert report.exact_duplicate_rows == 1


def test_a_chat_row_s_text_is_the_whole_conversation() -> None:
    conversation = {"messages": [{"role": "user", "content": "Hello there"},
                                 {"role": "assistant", "content": "General Kenobi"}]}  # fmt: skip
    report = scan_rows([conversation, {"messages": [{"content": "hello there general kenobi"}]}])
    assert report.exact_duplicate_rows == 1


def test_named_text_fields_are_joined_and_override_detection() -> None:
    records = [
        {"text": "ignored one", "title": "Late parcel", "body": "it came late"},
        {"text": "ignored two", "title": "late parcel", "body": "It came LATE"},
    ]
    report = scan_rows(records, text_fields=("title", "body"))
    assert report.text_fields == ("title", "body")
    assert report.exact_duplicate_rows == 1
    assert scan_rows(records).exact_duplicate_rows == 0


def test_a_named_label_field_overrides_detection() -> None:
    records = [{"text": "a b c", "label": "x", "intent": "refund"}]
    assert scan_rows(records, label_field="intent").label_counts == {"refund": 1}
    assert scan_rows(records).label_counts == {"x": 1}


def test_a_named_gold_label_field_is_where_audits_are_read() -> None:
    records = [{"text": "a b c", "label": "x", "audit": "x", "gold_label": "y"}]
    assert scan_rows(records, gold_label_field="audit").label_accuracy_pct == 100.0
    assert scan_rows(records).label_accuracy_pct == 0.0


def test_a_named_label_overrides_the_assistant_s_answer_in_chat_rows() -> None:
    records = [{"messages": [{"role": "assistant", "content": "hi"}], "intent": "greeting"}]
    report = scan_rows(records, label_field="intent")
    assert report.label_counts == {"greeting": 1}


def test_bytes_are_scanned_by_the_extension_of_their_file_name(tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "upload.parquet", PLAIN)
    report = scan_bytes(path.read_bytes(), "upload.parquet")
    assert (report.source, report.rows, report.exact_duplicate_rows) == ("upload.parquet", 3, 1)
    csv_report = scan_bytes(b"text\nhello world\nHello  World\n", "upload.csv")
    assert (csv_report.rows, csv_report.exact_duplicate_rows) == (2, 1)


def test_a_jsonl_file_may_start_with_a_byte_order_mark_and_hold_blank_lines(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"text": "a b"}\n\n   \n{"text": "A  B", "x": NaN}\n')
    report = scan_file(path)
    assert (report.rows, report.exact_duplicate_rows) == (2, 1)


def streamed_texts() -> tuple[list[str], tuple[int, ...]]:
    """More rows than two batches (and more than a megabyte, a CSV block), with one exact and
    one near duplicate of row 6 in later batches; the cluster's row numbers."""
    total = BATCH_ROWS * 2 + 500
    base = sentence(30, "stream")
    texts = [sentence(25, f"s{number}x") for number in range(total)]
    texts[5] = base
    texts[BATCH_ROWS + 7] = base.upper()
    texts[2 * BATCH_ROWS + 9] = with_last_words_changed(base, 2, "tail")
    return texts, (6, BATCH_ROWS + 8, 2 * BATCH_ROWS + 10)


@pytest.mark.parametrize("kind", ["jsonl", "csv", "parquet"])
def test_a_file_bigger_than_a_batch_streams_with_duplicates_across_batches(
    tmp_path: Path, kind: str
) -> None:
    texts, cluster = streamed_texts()
    path = tmp_path / f"big.{kind}"
    rows = [{"text": text, "label": "x"} for text in texts]
    if kind == "jsonl":
        write_jsonl(path, rows)
    elif kind == "csv":
        write_csv(path, ("label", "text"), [("x", text) for text in texts])
    else:
        write_parquet(path, rows)
    seen: list[tuple[int, int | None]] = []
    report = scan_file(path, progress=lambda done, size: seen.append((done, size)))
    assert (report.rows, report.exact_duplicate_rows, report.near_duplicate_rows) == (
        len(texts), 1, 1
    )  # fmt: skip
    assert report.duplicate_examples[0].rows == cluster
    assert report.label_counts == {"x": len(texts)}
    assert len(seen) >= 2
    assert seen[-1][0] == seen[-1][1]


def test_big_csv_bytes_stream_too(tmp_path: Path) -> None:
    texts, cluster = streamed_texts()
    path = write_csv(tmp_path / "big.csv", ("text",), [(text,) for text in texts])
    assert path.stat().st_size > 1 << 20
    report = scan_bytes(path.read_bytes(), "upload.csv")
    assert (report.rows, report.duplicate_examples[0].rows) == (len(texts), cluster)


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "upload.jsonl", "upload.jsonl: the file is empty"),
        (b'{"text": "a"}\n', "upload.txt", "upload.txt: unknown extension '.txt'"),
        (b'{"text": "a"}\n{"text": \n', "upload.jsonl", "upload.jsonl: line 2 is not valid JSON"),
        (b'{"text": "caf\xe9"}\n', "upload.jsonl", "upload.jsonl: line 1 is not UTF-8 text"),
        (b"id,score\n1,2\n", "upload.csv", "upload.csv: no text field (fields found: id, score)"),
        (b"not parquet", "upload.parquet", "upload.parquet: not a Parquet file"),
    ],
)
def test_bad_bytes_raise_one_scan_error_line_naming_the_file(
    data: bytes, filename: str, message: str
) -> None:
    with pytest.raises(ScanError) as raised:
        scan_bytes(data, filename)
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_records_that_are_not_mappings_raise_a_scan_error() -> None:
    with pytest.raises(ScanError, match=r"^row 2: not a record of fields \(list\)$"):
        scan_rows([{"text": "a"}, ["text", "b"]])  # type: ignore[list-item]
