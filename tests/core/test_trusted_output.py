"""The engine builds its result models without validation: they must still be valid ones."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import Evaluation, Policy, Proposal, evaluate
from core.evaluation import CheckId, Status
from core.figures import Terms
from core.limits import limits_of
from core.rules import NUMERIC_GATES
from tests.core.engine_kit import passing_proposal
from tests.core.test_properties import policies, proposals
from tests.worked_cases import case_paths, load_case

KPI = CheckId.KPI_LIFT
SAMPLE = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_valid(evaluation: Evaluation) -> None:
    """Validating the evaluation's own dump gives it back, field types included."""
    dumped = evaluation.model_dump(warnings="error")  # a wrongly typed field fails to serialise
    validated = Evaluation.model_validate(dumped)
    assert validated == evaluation
    assert repr(validated) == repr(evaluation)  # ``1 == 1.0``, but their reprs differ
    assert validated.model_dump() == dumped
    assert evaluation.model_fields_set == set(Evaluation.model_fields)


def test_the_worked_cases_evaluate_to_valid_models() -> None:
    for path in case_paths():
        case: dict[str, Any] = load_case(path.stem)
        policy = Policy.from_mapping(case.get("policy", {}))
        assert_valid(evaluate(Proposal.model_validate(case["proposal"]), policy))


def test_a_passing_proposal_evaluates_to_a_valid_model() -> None:
    assert_valid(evaluate(Proposal.model_validate(passing_proposal()), Policy()))


@SAMPLE
@given(proposal=st.one_of(proposals(failing=True), proposals()), policy=policies())
def test_generated_proposals_evaluate_to_valid_models(
    proposal: dict[str, Any], policy: Policy
) -> None:
    assert_valid(evaluate(Proposal.model_validate(proposal), policy))


@SAMPLE
@given(proposal=st.one_of(proposals(failing=True), proposals()), policy=policies())
def test_the_flips_retest_each_gate_as_the_check_decides_it(
    proposal: dict[str, Any], policy: Policy
) -> None:
    """The checks read their figures from ``Derived``; the flips re-test gates from the terms.
    Both must say the same for the same terms."""
    validated = Proposal.model_validate(proposal)
    evaluation = evaluate(validated, policy)
    terms, limits = Terms.of(validated, policy), limits_of(policy)
    for gate, holds in NUMERIC_GATES.items():
        assert holds(terms, limits) == (evaluation.check(gate).status is Status.PASS), gate


def test_the_limits_follow_the_policy_they_were_worked_out_for() -> None:
    strict, lenient = Policy(min_kpi_lift_pct=9.0), Policy(min_kpi_lift_pct=1.0)
    proposal = Proposal.model_validate(passing_proposal(projected_lift_pct=6.0))
    for _ in range(2):  # the second round reads the limits kept for each policy
        assert evaluate(proposal, strict).check(KPI).status is Status.FAIL
        assert evaluate(proposal, lenient).check(KPI).status is Status.PASS
