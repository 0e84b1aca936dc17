"""`finetune-check scan` through its command module: reports on stdout, bad files as one
`error:` line on stderr with exit code 2 and never a traceback, the JSON shape of the contract."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from bot.cli.scan import add_arguments
from bot.evidence.scan.command import TerminalProgress, run
from core.policy import Policy
from tests.bot.evidence.scan_data import (
    sentence,
    templated_texts,
    varied_texts,
    write_csv,
    write_jsonl,
    write_parquet,
)


def scan(*argv: str | Path, policy: Policy | None = None) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="finetune-check scan")
    add_arguments(parser)
    out, err = io.StringIO(), io.StringIO()
    code = run(parser.parse_args([str(arg) for arg in argv]), policy=policy or Policy(), out=out,
               err=err)  # fmt: skip
    return code, out.getvalue(), err.getvalue()


def refused(*argv: str | Path) -> str:
    """The one error line of a scan that must refuse its input."""
    code, out, err = scan(*argv)
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in err
    return lines[0]


# -- bad files ----------------------------------------------------------------------------


def test_a_broken_json_line_is_named_by_its_number(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text('{"text": "fine"}\n\n{"text": "also fine"}\n{"text": "no end"\n')
    line = refused(path)
    assert f"{path}: line 4 is not valid JSON" in line


def test_a_line_that_is_not_an_object_is_named(tmp_path: Path) -> None:
    path = tmp_path / "array.jsonl"
    path.write_text('{"text": "fine"}\n["text"]\n')
    assert f"{path}: line 2 is an array, not a JSON object" in refused(path)


def test_non_utf8_jsonl_is_refused_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes('{"text": "ok"}\n{"text": "café"}\n'.encode("latin-1"))
    assert f"{path}: line 2 is not UTF-8 text" in refused(path)


def test_utf16_jsonl_is_refused_as_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "utf16.jsonl"
    path.write_bytes('{"text": "ok"}\n'.encode("utf-16"))
    assert f"{path}: line 1 is not UTF-8 text" in refused(path)


def test_non_utf8_csv_is_refused_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("text\nfine\ncafé\n".encode("latin-1"))
    assert f"{path}: not UTF-8 text at line 3" in refused(path)


@pytest.mark.parametrize("name", ["empty.jsonl", "empty.csv", "empty.parquet", "empty.ndjson"])
def test_an_empty_file_is_refused(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    assert f"{path}: the file is empty" in refused(path)


def test_a_jsonl_file_of_blank_lines_has_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "blank.jsonl"
    path.write_text("\n   \n\n")
    assert f"{path}: no rows to scan" in refused(path)


def test_a_csv_file_with_only_a_header_has_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("text,label\n")
    assert f"{path}: no rows to scan" in refused(path)


def test_a_file_without_a_text_field_names_the_fields_it_has(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "fields.jsonl", [{"id": 1, "score": 0.5}])
    line = refused(path)
    assert f"{path}: no text field (fields found: id, score)" in line
    assert "--text-field" in line


def test_a_csv_without_a_text_column_names_its_columns(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "cols.csv", ("id", "score"), [(1, 2)])
    assert "no text field (fields found: id, score)" in refused(path)


def test_a_named_text_field_that_is_missing_is_named(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "named.jsonl", [{"text": "a", "label": "b"}])
    assert f"{path}: no field 'body' (fields found: text, label)" in refused(
        path, "--text-field", "body"
    )


def test_a_later_row_without_the_text_field_is_named_by_its_line(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "later.jsonl", [{"text": "a"}, {"text": "b"}, {"body": "c"}])
    assert f"{path}: line 3: no field 'text' (fields found: body)" in refused(path)


def test_chat_messages_that_are_not_a_list_are_named(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "chat.jsonl", [{"messages": "hello"}])
    assert f"{path}: line 1: 'messages' is not a list of messages" in refused(path)


def test_an_unknown_extension_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_text("hello\n")
    assert f"{path}: unknown extension '.txt'; use .jsonl, .ndjson, .csv or .parquet" in refused(
        path
    )


def test_a_directory_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "data.jsonl"
    folder.mkdir()
    assert f"{folder}: is a directory, not a file" in refused(folder)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    assert f"{tmp_path / 'nowhere.jsonl'}: no such file" in refused(tmp_path / "nowhere.jsonl")


def test_a_file_that_is_not_parquet_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "fake.parquet"
    path.write_text("text\nhello\n")
    assert f"{path}: not a Parquet file" in refused(path)


def test_a_ragged_csv_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("text,label\nhello,x\nworld\n")
    assert f"{path}: not a readable CSV file" in refused(path)


# -- the JSON report ----------------------------------------------------------------------

CONTRACT_KEYS = [
    "rows", "exact_duplicate_rows", "near_duplicate_rows", "duplicate_pct", "audited_rows",
    "label_accuracy_pct", "diversity_pct", "diversity_parts", "label_counts", "hygiene",
    "duplicate_examples",
]  # fmt: skip


def test_the_json_report_has_the_contract_s_shape(tmp_path: Path) -> None:
    text = sentence(10, "dup")
    rows = [
        {"text": text, "label": "late", "gold_label": "late"},
        {"text": text.upper(), "label": "late"},
        {"text": sentence(10, "other"), "label": "refund", "gold_label": "late"},
    ]
    code, out, err = scan(write_jsonl(tmp_path / "data.jsonl", rows), "--format", "json")
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert list(report) == CONTRACT_KEYS
    assert report["rows"] == 3
    assert (report["exact_duplicate_rows"], report["near_duplicate_rows"]) == (1, 0)
    assert report["duplicate_pct"] == 100 / 3
    assert (report["audited_rows"], report["label_accuracy_pct"]) == (2, 50.0)
    assert report["label_counts"] == {"late": 2, "refund": 1}
    assert report["hygiene"] == {
        "label_accuracy_pct": 50.0,
        "diversity_pct": report["diversity_pct"],
        "duplicate_pct": 100 / 3,
    }
    assert set(report["diversity_parts"]) == {
        "phrase_variety_pct", "pair_dissimilarity_pct", "sampled_rows"
    }  # fmt: skip
    assert report["duplicate_examples"] == [
        {"kind": "exact", "size": 2, "rows": [1, 2], "texts": [text, text.upper()]}
    ]


def test_without_audited_rows_the_json_label_accuracy_is_null(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "data.csv", ("text",), [("a b c",), ("d e f",)])
    report = json.loads(scan(path, "--format", "json")[1])
    assert report["label_accuracy_pct"] is None
    assert report["hygiene"]["label_accuracy_pct"] is None
    assert (report["audited_rows"], report["label_counts"]) == (0, {})


def test_the_flags_reach_the_scan(tmp_path: Path) -> None:
    rows = [{"a": "x y", "b": "z", "lab": "p", "gold": "p"}, {"a": "X Y", "b": "Z", "lab": "q"}]
    path = write_parquet(tmp_path / "data.parquet", rows)
    argv = ("--text-field", "a", "--text-field", "b", "--label-field", "lab")
    report = json.loads(scan(path, *argv, "--gold-label-field", "gold", "--format", "json")[1])
    assert (report["exact_duplicate_rows"], report["label_counts"]) == (1, {"p": 1, "q": 1})
    assert (report["audited_rows"], report["label_accuracy_pct"]) == (1, 100.0)


# -- the text report ----------------------------------------------------------------------


def test_the_text_report_names_the_axis_that_fails(tmp_path: Path) -> None:
    rows = [{"text": text, "label": "late", "gold_label": "late"} for text in templated_texts(40)]
    code, out, _ = scan(write_jsonl(tmp_path / "templated.jsonl", rows))
    assert code == 0
    assert "Fails the 70.0 % Data Hygiene minimum on diversity" in out
    assert "uniqueness" not in out.split("\n")[2]
    assert "label accuracy   100.0 %" in out


def test_the_text_report_says_the_team_must_supply_an_unmeasured_label_accuracy(
    tmp_path: Path,
) -> None:
    rows = [{"text": text} for text in varied_texts(30)]
    code, out, _ = scan(write_jsonl(tmp_path / "varied.jsonl", rows))
    assert code == 0
    assert "Every measured Data Hygiene axis meets the 70.0 % minimum." in out
    assert "the team must supply it" in " ".join(out.split())


def test_the_text_report_follows_the_policy_s_minimum(tmp_path: Path) -> None:
    text = sentence(20, "same")
    rows = [{"text": text}, {"text": text}, {"text": text}, {"text": sentence(20, "x")}]
    path = write_jsonl(tmp_path / "dups.jsonl", rows)
    assert "on uniqueness 50.0 %" in scan(path)[1]
    lenient = Policy(min_hygiene_axis_pct=50.0)
    assert (
        "Every measured Data Hygiene axis meets the 50.0 % minimum."
        in scan(path, policy=lenient)[1]
    )


# -- progress -----------------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_on_a_terminal_for_a_long_scan() -> None:
    terminal = Terminal()
    with TerminalProgress(terminal) as progress:
        progress(50_000_000, 100_000_000)
    assert "scanning" in terminal.getvalue()


def test_progress_stays_quiet_for_a_short_scan_or_off_a_terminal() -> None:
    terminal, pipe = Terminal(), io.StringIO()
    with TerminalProgress(terminal) as short, TerminalProgress(pipe) as piped:
        short(1_000, 2_000)
        piped(50_000_000, 100_000_000)
    assert (terminal.getvalue(), pipe.getvalue()) == ("", "")


def test_a_scan_to_a_pipe_writes_nothing_on_stderr(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "quiet.jsonl", [{"text": "a b c"}])
    assert scan(path)[2] == ""
