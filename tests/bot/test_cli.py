"""The `finetune-check` command line, driven as a user drives it: through a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.bot.cli_kit import (
    CONTRACT_KEYS,
    EXAMPLES,
    ROOT,
    VALID_PROPOSAL,
    assert_refused,
    run_cli,
    write_json,
)
from tests.core.engine_kit import FIGURES
from tests.worked_cases import CASES_DIR, case_paths

CASE_FILES = case_paths()
EXAMPLE_FILES = sorted(path for path in EXAMPLES.glob("*.toml") if path.stem != "policy")
FORMATS = ("text", "json", "markdown")
FIGURE_KEYS = set(FIGURES)


def case_for(example: Path) -> dict[str, object]:
    loaded: dict[str, object] = json.loads((CASES_DIR / f"{example.stem}.json").read_text())
    return loaded


# --- the examples -------------------------------------------------------------------------


def test_every_shared_case_has_an_example_a_user_can_copy() -> None:
    assert {path.stem for path in CASE_FILES} == {path.stem for path in EXAMPLE_FILES}


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda path: path.stem)
def test_an_example_holds_exactly_the_proposal_of_its_case(example: Path) -> None:
    proposal = tomllib.loads(example.read_text())
    expected = case_for(example)["proposal"]
    assert proposal == expected
    assert {key: type(value) for key, value in proposal.items()} == {
        key: type(value)
        for key, value in expected.items()  # type: ignore[attr-defined]
    }


def test_no_case_needs_a_policy_file_of_its_own() -> None:
    assert not [path.name for path in CASE_FILES if "policy" in json.loads(path.read_text())]


def test_the_example_policy_sets_every_key_to_its_default() -> None:
    from core.policy import Policy

    text = (EXAMPLES / "policy.toml").read_text()
    assert set(tomllib.loads(text)) == set(Policy.model_fields)
    assert Policy.from_toml(text) == Policy()


# --- evaluate: every example in every format ----------------------------------------------


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda path: path.stem)
def test_an_example_evaluates_to_its_expected_verdict_in_the_json_contract(example: Path) -> None:
    run = run_cli("evaluate", example, "--format", "json")
    expect = case_for(example)["expect"]
    result = json.loads(run.stdout)
    assert run.code == 0, run.stderr
    assert set(result) == CONTRACT_KEYS
    assert set(result["figures"]) == FIGURE_KEYS
    assert {"hash", "min_kpi_lift_pct"} <= set(result["policy"])
    assert result["verdict"] == expect["verdict"]  # type: ignore[index]
    assert result["recommendation"] == expect["recommendation"]  # type: ignore[index]
    assert {check["id"]: check["status"] for check in result["checks"]} == expect["checks"]  # type: ignore[index]


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda path: path.stem)
def test_an_example_renders_as_a_markdown_decision_record(example: Path) -> None:
    run = run_cli("evaluate", example, "--format", "markdown")
    verdict = case_for(example)["expect"]["verdict"]  # type: ignore[index]
    assert run.code == 0, run.stderr
    assert run.stdout.startswith("# Fine-tuning decision record: ")
    assert "| check | kind | status | value | threshold | message |" in run.stdout
    assert f"**Engine: {verdict}**" in run.stdout
    for section in ("## Inputs", "## What would flip it", "## Policy"):
        assert section in run.stdout
    # Talking points for an approval; a rejection's script is its summary at the top.
    assert ("## Talking points" in run.stdout) is (verdict == "approve")


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda path: path.stem)
def test_an_example_renders_as_a_plain_text_report_naming_the_verdict(example: Path) -> None:
    run = run_cli("evaluate", example)
    verdict = str(case_for(example)["expect"]["verdict"])  # type: ignore[index]
    assert run.code == 0, run.stderr
    assert f"\nEngine: {verdict}\n" in run.stdout
    assert "Minimum lift" in run.stdout and "kpi_lift" not in run.stdout
    assert ("Talking points" in run.stdout) is (verdict == "approve")


def test_the_text_report_carries_no_colour_codes_when_piped() -> None:
    run = run_cli("evaluate", EXAMPLES / "q2-budget-timing.toml", "--format", "text")
    assert run.code == 0
    assert "\x1b[" not in run.stdout


def test_a_rejected_proposal_still_exits_zero_and_lists_what_would_flip_it() -> None:
    run = run_cli("evaluate", EXAMPLES / "q2-budget-timing.toml", "--format", "json")
    result = json.loads(run.stdout)
    assert run.code == 0
    assert result["verdict"] == "reject"
    assert "projected_lift_pct" in {c["field"] for f in result["flips"] for c in f["changes"]}


def test_a_json_proposal_file_evaluates_like_its_toml_example(tmp_path: Path) -> None:
    path = write_json(tmp_path, VALID_PROPOSAL)
    from_json = run_cli("evaluate", path, "--format", "json")
    from_toml = run_cli("evaluate", EXAMPLES / "recommendation-widget.toml", "--format", "json")
    assert from_json.code == 0
    assert from_json.stdout == from_toml.stdout


def test_a_proposal_on_stdin_is_read_as_json() -> None:
    run = run_cli("evaluate", "-", "--format", "json", stdin=json.dumps(VALID_PROPOSAL))
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["verdict"] == "approve"


def test_the_example_policy_file_gives_the_default_policy_hash() -> None:
    default = run_cli("evaluate", EXAMPLES / "fraud-metric-lock.toml", "--format", "json")
    explicit = run_cli(
        "evaluate",
        EXAMPLES / "fraud-metric-lock.toml",
        "--policy",
        EXAMPLES / "policy.toml",
        "--format",
        "json",
    )
    assert explicit.code == 0
    assert json.loads(explicit.stdout)["policy"] == json.loads(default.stdout)["policy"]


def test_a_policy_file_changes_the_thresholds_the_checks_use(tmp_path: Path) -> None:
    policy = tmp_path / "lenient.toml"
    policy.write_text("min_kpi_lift_pct = 3.0\n")
    run = run_cli(
        "evaluate", EXAMPLES / "q2-budget-timing.toml", "--policy", policy, "--format", "json"
    )
    result = json.loads(run.stdout)
    kpi = next(check for check in result["checks"] if check["id"] == "kpi_lift")
    assert (kpi["status"], kpi["threshold"]) == ("pass", 3.0)
    assert result["policy"]["min_kpi_lift_pct"] == 3.0


def test_evaluate_does_not_import_the_slack_stack() -> None:
    probe = (
        "import sys, contextlib, io\n"
        "from bot.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    code = main(['evaluate', 'examples/fraud-metric-lock.toml'])\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('slack_bolt', 'slack_sdk', 'sqlalchemy', 'sqlmodel', 'aiohttp', 'apscheduler'))\n"
        "print(code, loaded)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.stdout.strip() == "0 []", done.stderr


# --- evaluate: invalid input ---------------------------------------------------------------


def test_a_value_out_of_range_is_refused_naming_the_field(tmp_path: Path) -> None:
    path = write_json(tmp_path, {**VALID_PROPOSAL, "projected_lift_pct": 2000})
    run = run_cli("evaluate", path)
    assert_refused(run, "error: projected_lift_pct: ")
    assert "2000" in run.stderr


def test_an_unknown_field_is_refused_naming_it(tmp_path: Path) -> None:
    path = write_json(tmp_path, {**VALID_PROPOSAL, "projected_lift": 6.2})
    assert_refused(run_cli("evaluate", path), "error: projected_lift: ")


def test_a_quoted_number_is_refused_naming_the_field(tmp_path: Path) -> None:
    path = write_json(tmp_path, {**VALID_PROPOSAL, "latency_ms": "140"})
    assert_refused(run_cli("evaluate", path), "error: latency_ms: ")


def test_every_offending_field_gets_its_own_line(tmp_path: Path) -> None:
    bad = {**VALID_PROPOSAL, "engineers": 0, "dataset_examples": 5.5}
    bad.pop("title")
    run = run_cli("evaluate", write_json(tmp_path, bad))
    assert_refused(run, "error: engineers: ", "error: dataset_examples: ", "error: title: ")
    assert len(run.error_lines) == 3


def test_a_bad_lock_field_is_named_with_its_index(tmp_path: Path) -> None:
    lock = {"name": "latency", "comparator": "<", "threshold": 120, "achieved": 115}
    path = write_json(tmp_path, {**VALID_PROPOSAL, "metric_locks": [lock]})
    assert_refused(run_cli("evaluate", path), "error: metric_locks[0].comparator: ")


def test_a_bad_field_in_a_toml_proposal_is_named(tmp_path: Path) -> None:
    path = tmp_path / "proposal.toml"
    text = (EXAMPLES / "fraud-metric-lock.toml").read_text()
    path.write_text(text.replace("delivery_days = 30", "delivery_days = -3"))
    assert_refused(run_cli("evaluate", path), "error: delivery_days: ")


def test_a_bad_policy_key_is_refused_naming_it(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("min_kpi_lift = 3.0\nmax_delivery_days = -1\n")
    run = run_cli("evaluate", EXAMPLES / "fraud-metric-lock.toml", "--policy", policy)
    assert_refused(run, "error: policy.min_kpi_lift: ", "error: policy.max_delivery_days: ")


def test_a_policy_file_that_is_not_toml_is_refused_with_its_position(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("min_kpi_lift_pct = = 3\n")
    run = run_cli("evaluate", EXAMPLES / "fraud-metric-lock.toml", "--policy", policy)
    assert_refused(run, f"error: --policy {policy}: not valid TOML")
    assert "line 1" in run.stderr


def test_bad_json_is_refused_with_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "proposal.json"
    path.write_text('{\n  "title": "x",\n  "engineers": ,\n}')
    assert_refused(run_cli("evaluate", path), f"error: {path}: not valid JSON at line 3, column")


def test_bad_toml_is_refused_with_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "proposal.toml"
    path.write_text('title = "x"\nengineers = \n')
    run = run_cli("evaluate", path)
    assert_refused(run, f"error: {path}: not valid TOML")
    assert "line 2" in run.stderr


def test_bad_json_on_stdin_is_refused() -> None:
    assert_refused(run_cli("evaluate", "-", stdin="{oops"), "error: stdin: not valid JSON")


def test_a_missing_file_is_refused_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    assert_refused(run_cli("evaluate", missing), f"error: {missing}: no such file")


def test_a_missing_policy_file_is_refused_naming_the_option(tmp_path: Path) -> None:
    run = run_cli("evaluate", EXAMPLES / "fraud-metric-lock.toml", "--policy", tmp_path / "p.toml")
    assert_refused(run, "error: --policy: no such file")


def test_a_directory_is_refused_as_a_proposal(tmp_path: Path) -> None:
    folder = tmp_path / "folder.json"
    folder.mkdir()
    assert_refused(run_cli("evaluate", folder), f"error: {folder}: is a directory")


def test_an_unknown_extension_is_refused_with_the_allowed_ones(tmp_path: Path) -> None:
    path = tmp_path / "proposal.yaml"
    path.write_text("title: x\n")
    run = run_cli("evaluate", path)
    assert_refused(run, f"error: {path}: unknown extension '.yaml'")
    assert ".json, .toml" in run.stderr


def test_a_json_array_is_refused_as_a_proposal(tmp_path: Path) -> None:
    path = write_json(tmp_path, [VALID_PROPOSAL])
    assert_refused(run_cli("evaluate", path), "error: proposal: must be an object of fields")


def test_a_field_given_twice_in_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "proposal.json"
    path.write_text(json.dumps(VALID_PROPOSAL)[:-1] + ', "latency_ms": 90}')
    assert_refused(run_cli("evaluate", path), "error: latency_ms: given twice")


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "proposal.json"
    path.write_bytes(b'{"title": "\xff"}')
    assert_refused(run_cli("evaluate", path), f"error: {path}: not UTF-8 text")


# --- usage ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [(), ("frobnicate",), ("evaluate",), ("evaluate", "x.toml", "--format", "yaml")],
    ids=["no command", "unknown command", "missing path", "unknown format"],
)
def test_a_usage_error_exits_two_with_the_usage(args: tuple[str, ...]) -> None:
    run = run_cli(*args)
    assert run.code == 2
    assert "usage: finetune-check" in run.stderr


def test_the_help_explains_every_command_in_one_line() -> None:
    run = run_cli("--help", env={"COLUMNS": "80"})
    assert run.code == 0
    for command in ("evaluate", "quarter", "reminders", "serve", "migrate", "export"):
        line = next(line for line in run.stdout.splitlines() if line.strip().startswith(command))
        assert len(line.split(None, 1)) == 2, line


# --- quarter -------------------------------------------------------------------------------


def quarter_json(*args: str, env: dict[str, str] | None = None) -> dict[str, object]:
    run = run_cli("quarter", "--format", "json", *args, env=env)
    assert run.code == 0, run.stderr
    loaded: dict[str, object] = json.loads(run.stdout)
    return loaded


def test_the_quarter_of_a_calendar_fiscal_year() -> None:
    assert quarter_json("--date", "2026-05-14") == {
        "fiscal_year": 2026,
        "quarter": 2,
        "start": "2026-04-01",
        "close": "2026-06-30",
        "days_to_close": 47,
    }


def test_the_quarter_of_a_february_fiscal_year_is_named_after_its_end() -> None:
    assert quarter_json("--date", "2027-01-31", "--fiscal-year-start-month", "2") == {
        "fiscal_year": 2027,
        "quarter": 4,
        "start": "2026-11-01",
        "close": "2027-01-31",
        "days_to_close": 0,
    }


def test_the_quarter_reports_the_qit_deadline_for_a_delivery_time() -> None:
    report = quarter_json("--date", "2026-05-14", "--delivery-days", "30")
    assert (report["qit_deadline"], report["days_to_qit_deadline"]) == ("2026-05-31", 17)


def test_a_passed_qit_deadline_has_negative_days() -> None:
    report = quarter_json("--date", "2026-06-20", "--delivery-days", "30")
    assert (report["qit_deadline"], report["days_to_qit_deadline"]) == ("2026-05-31", -20)


def test_the_start_month_defaults_to_the_environment() -> None:
    report = quarter_json("--date", "2026-05-14", env={"FISCAL_YEAR_START_MONTH": "10"})
    assert (report["fiscal_year"], report["quarter"], report["close"]) == (2026, 3, "2026-06-30")


def test_the_option_overrides_the_environment_start_month() -> None:
    report = quarter_json(
        "--date",
        "2026-05-14",
        "--fiscal-year-start-month",
        "1",
        env={"FISCAL_YEAR_START_MONTH": "10"},
    )
    assert report["quarter"] == 2


def test_the_quarter_defaults_to_today() -> None:
    from datetime import UTC, datetime

    before = datetime.now(UTC).date()
    report = quarter_json()
    after = datetime.now(UTC).date()
    assert str(before) <= str(report["close"]) and report["days_to_close"] >= 0  # type: ignore[operator]
    assert str(report["start"]) <= str(after)


def test_the_quarter_as_text_names_the_year_the_close_and_the_deadline() -> None:
    run = run_cli("quarter", "--date", "2026-06-20", "--delivery-days", "30")
    assert run.code == 0
    assert run.stdout.splitlines() == [
        "FY2026 Q2: 2026-04-01 to 2026-06-30",
        "Quarter close: 2026-06-30 (in 10 days)",
        "QIT deadline for a 30-day delivery: 2026-05-31 (passed 20 days ago)",
    ]


@pytest.mark.parametrize(
    ("args", "env", "expected_start"),
    [
        (("--date", "2026-02-30"), {}, "error: --date: must be a date as YYYY-MM-DD"),
        (("--date", "14/05/2026"), {}, "error: --date: "),
        (("--fiscal-year-start-month", "13"), {}, "error: --fiscal-year-start-month: "),
        (("--fiscal-year-start-month", "two"), {}, "error: --fiscal-year-start-month: "),
        ((), {"FISCAL_YEAR_START_MONTH": "0"}, "error: FISCAL_YEAR_START_MONTH: "),
        (("--delivery-days", "-5"), {}, "error: --delivery-days: "),
        (("--delivery-days", "4.5"), {}, "error: --delivery-days: "),
        ((), {"TIMEZONE": "Mars/Olympus"}, "error: TIMEZONE: unknown time zone"),
    ],
)
def test_a_bad_quarter_value_exits_two_naming_it(
    args: tuple[str, ...], env: dict[str, str], expected_start: str
) -> None:
    assert_refused(run_cli("quarter", *args, env=env), expected_start)


# --- the bot's commands ----------------------------------------------------------------------


def test_migrate_creates_the_schema_in_the_database_url(tmp_path: Path) -> None:
    import sqlite3

    database = tmp_path / "bot.db"
    run = run_cli("migrate", env={"DATABASE_URL": f"sqlite+aiosqlite:///{database}"})
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert run.code == 0, run.stderr
    assert {"proposals", "evaluations", "votes", "reminders"} <= tables


def test_migrate_with_an_unusable_database_url_says_so_in_one_line() -> None:
    run = run_cli("migrate", env={"DATABASE_URL": "nosuchdriver://user:secret@host/db"})
    assert run.code == 1
    assert len(run.error_lines) == 1
    assert run.error_lines[0].startswith("error: DATABASE_URL: cannot migrate")
    assert "secret" not in run.stderr


def test_serve_without_a_bot_token_names_the_missing_variable(tmp_path: Path) -> None:
    run = run_cli(
        "serve",
        env={
            "SLACK_BOT_TOKEN": "",
            "SLACK_SIGNING_SECRET": "",
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        },
    )
    assert run.code == 2
    assert "SLACK_BOT_TOKEN" in run.stderr


# --- export and reminders, on a database filled through the stores ----------------------


EXPORTED_TITLES = ['Ranking, "v2" fine-tune', "Two\nlines"]


def filled_database(tmp_path: Path) -> str:
    """A migrated SQLite file holding two posted proposals, one voted on."""
    import asyncio

    from bot.persistence.database import create_engine, run_migrations
    from bot.persistence.stores import Stores
    from bot.voting.domain import Choice
    from core.proposal import Proposal
    from tests.builders import NOW as now
    from tests.builders import store_proposal

    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    run_migrations(url)

    async def fill() -> None:
        engine = create_engine(url)
        stores = Stores.on(engine)
        for index, title in enumerate(EXPORTED_TITLES):
            proposal = Proposal.model_validate({**VALID_PROPOSAL, "title": title})
            record = await store_proposal(
                stores, proposal, team_id="T1", author_id="U1", submission_key=f"view-{index}"
            )
            await stores.proposals.mark_posted(
                proposal_id=record.id, channel_id="C1", message_ts=f"1.{index}", now=now
            )
        await stores.votes.cast_vote(
            proposal_id=1, user_id="U2", choice=Choice.REJECT, reason=None, now=now
        )
        await engine.dispose()

    asyncio.run(fill())
    return url


def test_export_writes_every_decision_as_csv_on_stdout(tmp_path: Path) -> None:
    import csv
    import io

    run = run_cli("export", "--format", "csv", env={"DATABASE_URL": filled_database(tmp_path)})
    assert run.code == 0, run.stderr
    rows = list(csv.DictReader(io.StringIO(run.stdout, newline="")))
    assert [row["title"] for row in rows] == EXPORTED_TITLES
    assert [row["reject"] for row in rows] == ["1", "0"]


def test_export_writes_json_to_the_output_file(tmp_path: Path) -> None:
    output = tmp_path / "decisions.json"
    url = filled_database(tmp_path)
    run = run_cli("export", "--format", "json", "--output", output, env={"DATABASE_URL": url})
    assert run.code == 0, run.stderr
    assert run.stdout == ""
    rows = json.loads(output.read_text())
    assert [row["title"] for row in rows] == EXPORTED_TITLES
    assert {row["vote_state"] for row in rows} == {"open"}


@pytest.mark.parametrize("command", ["export", "reminders"])
def test_a_missing_database_file_is_refused_and_not_created(command: str, tmp_path: Path) -> None:
    database = tmp_path / "missing.db"
    run = run_cli(command, env={"DATABASE_URL": f"sqlite+aiosqlite:///{database}"})
    assert run.code == 2
    assert len(run.error_lines) == 1
    assert run.error_lines[0].startswith(f"error: DATABASE_URL: no database at {database}")
    assert not database.exists()


def test_export_to_an_unwritable_place_names_the_option(tmp_path: Path) -> None:
    url = filled_database(tmp_path)
    run = run_cli(
        "export", "--output", tmp_path / "no" / "such" / "dir.csv", env={"DATABASE_URL": url}
    )
    assert run.code == 2
    assert run.error_lines[0].startswith("error: --output: cannot write")


def test_export_of_a_database_never_migrated_says_so_in_one_line(tmp_path: Path) -> None:
    database = tmp_path / "empty.db"
    database.write_bytes(b"")
    run = run_cli("export", env={"DATABASE_URL": f"sqlite+aiosqlite:///{database}"})
    assert run.code == 1
    assert len(run.error_lines) == 1
    assert run.error_lines[0].startswith("error: DATABASE_URL: cannot read the decisions")


def test_export_refuses_an_unknown_format() -> None:
    run = run_cli("export", "--format", "xml")
    assert run.code == 2
    assert "usage: finetune-check export" in run.stderr


def test_reminders_lists_what_is_due_as_json(tmp_path: Path) -> None:
    url = filled_database(tmp_path)
    run = run_cli(
        "reminders", "--date", "2026-03-17", "--format", "json", env={"DATABASE_URL": url}
    )
    assert run.code == 0, run.stderr
    due = [(row["proposal_id"], row["kind"], row["days_before"]) for row in json.loads(run.stdout)]
    assert due == [(1, "quarter_close", 14), (2, "quarter_close", 14)]


def test_reminders_with_a_bad_date_exits_two_naming_the_option(tmp_path: Path) -> None:
    run = run_cli(
        "reminders", "--date", "02/03/2026", env={"DATABASE_URL": filled_database(tmp_path)}
    )
    assert run.code == 2
    assert run.error_lines == ["error: --date: must be a date as YYYY-MM-DD (got '02/03/2026')"]


# --- the renderings, in process ------------------------------------------------------------


def test_a_pipe_in_a_title_does_not_break_the_markdown_tables() -> None:
    from bot.reports.evaluation_report import render_markdown
    from core.engine import evaluate
    from core.policy import Policy
    from core.proposal import Proposal

    proposal = Proposal.model_validate({**VALID_PROPOSAL, "title": "A | B\nC"})
    record = render_markdown(proposal, evaluate(proposal, Policy()))
    assert record.startswith("# Fine-tuning decision record: A | B C\n")
    assert "| title | A \\| B C |" in record


def test_markup_in_a_title_is_printed_literally_in_the_text_report() -> None:
    from bot.reports.evaluation_report import render_text
    from core.engine import evaluate
    from core.policy import Policy
    from core.proposal import Proposal

    proposal = Proposal.model_validate({**VALID_PROPOSAL, "title": "[bold]Widget[/bold]"})
    report = render_text(proposal, evaluate(proposal, Policy()), width=100)
    assert report.startswith("Fine-tuning check: [bold]Widget[/bold]\n")
    assert all(line == line.rstrip() for line in report.splitlines())


def test_a_policy_file_given_as_the_proposal_is_pointed_to_the_policy_option() -> None:
    run = run_cli("evaluate", EXAMPLES / "policy.toml")
    assert_refused(run, f"error: {EXAMPLES / 'policy.toml'}: this is a policy file")
    assert len(run.error_lines) == 1


# --- what a newcomer trips on ---------------------------------------------------------------


def test_version_prints_the_installed_package_version() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    run = run_cli("--version")
    assert run.code == 0
    assert run.stdout.strip() == f"finetune-check {declared}"


def test_a_directory_without_an_extension_is_refused_as_a_directory(tmp_path: Path) -> None:
    run = run_cli("evaluate", tmp_path)
    assert_refused(run, f"error: {tmp_path}: is a directory")
    assert "extension" not in run.stderr


def test_a_misspelt_proposal_field_gets_the_field_it_probably_meant(tmp_path: Path) -> None:
    proposal = dict(VALID_PROPOSAL)
    proposal["datset_examples"] = proposal.pop("dataset_examples")
    run = run_cli("evaluate", write_json(tmp_path, proposal))
    assert_refused(
        run, "error: datset_examples: is not a known field (did you mean dataset_examples?)"
    )


def test_a_misspelt_metric_lock_field_gets_the_lock_field_it_probably_meant(
    tmp_path: Path,
) -> None:
    lock = {"name": "latency", "comparator": "<=", "treshold": 120, "achieved": 115}
    run = run_cli("evaluate", write_json(tmp_path, {**VALID_PROPOSAL, "metric_locks": [lock]}))
    assert_refused(
        run,
        "error: metric_locks[0].treshold: is not a known field (did you mean threshold?)",
    )


def test_a_misspelt_policy_key_gets_the_key_it_probably_meant(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("max_delivery_day = 30\n")
    run = run_cli("evaluate", EXAMPLES / "fraud-metric-lock.toml", "--policy", policy)
    assert run.error_lines == [
        "error: policy.max_delivery_day: is not a known field (did you mean max_delivery_days?)"
    ]


def test_a_proposal_given_as_the_policy_is_named_in_one_line() -> None:
    proposal = EXAMPLES / "fraud-metric-lock.toml"
    run = run_cli("evaluate", EXAMPLES / "q2-budget-timing.toml", "--policy", proposal)
    assert_refused(run, f"error: --policy {proposal}: this looks like a proposal, not a policy")
    assert len(run.error_lines) == 1


def test_migrate_says_it_created_the_schema_then_that_it_is_up_to_date(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'new.db'}"
    first = run_cli("migrate", env={"DATABASE_URL": url})
    second = run_cli("migrate", env={"DATABASE_URL": url})
    assert (first.code, second.code) == (0, 0)
    assert first.error_lines == [f"created the schema at revision 0002 in {url}"]
    assert second.error_lines == [f"already up to date at revision 0002: {url}"]


@pytest.mark.parametrize("command", ["export", "reminders", "migrate"])
def test_an_unreachable_database_server_is_named_with_its_host_in_one_line(command: str) -> None:
    from tests.bot.test_process import free_port

    port = free_port()  # nothing listens there
    url = f"postgresql+asyncpg://bot:hunter2@127.0.0.1:{port}/finetune"
    run = run_cli(command, env={"DATABASE_URL": url})
    assert run.code == 1
    [line] = run.error_lines
    assert line.startswith("error: DATABASE_URL: cannot ")
    assert f"the database server at 127.0.0.1:{port} refused the connection" in line
    assert "unexpected" not in line
    assert "hunter2" not in line


def test_reminders_as_text_show_each_title_and_what_the_bot_will_post(tmp_path: Path) -> None:
    url = filled_database(tmp_path)
    run = run_cli("reminders", "--date", "2026-03-17", env={"DATABASE_URL": url})
    said = (
        "FY2026 Q1 closes in 14 days (Tue 31 Mar). Its QIT deadline (Sun 1 Mar) has passed: "
        "work starting today ships in FY2026 Q2."
    )
    assert run.code == 0, run.stderr
    assert run.stdout.splitlines() == [
        "Reminders due on 2026-03-17:",
        "",
        '• Ranking, "v2" fine-tune (proposal 1, channel C1): quarter close, 14 days before; '
        "not sent yet",
        f"  {said}",
        "",
        "• Two lines (proposal 2, channel C1): quarter close, 14 days before; not sent yet",
        f"  {said}",
    ]


def test_reminders_as_json_keep_the_contract_and_add_the_title_and_text(tmp_path: Path) -> None:
    url = filled_database(tmp_path)
    run = run_cli(
        "reminders", "--date", "2026-03-17", "--format", "json", env={"DATABASE_URL": url}
    )
    first = json.loads(run.stdout)[0]
    assert first == {
        "proposal_id": 1,
        "channel": "C1",
        "kind": "quarter_close",
        "due_date": "2026-03-17",
        "days_before": 14,
        "sent": False,
        "title": 'Ranking, "v2" fine-tune',
        "text": "FY2026 Q1 closes in 14 days (Tue 31 Mar). Its QIT deadline (Sun 1 Mar) has "
        "passed: work starting today ships in FY2026 Q2.",
    }


def test_a_percentage_typed_as_a_fraction_stops_the_evaluation_unless_allowed(
    tmp_path: Path,
) -> None:
    proposal = write_json(tmp_path, {**VALID_PROPOSAL, "label_accuracy_pct": 0.97})

    asked = run_cli("evaluate", proposal, "--format", "json")
    allowed = run_cli("evaluate", proposal, "--format", "json", "--allow-fractions")

    assert asked.code == 2
    assert asked.error_lines == [
        "error: label_accuracy_pct: 0.97 reads as 0.97 % label accuracy: did you mean 97 %? "
        "Type 97 (or pass --allow-fractions if 0.97 % is meant)"
    ]
    assert allowed.code == 0
    assert json.loads(allowed.stdout)["checks"][2]["value"] == 0.97
