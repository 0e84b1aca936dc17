"""A loss curve put into a proposal: its validation losses replace the proposal's."""

from __future__ import annotations

from pathlib import PurePath

from bot.evidence.curve.mlflow_run import PREFIX
from bot.evidence.curve.model import LossCurve
from core.proposal import Proposal


def apply_curve(proposal: Proposal, curve: LossCurve) -> tuple[Proposal, str]:
    """The proposal with the curve's validation losses, and a note of where they came from:
    "validation loss from trainer_state.json, 6 epochs"."""
    updated = proposal.model_copy(update={"validation_losses": list(curve.validation_losses)})
    return Proposal.model_validate(updated.model_dump()), curve_note(curve)


def curve_note(curve: LossCurve) -> str:
    """Where a curve came from, in a few words."""
    count = len(curve.validation_losses)
    return f"validation loss from {_origin(curve)}, {count} epoch{'' if count == 1 else 's'}"


def _origin(curve: LossCurve) -> str:
    if curve.kind == "mlflow":
        return f"MLflow run {curve.source.removeprefix(PREFIX)}"
    path = PurePath(curve.source)
    if curve.kind == "tensorboard":
        return f"TensorBoard log {PurePath(*path.parts[-2:])}"
    return path.name
