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

from bot.models import ProposalRecord
from bot.pictures import Picture
from bot.pictures.verdict import entered_curve
from bot.pictures.verdict import verdict_pictures as pictures_of_verdict
from bot.services.outbox import ThreadLines
from bot.services.uncertainty import UncertaintyCache
from bot.services.worker import in_worker
from core.evaluation import Evaluation
from core.proposal import Proposal
from core.uncertainty import Uncertainty

logger = logging.getLogger(__name__)

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
    """The verdict's pictures, as the worker process renders them (pure)."""
    curve = entered_curve(proposal, curve_source or TYPED_LOSSES)
    if curve is not None and curve_source:
        curve = curve.model_copy(update={"metric": "eval_loss"})
    return pictures_of_verdict(
        proposal,
        evaluation,
        uncertainty=uncertainty,
        curve=curve,
        today=today,
        fiscal_year_start_month=fiscal_year_start_month,
    )


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
