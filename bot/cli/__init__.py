"""The ``finetune-check`` command line: evaluate proposals, measure their evidence, show fiscal
quarters, run the bot.

Each sub-command is a module with ``NAME``, ``HELP``, ``DESCRIPTION``, ``add_arguments(parser)``
and ``run(args) -> int``. A sub-command's arguments are declared only when that sub-command is
parsed, so each imports only what it needs: ``evaluate`` and ``quarter`` never import the Slack
stack, and the scanner, the curve readers, numpy and matplotlib are imported only when used.
Every :class:`InputError` ends here as exit code 2 with one ``error:`` line per problem.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any, NoReturn, Protocol, cast

from bot.cli import curve, evaluate, export, migrate, quarter, reminders, scan, serve
from bot.cli.errors import EXIT_INTERNAL_ERROR, EXIT_INVALID_INPUT, EXIT_OK, InputError, report

COMMANDS: tuple[ModuleType, ...] = (
    evaluate,
    quarter,
    reminders,
    serve,
    migrate,
    export,
    scan,
    curve,
)
DEBUG_VARIABLE = "FINETUNE_CHECK_DEBUG"

__all__ = ["COMMANDS", "InputError", "build_parser", "main"]


class Command(Protocol):
    """What a sub-command module provides."""

    NAME: str
    HELP: str
    DESCRIPTION: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    try:
        return _run(build_parser(), argv)
    except InputError as problem:
        return report(problem.lines)
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_INTERNAL_ERROR
    except Exception as failure:  # the last resort: one line, never a traceback
        if os.environ.get(DEBUG_VARIABLE):
            raise
        return report([f"unexpected {type(failure).__name__}: {failure}"], EXIT_INTERNAL_ERROR)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-command per module of ``COMMANDS``."""
    parser = _Parser(
        prog="finetune-check",
        description="Decide whether a fine-tuning proposal is worth it, and run the Slack bot.",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {installed_version()}")
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=_CommandParser
    )
    for module in COMMANDS:
        command = cast(Command, module)
        commands.add_parser(
            command.NAME, help=command.HELP, description=command.DESCRIPTION, command=command
        )
    return parser


def installed_version() -> str:
    """The version of the installed finetune-check package (from its metadata)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("finetune-check")
    except PackageNotFoundError:
        return "(not installed: run from a source tree)"


def _run(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> int:
    """Parse the arguments and run the chosen command."""
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_request:
        return _exit_code(exit_request)
    command: Command = args.command_module
    return command.run(args)


class _Parser(argparse.ArgumentParser):
    """An argument parser that ends with exit code 2 on usage errors (never a traceback)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_INVALID_INPUT, f"error: {message}\n")


class _CommandParser(_Parser):
    """A sub-command's parser: its arguments are declared the first time it parses (or prints
    its help), so building the whole parser imports no sub-command's libraries."""

    def __init__(self, *, command: Command, **options: Any) -> None:
        super().__init__(**options)
        self._command: Command | None = command
        self.set_defaults(command_module=command)

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        if self._command is not None:
            command, self._command = self._command, None
            command.add_arguments(self)
        return super().parse_known_args(args, namespace)


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


def _exit_code(exit_request: SystemExit) -> int:
    """The exit code argparse asked for (0 after --help, 2 after a usage error)."""
    code = exit_request.code
    if isinstance(code, int):
        return code
    return EXIT_OK if code is None else EXIT_INVALID_INPUT
