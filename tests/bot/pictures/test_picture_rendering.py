"""Every picture decodes as a 1200 × 700 PNG that is drawn on, for the worked cases and the
edge cases; rendering needs no pyplot and gives the same bytes in worker threads."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest

from bot.evidence.curve import LossCurve
from bot.pictures import (
    Picture,
    SwingBar,
    gates_picture,
    loss_curve_picture,
    timing_picture,
    tornado_picture,
)
from core.engine import evaluate
from core.policy import Policy
from tests.bot.pictures.picture_kit import CASE_FILES, load_case, pixels
from tests.builders import approvable_proposal

TODAY = date(2026, 2, 10)
SWING = [
    SwingBar(
        label="Delivery days",
        low_label="20 days",
        high_label="60 days",
        probability_at_low=0.92,
        probability_at_high=0.18,
    ),
    SwingBar(
        label="Projected lift",
        low_label="4 %",
        high_label="9 %",
        probability_at_low=0.3,
        probability_at_high=0.8,
    ),
]


def assert_drawn(picture: Picture, filename: str) -> None:
    decoded = pixels(picture.png)
    assert decoded.size == (1200, 700)
    assert decoded.distinct_colours > 40  # text, lines and fills, anti-aliased
    assert decoded.ink_share > 0.01, decoded  # a bare titled frame inks 0.6 %
    assert picture.filename == filename
    assert picture.title
    assert 0 < len(picture.alt_text) <= 2000


def curve(*losses: float, training: tuple[float | None, ...] | None = None) -> LossCurve:
    return LossCurve(
        source="trainer_state.json",
        kind="trainer_state",
        metric="eval_loss",
        validation_losses=losses,
        training_losses=training,
    )


@pytest.mark.parametrize("path", CASE_FILES, ids=[path.stem for path in CASE_FILES])
def test_the_gates_of_every_worked_case_draw(path: Path) -> None:
    case = load_case(path)
    assert_drawn(gates_picture(case.evaluation), "gates.png")


@pytest.mark.parametrize("path", CASE_FILES, ids=[path.stem for path in CASE_FILES])
def test_the_timing_of_every_worked_case_draws(path: Path) -> None:
    case = load_case(path)
    picture = timing_picture(case.proposal, case.evaluation, today=TODAY, fiscal_year_start_month=1)
    assert_drawn(picture, "timing.png")


@pytest.mark.parametrize(
    "losses",
    [
        (0.9, 0.7, 0.58, 0.5, 0.46, 0.44, 0.43, 0.425, 0.43, 0.45, 0.48, 0.52),
        (0.42,),
        (0.5, 0.5, 0.5, 0.5),
        (0.2, 0.0, 0.1),
        (0.0,),
    ],
    ids=["overtrained", "single-epoch", "flat", "rise-from-zero", "single-zero"],
)
@pytest.mark.parametrize("planned", [None, 1, 12, 40])
def test_loss_curves_draw(losses: tuple[float, ...], planned: int | None) -> None:
    assert_drawn(loss_curve_picture(curve(*losses), Policy(), planned), "loss-curve.png")


def test_a_loss_curve_with_training_loss_gaps_draws() -> None:
    picture = loss_curve_picture(curve(0.5, 0.4, 0.45, training=(0.6, None, 0.2)), Policy(), 3)
    assert_drawn(picture, "loss-curve.png")


def test_the_gates_draw_when_every_gate_fails() -> None:
    assert_drawn(gates_picture(evaluate(hopeless_proposal(), Policy())), "gates.png")


def test_timing_draws_with_no_cost_and_an_unbounded_roi() -> None:
    proposal = approvable_proposal(compute_cost_usd=0.0, engineer_day_cost_usd=0.0)
    evaluation = evaluate(proposal, Policy())
    assert_drawn(gates_picture(evaluation), "gates.png")
    picture = timing_picture(proposal, evaluation, today=TODAY, fiscal_year_start_month=1)
    assert_drawn(picture, "timing.png")


def test_timing_draws_a_delivery_past_the_horizon_and_a_passed_deadline() -> None:
    proposal = approvable_proposal(delivery_days=400)
    evaluation = evaluate(proposal, Policy())
    picture = timing_picture(proposal, evaluation, today=TODAY, fiscal_year_start_month=4)
    assert_drawn(picture, "timing.png")


def test_timing_draws_with_no_revenue() -> None:
    proposal = approvable_proposal(projected_revenue_usd=0.0)
    evaluation = evaluate(proposal, Policy())
    picture = timing_picture(proposal, evaluation, today=TODAY, fiscal_year_start_month=1)
    assert_drawn(picture, "timing.png")


@pytest.mark.parametrize(
    ("probability", "swing"),
    [
        (0.62, SWING),
        (0.4, []),
        (0.97, [SWING[0].model_copy(update={"probability_at_low": 1.0})]),
        (0.0, [SWING[1].model_copy(update={"probability_at_low": 0.0})]),
    ],
    ids=["two-fields", "no-fields", "near-certain", "hopeless"],
)
def test_tornados_draw(probability: float, swing: list[SwingBar]) -> None:
    assert_drawn(tornado_picture(probability, swing), "tornado.png")


def test_rendering_in_worker_threads_gives_the_same_pictures_as_in_turn() -> None:
    case = load_case(CASE_FILES[-1])
    renders: list[Callable[[], Picture]] = [
        lambda: gates_picture(case.evaluation),
        lambda: timing_picture(
            case.proposal, case.evaluation, today=TODAY, fiscal_year_start_month=1
        ),
        lambda: loss_curve_picture(curve(0.9, 0.5, 0.52), case.policy, 8),
        lambda: tornado_picture(0.62, SWING),
    ]
    in_turn = [render().png for render in renders]
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(lambda render: render().png, renders * 3))
    assert threaded == in_turn * 3


def test_rendering_never_loads_pyplot() -> None:
    script = (
        "import sys\n"
        "from bot.pictures import tornado_picture\n"
        "tornado_picture(0.5, [])\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
    )
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=root, check=True
    )
    assert done.stdout.strip() == "False"


def hopeless_proposal() -> object:
    from core.proposal import MetricLock

    return approvable_proposal(
        projected_lift_pct=-3.0,
        dataset_examples=2000,
        label_accuracy_pct=40.0,
        diversity_pct=30.0,
        duplicate_pct=50.0,
        engineering_days=60.0,
        delivery_days=400,
        latency_ms=900.0,
        prompt_result=0.95,
        target_result=1.0,
        prompt_maintenance_hours_per_week=1.0,
        projected_revenue_usd=1000.0,
        metric_locks=[
            MetricLock(name="recall", comparator=">=", threshold=0.9, achieved=0.5),
            MetricLock(name="p95", comparator="<=", threshold=100, achieved=900, unit="ms"),
        ],
    )
