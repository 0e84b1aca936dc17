"""Reading a file shared in Slack: where the bot token may go, and what counts as a sign-in page
rather than the file."""

from __future__ import annotations

import pytest

from bot.evidence.shared import EvidenceKind, SharedFile, evidence_kind, shared_files
from bot.evidence.slack_files import is_slack_link, looks_like_html, megabytes

API = "https://slack.com/api/"


@pytest.mark.parametrize(
    ("url", "trusted"),
    [
        ("https://files.slack.com/files-pri/T1-F1/download/a.jsonl", True),
        ("https://acme.enterprise.slack.com/files-pri/T1-F1/a.csv", True),
        ("http://files.slack.com/files-pri/T1-F1/a.csv", False),  # never over plain http
        ("https://files.slack.com.evil.example/a.csv", False),
        ("https://evil.example/files.slack.com/a.csv", False),
        ("https://notslack.com/a.csv", False),
    ],
)
def test_the_bot_token_goes_only_to_slack_over_https(url: str, trusted: bool) -> None:
    assert is_slack_link(url, API) is trusted


def test_a_proxy_or_test_server_given_as_slack_api_url_is_trusted_on_its_own_host() -> None:
    assert is_slack_link("http://127.0.0.1:8080/files-pri/x", "http://127.0.0.1:8080/api/")
    assert not is_slack_link("http://127.0.0.1:9999/files-pri/x", "http://127.0.0.1:8080/api/")


@pytest.mark.parametrize(
    ("data", "content_type", "html"),
    [
        (b"<!DOCTYPE html><html><body>Sign in</body></html>", "text/html; charset=utf-8", True),
        (b"  \n<!doctype html><html>", "application/octet-stream", True),
        (b"<html><head><title>Slack</title>", "", True),
        (b'{"text": "<html> in a row is data"}\n', "application/x-ndjson", False),
        (b"text,label\n<b>bold</b>,a\n", "text/csv", False),
        (b"PAR1\x00\x01", "application/octet-stream", False),
    ],
)
def test_a_web_page_is_told_from_a_data_file(data: bytes, content_type: str, html: bool) -> None:
    assert looks_like_html(data, content_type) is html


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("support.JSONL", EvidenceKind.DATA),
        ("rows.ndjson", EvidenceKind.DATA),
        ("rows.csv", EvidenceKind.DATA),
        ("rows.parquet", EvidenceKind.DATA),
        ("trainer_state.json", EvidenceKind.CURVE),
        ("chart.png", None),
        ("README", None),
    ],
)
def test_a_file_s_name_says_what_it_is_read_as(name: str, kind: EvidenceKind | None) -> None:
    assert evidence_kind(name) is kind


def test_file_objects_of_any_shape_give_the_files_with_an_id() -> None:
    items = [{"id": "F1", "name": "a.csv"}, {"id": "F2"}, {"name": "no-id.csv"}, "F3", {"id": 4}]

    assert shared_files(items) == [SharedFile("F1", "a.csv"), SharedFile("F2")]
    assert shared_files({"id": "F1"}) == []


def test_sizes_are_said_in_megabytes() -> None:
    assert megabytes(14 * 1024 * 1024) == "14.0 MB"
    assert megabytes(10 * 1024 * 1024 + 1) == "10.0 MB"
