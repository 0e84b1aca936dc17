"""The training run's loss curve: read from trainer_state.json, TensorBoard or MLflow.

``read_curve(source, metric=None)`` and ``read_trainer_state_bytes(data, name)`` return a
``LossCurve`` or raise ``CurveError`` (one line); ``apply_curve(proposal, curve)`` puts it into a
proposal. ``command`` is the ``curve`` sub-command.
"""

from bot.evidence.curve.errors import CurveError
from bot.evidence.curve.model import LossCurve
from bot.evidence.curve.proposal import apply_curve, curve_note
from bot.evidence.curve.source import read_curve
from bot.evidence.curve.trainer_state import read_trainer_state_bytes

__all__ = [
    "CurveError",
    "LossCurve",
    "apply_curve",
    "curve_note",
    "read_curve",
    "read_trainer_state_bytes",
]
