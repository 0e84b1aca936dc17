"""The `finetune-check` command line: evaluate proposals, show fiscal quarters, run the bot.

`evaluate` and `quarter` never import the Slack stack; the other commands import it lazily.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import sys
import tomllib
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from bot.rendering import render_markdown, render_quarter_text, render_text
from core.calendar import days_to_close, fiscal_quarter, qit_deadline
from core.contract import evaluation_json
from core.engine import evaluate
from core.errors import field_errors
from core.evaluation import Evaluation
from core.fractions import fraction_question, suspected_fractions
from core.kinds import looks_like_a_policy, looks_like_a_proposal
from core.policy import Policy
from core.proposal import Proposal
from core.wording import exact

EXIT_OK = 0
EXIT_INTERNAL_ERROR = 1
EXIT_INVALID_INPUT = 2
MAX_INPUT_BYTES = 1_000_000
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///finetune-check.db"
MAX_DELIVERY_DAYS = 3650
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
WHOLE_NUMBER = re.compile(r"[0-9]{1,6}")
DEBUG_VARIABLE = "FINETUNE_CHECK_DEBUG"


class InputError(Exception):
    """Invalid input: one line per problem, each naming the field or the file."""

    def __init__(self, lines: Sequence[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = list(lines)


class _Parser(argparse.ArgumentParser):
    """An argument parser that ends with exit code 2 on usage errors (never a traceback)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_INVALID_INPUT, f"error: {message}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    try:
        return _run(build_parser(), argv)
    except InputError as problem:
        return _report(problem.lines)
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_INTERNAL_ERROR
    except Exception as failure:  # the last resort: one line, never a traceback
        if os.environ.get(DEBUG_VARIABLE):
            raise
        return _report([f"unexpected {type(failure).__name__}: {failure}"], EXIT_INTERNAL_ERROR)


def _run(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> int:
    """Parse the arguments and run the chosen command."""
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_request:
        return _exit_code(exit_request)
    command: Callable[[argparse.Namespace], int] = args.handler
    return command(args)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-command per task."""
    parser = _Parser(
        prog="finetune-check",
        description="Decide whether a fine-tuning proposal is worth it, and run the Slack bot.",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {installed_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_evaluate(commands)
    _add_quarter(commands)
    _add_reminders(commands)
    _add_serve(commands)
    _add_migrate(commands)
    _add_export(commands)
    return parser


def installed_version() -> str:
    """The version of the installed finetune-check package (from its metadata)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("finetune-check")
    except PackageNotFoundError:
        return "(not installed: run from a source tree)"


class _HelpFormatter(argparse.HelpFormatter):
    """Keeps each command's one-line help beside its name.

    argparse measures sub-command names one indent short of where it prints them.
    """

    def add_argument(self, action: argparse.Action) -> None:
        super().add_argument(action)
        names = list(action.choices) if isinstance(action.choices, dict) else []
        if names:
            nested = max(map(len, names)) + self._current_indent + self._indent_increment
            self._action_max_length = max(self._action_max_length, nested)


def run_evaluate(args: argparse.Namespace) -> int:
    """Evaluate one proposal file and print the result in the requested format."""
    proposal = load_proposal(args.path)
    if not args.allow_fractions:
        refuse_fractions(proposal)
    policy = load_policy(args.policy) if args.policy else Policy()
    evaluation = evaluate(proposal, policy)
    sys.stdout.write(_format_evaluation(proposal, evaluation, args.format))
    return EXIT_OK


def refuse_fractions(proposal: Proposal) -> None:
    """Stop on a percentage typed as a fraction (``0.95`` for 95 %), naming each field."""
    lines = [
        f"{field}: {fraction_question(field, getattr(proposal, field))} "
        f"(or pass --allow-fractions if {exact(getattr(proposal, field))} % is meant)"
        for field in suspected_fractions(proposal)
    ]
    if lines:
        raise InputError(lines)


def run_quarter(args: argparse.Namespace) -> int:
    """Print the fiscal quarter of a day, and the QIT deadline for a delivery time."""
    day = parse_day(args.date) if args.date is not None else today()
    start_month = parse_start_month(args.fiscal_year_start_month)
    delivery_days = None if args.delivery_days is None else parse_delivery_days(args.delivery_days)
    report = quarter_report(day, start_month, delivery_days)
    if args.format == "json":
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        sys.stdout.write(render_quarter_text(report, delivery_days))
    return EXIT_OK


def run_serve(args: argparse.Namespace) -> int:
    """Start the Slack bot, exactly as `python -m bot` does."""
    from bot.__main__ import main as serve_main

    return serve_main([])


def run_migrate(args: argparse.Namespace) -> int:
    """Bring the database in DATABASE_URL up to the latest schema, and say what that did."""
    from bot.persistence.database import describe_failure, run_migrations

    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    where = _hide_password(url)
    try:
        result = run_migrations(url)
    except Exception as failure:  # a bad URL or an unreachable database: one line
        problem = f"DATABASE_URL: cannot migrate {where}: {describe_failure(url, failure)}"
        return _report([" ".join(problem.split())], EXIT_INTERNAL_ERROR)
    after = ",".join(result.after) or "none"
    if result.created:
        print(f"created the schema at revision {after} in {where}", file=sys.stderr)
    elif result.changed:
        before = ",".join(result.before)
        print(f"upgraded the schema from revision {before} to {after} in {where}", file=sys.stderr)
    else:
        print(f"already up to date at revision {after}: {where}", file=sys.stderr)
    return EXIT_OK


def run_reminders(args: argparse.Namespace) -> int:
    """List the reminders due on a day for the proposals in DATABASE_URL."""
    require_existing_database(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    from bot.reminders.report import reminders_command

    return reminders_command(args)


def run_export(args: argparse.Namespace) -> int:
    """Write every decision in DATABASE_URL as CSV or JSON, to stdout or --output."""
    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    require_existing_database(url)
    from sqlalchemy.exc import DBAPIError

    from bot.persistence.database import describe_failure

    try:
        text = asyncio.run(_export(url, args.format))
    except (DBAPIError, OSError) as failure:  # OSError: the server cannot be reached
        reason = describe_failure(url, failure)
        problem = f"DATABASE_URL: cannot read the decisions in {_hide_password(url)} ({reason})"
        return _report([" ".join(problem.split())], EXIT_INTERNAL_ERROR)
    _write_output(text, args.output)
    return EXIT_OK


async def _export(url: str, output_format: str) -> str:
    """The export text, read through the stores on a short-lived engine."""
    from bot.export import export_decisions
    from bot.persistence.database import create_engine
    from bot.persistence.stores import Stores

    engine = create_engine(url, pooled=False)
    try:
        if output_format == "json":
            return await export_decisions(Stores.on(engine), format="json")
        return await export_decisions(Stores.on(engine), format="csv")
    finally:
        await engine.dispose()


def require_existing_database(url: str) -> None:
    """Refuse an unusable DATABASE_URL, or a SQLite file that does not exist (never create one)."""
    from bot.persistence.database import SQLITE_DRIVER, DatabaseUrlError, database_url

    try:
        parsed = database_url(url)
    except DatabaseUrlError as problem:
        raise InputError([str(problem)]) from None
    if (
        parsed.drivername == SQLITE_DRIVER
        and not Path(parsed.database or "").expanduser().is_file()
    ):
        raise InputError(
            [
                f"DATABASE_URL: no database at {parsed.database}; point DATABASE_URL at the "
                "bot's database, or run `finetune-check migrate` to create one"
            ]
        )


def _write_output(text: str, output: str | None) -> None:
    """The text on stdout, or in the --output file (exactly as given: no newline translation)."""
    if output is None:
        sys.stdout.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
    except OSError as failure:
        raise InputError([f"--output: cannot write {output}: {failure.strerror}"]) from None


def load_proposal(path: str) -> Proposal:
    """Read and validate a proposal from a .json or .toml file, or JSON on stdin for '-'."""
    data = _read_stdin_json() if path == "-" else _read_proposal_file(Path(path))
    if not isinstance(data, dict):
        raise InputError([f"proposal: must be an object of fields (got {_json_kind(data)})"])
    if looks_like_a_policy(data):
        raise InputError([f"{path}: this is a policy file; pass it with --policy"])
    try:
        return Proposal.model_validate(data)
    except ValidationError as invalid:
        raise InputError(_field_lines(invalid)) from None


def load_policy(path: str) -> Policy:
    """Read and validate a policy TOML file of flat keys."""
    text = _read_text(Path(path), "--policy")
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as bad_toml:
        raise InputError([f"--policy {path}: not valid TOML: {bad_toml}"]) from None
    if looks_like_a_proposal(values):
        raise InputError(
            [f"--policy {path}: this looks like a proposal, not a policy; pass it as PATH"]
        )
    try:
        return Policy.from_mapping(values)
    except ValidationError as invalid:
        raise InputError(_field_lines(invalid, prefix="policy.")) from None


def parse_day(text: str) -> date:
    """A day given as YYYY-MM-DD."""
    try:
        if ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise InputError([f"--date: must be a date as YYYY-MM-DD (got {text!r})"])


def parse_start_month(given: str | None) -> int:
    """The fiscal-year start month from the option, else FISCAL_YEAR_START_MONTH, else 1."""
    source, text = "--fiscal-year-start-month", given
    if text is None:
        source, text = "FISCAL_YEAR_START_MONTH", os.environ.get("FISCAL_YEAR_START_MONTH")
    if text is None or text.strip() == "":
        return 1
    if not WHOLE_NUMBER.fullmatch(text.strip()) or not 1 <= int(text) <= 12:
        raise InputError([f"{source}: must be a month number 1-12 (got {text!r})"])
    return int(text)


def parse_delivery_days(text: str) -> int:
    """A delivery time in whole calendar days, 0 to 3650."""
    if not WHOLE_NUMBER.fullmatch(text.strip()) or int(text) > MAX_DELIVERY_DAYS:
        raise InputError(
            [f"--delivery-days: must be a whole number 0-{MAX_DELIVERY_DAYS} (got {text!r})"]
        )
    return int(text)


def today() -> date:
    """Today's date in the TIMEZONE of the settings (default UTC)."""
    name = os.environ.get("TIMEZONE") or "UTC"
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        problem = f"TIMEZONE: unknown time zone {name!r} (e.g. UTC, Europe/Paris)"
        raise InputError([problem]) from None
    return datetime.now(zone).date()


def quarter_report(day: date, start_month: int, delivery_days: int | None) -> dict[str, Any]:
    """The quarter of a day as the JSON of docs/contracts.md, with the QIT deadline when a
    delivery is given."""
    quarter = fiscal_quarter(day, start_month)
    report: dict[str, Any] = {
        "fiscal_year": quarter.fiscal_year,
        "quarter": quarter.quarter,
        "start": quarter.start.isoformat(),
        "close": quarter.close.isoformat(),
        "days_to_close": days_to_close(day, quarter),
    }
    if delivery_days is not None:
        deadline = qit_deadline(day, start_month, delivery_days)
        report["qit_deadline"] = deadline.isoformat()
        report["days_to_qit_deadline"] = (deadline - day).days
    return report


def _format_evaluation(proposal: Proposal, evaluation: Evaluation, output: str) -> str:
    """The evaluation in the requested output format."""
    if output == "json":
        return json.dumps(evaluation_json(evaluation), indent=2, allow_nan=False) + "\n"
    if output == "markdown":
        return render_markdown(proposal, evaluation)
    colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    width = shutil.get_terminal_size((110, 24)).columns if colour else 110
    return render_text(proposal, evaluation, width=width, color=colour)


def _read_proposal_file(path: Path) -> Any:
    """Parse a proposal file by its extension."""
    if path.is_dir():
        raise InputError([f"{path}: is a directory, not a proposal file (.json or .toml)"])
    suffix = path.suffix.lower()
    if suffix not in (".json", ".toml"):
        raise InputError(
            [f"{path}: unknown extension {suffix or '(none)'!r}; use .json, .toml or - for stdin"]
        )
    text = _read_text(path, str(path))
    return _parse_json(text, str(path)) if suffix == ".json" else _parse_toml(text, str(path))


def _read_stdin_json() -> Any:
    """Parse JSON from standard input."""
    raw = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    return _parse_json(_decode(raw, "stdin"), "stdin")


def _read_text(path: Path, label: str) -> str:
    """The text of a file, with a one-line error for every way reading it can fail."""
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_INPUT_BYTES + 1)
    except FileNotFoundError:
        raise InputError([f"{label}: no such file: {path}"]) from None
    except IsADirectoryError:
        raise InputError([f"{label}: is a directory, not a file: {path}"]) from None
    except OSError as failure:
        raise InputError([f"{label}: cannot read {path}: {failure.strerror}"]) from None
    return _decode(raw, label)


def _decode(raw: bytes, label: str) -> str:
    """Bytes as UTF-8 text, refusing oversized or non-UTF-8 input."""
    if len(raw) > MAX_INPUT_BYTES:
        raise InputError([f"{label}: larger than {MAX_INPUT_BYTES:,} bytes"])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as failure:
        raise InputError([f"{label}: not UTF-8 text (byte {failure.start})"]) from None


def _parse_json(text: str, label: str) -> Any:
    """JSON text as Python values; duplicate keys are refused."""
    try:
        return json.loads(text, object_pairs_hook=_refuse_duplicate_keys)
    except json.JSONDecodeError as bad_json:
        raise InputError(
            [
                f"{label}: not valid JSON at line {bad_json.lineno}, column {bad_json.colno}: "
                f"{bad_json.msg}"
            ]
        ) from None


def _parse_toml(text: str, label: str) -> Any:
    """TOML text as Python values."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as bad_toml:
        raise InputError([f"{label}: not valid TOML: {bad_toml}"]) from None


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, unless a key appears twice in it."""
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise InputError([f"{key}: given twice in the JSON object"])
        seen[key] = value
    return seen


def _field_lines(invalid: ValidationError, prefix: str = "") -> list[str]:
    """One line per offending field, named as the framework names it."""
    return [f"{prefix}{problem.field}: {problem.message}" for problem in field_errors(invalid)]


def _json_kind(value: Any) -> str:
    """The JSON name of a value's type."""
    kinds = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return kinds.get(type(value), "a number")


def _report(lines: Sequence[str], code: int = EXIT_INVALID_INPUT) -> int:
    """Print one 'error:' line per problem on stderr and return the exit code."""
    for line in lines:
        print(f"error: {line}", file=sys.stderr)
    return code


def _exit_code(exit_request: SystemExit) -> int:
    """The exit code argparse asked for (0 after --help, 2 after a usage error)."""
    code = exit_request.code
    if isinstance(code, int):
        return code
    return EXIT_OK if code is None else EXIT_INVALID_INPUT


def _hide_password(url: str) -> str:
    """A database URL without its password, for messages."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def _add_evaluate(commands: Any) -> None:
    """The `evaluate` sub-command."""
    command = commands.add_parser(
        "evaluate",
        help="print the verdict on a proposal (.json, .toml, or -)",
        description="Evaluate a fine-tuning proposal against the policy. Exit 0 when it was "
        "evaluated (whatever the verdict), 2 on invalid input (one line per field on stderr).",
    )
    command.add_argument("path", metavar="PATH", help="proposal file (.json or .toml), or -")
    command.add_argument("--policy", metavar="FILE", help="policy TOML file (default: defaults)")
    command.add_argument(
        "--allow-fractions",
        action="store_true",
        help="accept percentages of 1 or less as typed (0.5 means 0.5 %%, not 50 %%)",
    )
    command.add_argument(
        "--format",
        choices=("text", "json", "markdown"),
        default="text",
        help="output format (default: text)",
    )
    command.set_defaults(handler=run_evaluate)


def _add_quarter(commands: Any) -> None:
    """The `quarter` sub-command."""
    command = commands.add_parser(
        "quarter",
        help="show the fiscal quarter and the QIT deadline",
        description="Show the fiscal quarter containing a day, the days to its close and, "
        "with --delivery-days, the last day work can start and still ship this quarter.",
    )
    command.add_argument("--date", metavar="YYYY-MM-DD", help="the day (default: today)")
    command.add_argument(
        "--fiscal-year-start-month",
        metavar="M",
        help="month the fiscal year starts, 1-12 (default: FISCAL_YEAR_START_MONTH or 1)",
    )
    command.add_argument("--delivery-days", metavar="N", help="calendar days until delivery")
    command.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )
    command.set_defaults(handler=run_quarter)


def _add_reminders(commands: Any) -> None:
    """The `reminders` sub-command."""
    command = commands.add_parser(
        "reminders",
        help="list the reminders due on a day",
        description="List the reminders due on a day (default today) for the proposals in "
        "DATABASE_URL, sent or not: each proposal's title and the text the bot posts.",
    )
    command.add_argument("--date", metavar="YYYY-MM-DD", help="the day (default: today)")
    command.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )
    command.set_defaults(handler=run_reminders)


def _add_serve(commands: Any) -> None:
    """The `serve` sub-command."""
    command = commands.add_parser(
        "serve",
        help="start the Slack bot (same as python -m bot)",
        description="Start the Slack bot: Socket Mode when SLACK_APP_TOKEN is set, else HTTP.",
    )
    command.set_defaults(handler=run_serve)


def _add_migrate(commands: Any) -> None:
    """The `migrate` sub-command."""
    command = commands.add_parser(
        "migrate",
        help="upgrade the database schema in DATABASE_URL",
        description=f"Run the Alembic migrations on DATABASE_URL (default {DEFAULT_DATABASE_URL}).",
    )
    command.set_defaults(handler=run_migrate)


def _add_export(commands: Any) -> None:
    """The `export` sub-command."""
    command = commands.add_parser(
        "export",
        help="write every decision in DATABASE_URL as CSV or JSON",
        description="Write every decision in DATABASE_URL (one row per proposal: figures, "
        "verdict, policy hash, votes and outcome) as CSV or JSON, for audits.",
    )
    command.add_argument(
        "--format", choices=("csv", "json"), default="csv", help="output format (default: csv)"
    )
    command.add_argument("--output", metavar="FILE", help="write to FILE (default: stdout)")
    command.set_defaults(handler=run_export)


if __name__ == "__main__":
    raise SystemExit(main())
