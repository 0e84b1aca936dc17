"""A verdict's pictures, in the order they are shown: the loss curve (when the proposal has
validation losses), the gates, the quarter's timing and, with ranges, the tornado. The CLI's
`--plot` and the verdict's thread draw the same set."""

from __future__ import annotations

from datetime import date

from bot.evidence.curve.model import LossCurve
from bot.pictures.gates import gates_picture
from bot.pictures.loss_curve import loss_curve_picture
from bot.pictures.picture import Picture
from bot.pictures.timing import timing_picture
from bot.pictures.tornado import SwingBar, tornado_picture
from core.evaluation import Evaluation
from core.proposal import Proposal
from core.uncertainty import Uncertainty
from core.wording import capitalised, field_value, field_words

ENTERED_METRIC = "validation loss, as entered"


def verdict_pictures(
    proposal: Proposal,
    evaluation: Evaluation,
    *,
    uncertainty: Uncertainty | None,
    curve: LossCurve | None,
    today: date,
    fiscal_year_start_month: int,
) -> list[Picture]:
    """Every picture of the verdict; ``curve`` is where the losses came from, when known."""
    pictures = []
    losses = curve or entered_curve(proposal)
    if losses is not None:
        pictures.append(loss_curve_picture(losses, evaluation.policy, proposal.planned_epochs))
    pictures.append(gates_picture(evaluation))
    pictures.append(
        timing_picture(
            proposal, evaluation, today=today, fiscal_year_start_month=fiscal_year_start_month
        )
    )
    if uncertainty is not None:
        pictures.append(tornado_picture(uncertainty.approve_probability, swing_bars(uncertainty)))
    return pictures


def entered_curve(proposal: Proposal, source: str = "the proposal") -> LossCurve | None:
    """The validation losses entered in the proposal, as a curve to draw."""
    if not proposal.validation_losses:
        return None
    return LossCurve(
        source=source,
        kind="trainer_state",
        metric=ENTERED_METRIC,
        validation_losses=tuple(float(loss) for loss in proposal.validation_losses),
    )


def swing_bars(uncertainty: Uncertainty) -> list[SwingBar]:
    """The tornado's bars: each ranged field with P(approve) at its low and its high."""
    return [
        SwingBar(
            label=capitalised(field_words(swing.field).name),
            low_label=field_value(swing.field, swing.low),
            high_label=field_value(swing.field, swing.high),
            probability_at_low=swing.approve_probability_at_low,
            probability_at_high=swing.approve_probability_at_high,
        )
        for swing in uncertainty.swing
    ]
