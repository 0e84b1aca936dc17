"""Every worked case in tests/cases reproduces its expected outcome."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from core import Policy, Proposal, evaluate
from tests.worked_cases import CASES_DIR, case_paths

CASES = case_paths()


def test_the_worked_cases_are_there() -> None:
    assert len(CASES) >= 9, f"expected the worked cases in {CASES_DIR}"


@pytest.mark.parametrize("path", CASES, ids=[path.stem for path in CASES])
def test_each_worked_case_reproduces_its_verdict_recommendation_and_every_check(
    path: Path,
) -> None:
    case = json.loads(path.read_text())
    policy = Policy.from_mapping(case.get("policy", {}))

    evaluation = evaluate(Proposal.model_validate(case["proposal"]), policy)

    expected = case["expect"]
    assert evaluation.verdict.value == expected["verdict"]
    assert evaluation.recommendation.value == expected["recommendation"]
    assert {check.id.value: check.status.value for check in evaluation.checks} == expected["checks"]


@pytest.mark.parametrize("path", CASES, ids=[path.stem for path in CASES])
def test_the_toml_example_of_each_case_is_the_same_proposal(path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / f"{path.stem}.toml"
    case = json.loads(path.read_text())
    assert Proposal.model_validate(tomllib.loads(example.read_text())) == Proposal.model_validate(
        case["proposal"]
    )
