"""Driving `finetune-check` as a user does, through a subprocess, for the CLI tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.worked_cases import CASES_DIR

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CONTRACT_KEYS = {
    "verdict",
    "recommendation",
    "primary_reason",
    "checks",
    "flips",
    "verdict_flip",
    "figures",
    "script",
    "policy",
}
SCRUBBED_VARIABLES = (
    "FISCAL_YEAR_START_MONTH",
    "TIMEZONE",
    "FINETUNE_CHECK_DEBUG",
    "NO_COLOR",
    "MLFLOW_TRACKING_URI",
)

VALID_PROPOSAL = json.loads((CASES_DIR / "recommendation-widget.json").read_text())["proposal"]


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return self.stderr.splitlines()


def run_cli(
    *args: str | Path,
    stdin: str = "",
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
) -> Run:
    """Run `python -m bot.cli` (in the project root unless told) and fail on any traceback."""
    environment = {k: v for k, v in os.environ.items() if k not in SCRUBBED_VARIABLES}
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(None, (str(ROOT), environment.get("PYTHONPATH")))
    )
    environment.update(env or {})
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=60,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return Run(done.returncode, done.stdout, done.stderr)


def write_json(tmp_path: Path, data: object, name: str = "proposal.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def assert_refused(run: Run, *expected_starts: str) -> None:
    """Exit 2, and one stderr line per problem, each starting as expected."""
    assert run.code == 2, (run.stdout, run.stderr)
    assert run.stdout == ""
    for start in expected_starts:
        assert any(line.startswith(start) for line in run.error_lines), run.stderr
