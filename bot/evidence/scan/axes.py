"""Which Data Hygiene axes a scan meets under a policy (docs/framework.md's Data Hygiene gate).

The axes are label accuracy, diversity and uniqueness (100 − duplicate_pct), each against the
policy's `min_hygiene_axis_pct`, compared at 9 decimals as the engine compares them. Label
accuracy is not measured without audited rows; the team then supplies it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.evidence.scan.report import ScanReport
from core.figures import DECIMALS
from core.policy import Policy
from core.wording import exact, figure


@dataclass(frozen=True)
class Axis:
    """One Data Hygiene axis as measured: its value (None when not measured) and the minimum."""

    name: str
    value: float | None
    minimum: float

    @property
    def passes(self) -> bool | None:
        """Whether the value meets the minimum; None when it was not measured."""
        if self.value is None:
            return None
        return round(self.value, DECIMALS) >= round(self.minimum, DECIMALS)

    @property
    def shown(self) -> str:
        """The value in words ('83.4 %'), never rounded onto the other side of the minimum."""
        return "not measured" if self.value is None else f"{figure(self.value, self.minimum)} %"


def hygiene_axes(report: ScanReport, policy: Policy) -> tuple[Axis, Axis, Axis]:
    """Label accuracy, diversity and uniqueness against the policy's minimum, in that order."""
    minimum = policy.min_hygiene_axis_pct
    return (
        Axis("label accuracy", report.label_accuracy_pct, minimum),
        Axis("diversity", report.diversity_pct, minimum),
        Axis("uniqueness", report.uniqueness_pct, minimum),
    )


def verdict(report: ScanReport, policy: Policy) -> str:
    """One sentence: which axes fail the minimum, or that every measured one meets it."""
    axes = hygiene_axes(report, policy)
    minimum = exact(policy.min_hygiene_axis_pct, 1)
    failing = [axis for axis in axes if axis.passes is False]
    unmeasured = "" if axes[0].value is not None else _UNMEASURED
    if failing:
        named = ", ".join(f"{axis.name} {axis.shown}" for axis in failing)
        return f"Fails the {minimum} % Data Hygiene minimum on {named}.{unmeasured}"
    return f"Every measured Data Hygiene axis meets the {minimum} % minimum.{unmeasured}"


_UNMEASURED = (
    " Label accuracy was not measured (no audited rows with a gold label): the team must supply it."
)
