"""How long each picture takes to render: the median of several renders, in wall-clock ms.

Renders the loss curve, the gates, the timing and the tornado for the worked case with a
validation curve (voice-assistant-duplicates), 20 times each after one warm-up render, and
prints the median, the fastest and the slowest render and the PNG's size. A baseline measured
in the same run — an empty 1200 × 700 figure saved as PNG — shows what the canvas alone costs.
It measures; it never asserts.

    .venv/bin/python benchmarks/plots.py [RENDERS]
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.evidence.curve import LossCurve  # noqa: E402
from bot.pictures import (  # noqa: E402
    Picture,
    SwingBar,
    gates_picture,
    loss_curve_picture,
    timing_picture,
    tornado_picture,
)
from bot.pictures.canvas import figure_and_axes, render  # noqa: E402
from core import Policy, Proposal, evaluate  # noqa: E402

RENDERS = 20
CASE = ROOT / "tests" / "cases" / "voice-assistant-duplicates.json"
SWING = [
    SwingBar(label="Delivery days", low_label="20 days", high_label="60 days",
             probability_at_low=0.92, probability_at_high=0.18),
    SwingBar(label="Projected lift", low_label="4 %", high_label="9 %",
             probability_at_low=0.30, probability_at_high=0.80),
    SwingBar(label="Engineering days", low_label="8 days", high_label="20 days",
             probability_at_low=0.71, probability_at_high=0.48),
    SwingBar(label="Latency", low_label="120 ms", high_label="170 ms",
             probability_at_low=0.64, probability_at_high=0.55),
]  # fmt: skip


def pictures() -> dict[str, Callable[[], Picture]]:
    """The four pictures of one proposal, each as a render to time."""
    document = json.loads(CASE.read_text())
    proposal = Proposal.model_validate(document["proposal"])
    policy = Policy.model_validate(document.get("policy") or {})
    evaluation = evaluate(proposal, policy)
    curve = LossCurve(
        source=CASE.name,
        kind="trainer_state",
        metric="eval_loss",
        validation_losses=tuple(proposal.validation_losses or ()),
    )
    return {
        "empty canvas (baseline)": _empty_canvas,
        "loss curve": lambda: loss_curve_picture(curve, policy, proposal.planned_epochs),
        "gates": lambda: gates_picture(evaluation),
        "timing": lambda: timing_picture(
            proposal, evaluation, today=date(2026, 2, 10), fiscal_year_start_month=1
        ),
        "tornado": lambda: tornado_picture(0.62, SWING),
    }


def _empty_canvas() -> Picture:
    figure, _ = figure_and_axes("", xlabel="", ylabel="")
    return render(figure, filename="empty.png", title="", alt_text="")


def timings(draw: Callable[[], Picture], renders: int) -> tuple[list[float], int]:
    """Wall-clock ms of each render (after one warm-up), and the PNG's size in bytes."""
    size = len(draw().png)
    spent = []
    for _ in range(renders):
        start = time.perf_counter()
        draw()
        spent.append((time.perf_counter() - start) * 1000)
    return spent, size


def main(argv: list[str]) -> int:
    renders = int(argv[0]) if argv else RENDERS
    print(f"render time per picture, {renders} renders each (ms; wall clock)")
    print(f"{'picture':<26}{'median':>8}{'min':>8}{'max':>8}{'× canvas':>10}{'PNG KB':>9}")
    baseline = None
    for name, draw in pictures().items():
        spent, size = timings(draw, renders)
        median = statistics.median(spent)
        baseline = baseline or median
        print(
            f"{name:<26}{median:>8.1f}{min(spent):>8.1f}{max(spent):>8.1f}"
            f"{median / baseline:>10.1f}{size / 1024:>9.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
