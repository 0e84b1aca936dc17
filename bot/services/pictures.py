"""Pictures of a verdict in its thread: the loss curve, the gates, the quarter's timing and,
with ranges, the tornado; rendered off the event loop and uploaded in the thread's order.

`VerdictPictures.post(record)` is called right after a verdict (or a revision) is posted. It
starts the render at once, in the worker process (`bot.services.worker`: in a thread of the
app's own process matplotlib held the GIL long enough to move the ack, as measured by
benchmarks/plots.py), and queues the upload in the proposal's `ThreadLines` at that moment:
a vote line or the next revision's line queued after it is posted after the pictures, and
the pictures never come after a later revision's line. Each picture is its own upload, with
alt text that states the finding; one that fails is logged and the others still go.

`bot.pictures` (matplotlib, about 0.5 s to import) is imported with this module, at start-up,
and by the worker process when it starts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import date

from bot.evidence.curve.model import LossCurve
from bot.models import ProposalRecord
from bot.pictures import (
    Picture,
    SwingBar,
    gates_picture,
    loss_curve_picture,
    timing_picture,
    tornado_picture,
)
from bot.services.outbox import ThreadLines
from bot.services.uncertainty import UncertaintyCache
from bot.services.worker import in_worker
from core.evaluation import Evaluation
from core.proposal import Proposal
from core.uncertainty import Uncertainty, value_text

logger = logging.getLogger(__name__)

SWING_LABELS = {
    "projected_lift_pct": "Projected lift",
    "dataset_examples": "Training rows",
    "label_accuracy_pct": "Label accuracy",
    "diversity_pct": "Diversity",
    "duplicate_pct": "Duplicates",
    "engineers": "Engineers",
    "engineering_days": "Sprint days",
    "compute_cost_usd": "Compute cost",
    "projected_revenue_usd": "Revenue",
    "delivery_days": "Delivery days",
    "latency_ms": "Latency",
    "prompt_result": "Prompt-only result",
}
TYPED_LOSSES = "the validation losses"
Today = Callable[[], date]
CurveSource = Callable[[ProposalRecord], Awaitable[str | None]]


def verdict_pictures(
    proposal: Proposal,
    evaluation: Evaluation,
    *,
    uncertainty: Uncertainty | None,
    curve_source: str | None,
    today: date,
    fiscal_year_start_month: int,
) -> list[Picture]:
    """The verdict's pictures, in the order they are posted (pure; run it in a thread)."""
    pictures = []
    if proposal.validation_losses:
        curve = LossCurve(
            source=curve_source or TYPED_LOSSES,
            kind="trainer_state",
            metric="eval_loss" if curve_source else "validation loss",
            validation_losses=tuple(float(loss) for loss in proposal.validation_losses),
        )
        pictures.append(loss_curve_picture(curve, evaluation.policy, proposal.planned_epochs))
    pictures.append(gates_picture(evaluation))
    pictures.append(
        timing_picture(
            proposal, evaluation, today=today, fiscal_year_start_month=fiscal_year_start_month
        )
    )
    if uncertainty is not None:
        pictures.append(tornado_picture(uncertainty.approve_probability, swing_bars(uncertainty)))
    return pictures


def swing_bars(uncertainty: Uncertainty) -> list[SwingBar]:
    """The tornado's bars: each ranged field with P(approve) at its low and its high."""
    return [
        SwingBar(
            label=SWING_LABELS[swing.field],
            low_label=value_text(swing.field, swing.low),
            high_label=value_text(swing.field, swing.high),
            probability_at_low=swing.approve_probability_at_low,
            probability_at_high=swing.approve_probability_at_high,
        )
        for swing in uncertainty.swing
    ]


class VerdictPictures:
    """Renders a posted verdict's pictures and queues their upload in its thread."""

    def __init__(
        self,
        *,
        lines: ThreadLines,
        uncertainty: UncertaintyCache,
        today: Today,
        fiscal_year_start_month: int,
        curve_source: CurveSource,
        enabled: bool = True,
    ) -> None:
        self._lines = lines
        self._uncertainty = uncertainty
        self._today = today
        self._fiscal_year_start_month = fiscal_year_start_month
        self._curve_source = curve_source
        self._enabled = enabled

    @property
    def enabled(self) -> bool:
        """Whether verdicts get pictures."""
        return self._enabled

    def post(self, record: ProposalRecord) -> None:
        """Start rendering the record's pictures and queue them in its thread now."""
        if not self._enabled:
            return
        rendering = asyncio.ensure_future(self._render(record))
        label = f"pictures of proposal #{record.id}, revision {record.revision}"
        self._lines.upload(record.id, rendering, label=label)

    async def _render(self, record: ProposalRecord) -> list[Picture]:
        uncertainty = await self._uncertainty.of(record.proposal, record.evaluation.policy)
        curve_source = await self._curve_source(record)
        return await in_worker(
            verdict_pictures,
            record.proposal,
            record.evaluation,
            uncertainty=uncertainty,
            curve_source=curve_source,
            today=self._today(),
            fiscal_year_start_month=self._fiscal_year_start_month,
        )
