"""The worked proposals in tests/cases: each case's proposal, policy and expected outcome.

The suite reads only what the stores holds. Loading fails loudly when the folder is
missing or short, so no test ever parametrizes over nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.policy import Policy
from core.proposal import Proposal

CASES_DIR = Path(__file__).resolve().parent / "cases"
CASE_COUNT = 9


@dataclass(frozen=True)
class WorkedCase:
    """One worked proposal: its name (the file's stem), the raw JSON and its parts."""

    name: str
    data: dict[str, Any]

    @property
    def proposal(self) -> Proposal:
        return Proposal.model_validate(self.data["proposal"])

    @property
    def policy(self) -> Policy:
        return Policy.from_mapping(self.data.get("policy", {}))

    @property
    def expect(self) -> dict[str, Any]:
        expected: dict[str, Any] = self.data["expect"]
        return expected


def case_paths() -> list[Path]:
    """Every worked case file; an error when the folder does not hold all of them."""
    paths = sorted(CASES_DIR.glob("*.json"))
    if len(paths) < CASE_COUNT:
        raise FileNotFoundError(
            f"expected {CASE_COUNT} worked cases in {CASES_DIR}, found {len(paths)}"
        )
    return paths


def case_names() -> list[str]:
    """The names of the worked cases, for parametrize ids."""
    return [path.stem for path in case_paths()]


def load_case(name: str) -> dict[str, Any]:
    """One worked case as JSON: ``about``, ``proposal``, optional ``policy`` and ``expect``."""
    data: dict[str, Any] = json.loads((CASES_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return data


def worked_case(name: str) -> WorkedCase:
    """One worked case by name."""
    return WorkedCase(name, load_case(name))


def worked_cases() -> list[WorkedCase]:
    """Every worked case, in file-name order."""
    return [worked_case(name) for name in case_names()]
