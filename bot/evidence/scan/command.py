"""`finetune-check scan PATH`: measure a training-data sample from the command line.

Mounted by the CLI as a sub-command: `add_arguments(parser)` declares the arguments, `run(args,
policy=…, out=…)` scans and returns the exit code (0 scanned, 2 a file it cannot measure, with
one `error:` line on stderr). A progress bar shows on stderr when it is a terminal and the file
is large enough to take a while.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from bot.evidence.scan.errors import ScanError
from bot.evidence.scan.render import render_scan
from bot.evidence.scan.report import scan_json
from bot.evidence.scan.scanner import scan_file
from core.policy import Policy

EXIT_OK = 0
EXIT_BAD_FILE = 2
LONG_SCAN_BYTES = 20_000_000
"""Show progress when the file is at least this big (~35,000 JSONL rows, half a second)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `scan` sub-command's own arguments; the CLI adds the data file's field options
    (`bot.cli.options.add_data_fields`), which `evaluate --data` shares."""
    parser.add_argument("path", metavar="PATH", help="a .jsonl/.ndjson, .csv or .parquet file")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace, *, policy: Policy, out: TextIO, err: TextIO | None = None) -> int:
    """Scan `args.path` and write the report to `out`; the exit code."""
    err = err if err is not None else sys.stderr
    try:
        with TerminalProgress(err) as progress:
            report = scan_file(
                args.path,
                text_fields=tuple(args.text_field or ()),
                label_field=args.label_field,
                gold_label_field=args.gold_label_field,
                progress=progress,
            )
    except ScanError as problem:
        print(f"error: {problem}", file=err)
        return EXIT_BAD_FILE
    if args.format == "json":
        out.write(json.dumps(scan_json(report), indent=2, ensure_ascii=False) + "\n")
    else:
        colour = out.isatty()
        width = shutil.get_terminal_size((100, 24)).columns if colour else 100
        out.write(render_scan(report, policy, width=width, color=colour))
    return EXIT_OK


class TerminalProgress:
    """A progress callback drawing a rich bar on `stream` when it is a terminal and the scan
    is long; otherwise it does nothing."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._wanted = stream.isatty()

    def __call__(self, done: int, total: int | None) -> None:
        if not self._wanted:
            return
        if self._bar is None:
            if total is None or total < LONG_SCAN_BYTES:
                self._wanted = False
                return
            self._bar = Progress(
                TextColumn("scanning"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f} %"),
                TimeRemainingColumn(),
                console=Console(file=self._stream),
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task("scan", total=total)
        assert self._task is not None
        self._bar.update(self._task, completed=done)

    def __enter__(self) -> TerminalProgress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
