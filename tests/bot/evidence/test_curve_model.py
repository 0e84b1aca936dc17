"""A loss curve's findings match the engine's over-fitting check, and it goes into a proposal."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from bot.evidence.curve import LossCurve, apply_curve, curve_note
from bot.evidence.curve.model import SourceKind
from core.engine import evaluate
from core.evaluation import CheckId
from core.policy import Policy
from tests.builders import approvable_proposal

LOSSES = st.lists(
    st.floats(min_value=0, max_value=50, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=30,
)


def curve(
    *losses: float, source: str = "runs/exp1/trainer_state.json", kind: SourceKind = "trainer_state"
) -> LossCurve:
    return LossCurve(source=source, kind=kind, metric="eval_loss", validation_losses=losses)


def test_the_best_epoch_is_the_first_of_the_minimum() -> None:
    assert curve(0.5, 0.3, 0.3, 0.4).best_epoch == 2


def test_the_rise_is_the_largest_after_the_best_relative_to_it() -> None:
    assert curve(0.5, 0.4, 0.5, 0.44).rise_after_best_pct == 25.0


def test_the_peak_after_the_best_is_where_the_rise_tops() -> None:
    assert curve(0.5, 0.4, 0.5, 0.44).peak_after_best_epoch == 3
    assert curve(0.5, 0.4).peak_after_best_epoch is None


@given(LOSSES)
def test_the_rise_is_the_one_the_engines_overfitting_check_measures(losses: list[float]) -> None:
    proposal, _ = apply_curve(approvable_proposal(), curve(*losses))
    measured = evaluate(proposal, Policy()).check(CheckId.OVERFITTING).value
    rise = curve(*losses).rise_after_best_pct
    assert measured == rise or (math.isinf(rise) and measured == math.inf)


def test_applying_a_curve_sets_the_proposals_validation_losses() -> None:
    proposal, note = apply_curve(approvable_proposal(planned_epochs=10), curve(0.5, 0.4, 0.45))
    assert proposal.validation_losses == [0.5, 0.4, 0.45]
    assert proposal.planned_epochs == 10
    assert note == "validation loss from trainer_state.json, 3 epochs"


def test_applying_a_curve_replaces_losses_already_typed_in() -> None:
    typed = approvable_proposal(validation_losses=[9.0, 8.0])
    proposal, _ = apply_curve(typed, curve(0.5))
    assert proposal.validation_losses == [0.5]


def test_the_note_names_one_epoch_and_mlflow_runs_plainly() -> None:
    assert curve_note(curve(0.5, source="mlflow:4f2a", kind="mlflow")) == (
        "validation loss from MLflow run 4f2a, 1 epoch"
    )
    assert curve_note(curve(0.5, 0.4, source="/data/run7/logs/validation", kind="tensorboard")) == (
        "validation loss from TensorBoard log logs/validation, 2 epochs"
    )
