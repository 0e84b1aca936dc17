"""A training run's loss per whole epoch, and what the over-fitting check reads off it."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.rules import rise_after_best

Loss = Annotated[float, Field(ge=0, allow_inf_nan=False)]
SourceKind = Literal["trainer_state", "tensorboard", "mlflow"]


class LossCurve(BaseModel):
    """Validation loss per epoch (epoch 1 first), with the training loss where it was logged."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    source: Annotated[str, Field(min_length=1)]
    kind: SourceKind
    metric: Annotated[str, Field(min_length=1)]
    validation_losses: Annotated[tuple[Loss, ...], Field(min_length=1, max_length=1000)]
    training_losses: tuple[Loss | None, ...] | None = None
    """Aligned with ``validation_losses``: ``None`` for an epoch that logged no training loss."""

    @property
    def epochs(self) -> list[int]:
        """The epoch numbers, 1 to n."""
        return list(range(1, len(self.validation_losses) + 1))

    @property
    def best_epoch(self) -> int:
        """The first epoch of the lowest validation loss."""
        return rise_after_best(self.validation_losses)[0]

    @property
    def best_loss(self) -> float:
        """The lowest validation loss."""
        return min(self.validation_losses)

    @property
    def rise_after_best_pct(self) -> float:
        """The largest rise after the best epoch, in % of the best, as the over-fitting check
        computes it (0 without a rise, infinite from a best loss of 0)."""
        return rise_after_best(self.validation_losses)[1]

    @property
    def peak_after_best_epoch(self) -> int | None:
        """The epoch of the highest loss after the best one, or ``None`` without a rise."""
        later = self.validation_losses[self.best_epoch :]
        if not later or max(later) == self.best_loss:
            return None
        return self.best_epoch + later.index(max(later)) + 1

    def as_json(self) -> dict[str, Any]:
        """The ``curve`` command's JSON: an infinite rise is written as ``null``."""
        rise = self.rise_after_best_pct
        return {
            "source": self.source,
            "metric": self.metric,
            "epochs": self.epochs,
            "validation_losses": list(self.validation_losses),
            "best_epoch": self.best_epoch,
            "rise_after_best_pct": None if math.isinf(rise) else rise,
        }
