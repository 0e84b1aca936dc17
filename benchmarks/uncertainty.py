"""What P(approve) costs: 100 000 scenarios of a proposal with every field ranged, vectorised,
against looping ``core.evaluate`` over the same scenarios.

Prints, as medians of several rounds in this process's CPU time (other processes on a shared
machine do not count):

* ``simulate`` also at the CLI's default (20 000) and most (1 000 000) scenarios;
* ``draw_scenarios`` alone, ``evaluate_scenarios`` alone (one batch: every scenario's verdict
  and gate statuses), and ``simulate`` (draws, the batch and the two batches of each of the 12
  swing fields, which re-decide only the gates the field feeds);
* the scalar loop, ``evaluate(proposal.model_copy(update=...))`` per scenario, timed on a
  subset and scaled to 100 000 (it runs at ~10 000 a second), for one batch and for the
  25 batches a ``simulate`` amounts to;
* the ratios, and the import of numpy and ``core.scenarios`` in a fresh interpreter, which a
  CLI evaluation with ranges pays once.

It measures; it never asserts. The goal: 100 000 scenarios, swings included, add at most 0.5 s
to a CLI evaluation.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from core import Policy, Proposal, evaluate  # noqa: E402
from core.scenarios import (  # noqa: E402
    DEFAULT_SCENARIOS,
    MAX_SCENARIOS,
    draw_scenarios,
    evaluate_scenarios,
    scenario_update,
    simulate,
)

SCENARIOS = 100_000
LOOP_SUBSET = 3_000
ROUNDS = 7
IMPORT_ROUNDS = 5

PROPOSAL: dict[str, Any] = {
    "title": "Fraud classifier fine-tune, every estimate ranged",
    "projected_lift_pct": 6.0,
    "dataset_examples": 150_000,
    "label_accuracy_pct": 97.0,
    "diversity_pct": 85.0,
    "duplicate_pct": 3.0,
    "engineers": 2,
    "engineering_days": 6.0,
    "compute_cost_usd": 5_000.0,
    "projected_revenue_usd": 300_000.0,
    "delivery_days": 30,
    "latency_ms": 120.0,
    "prompt_result": 70.0,
    "target_result": 85.0,
    "metric_locks": [
        {"name": "false positives", "comparator": ">=", "threshold": 0.4, "achieved": 5.3},
        {"name": "latency", "comparator": "<=", "threshold": 130, "achieved": 120},
    ],
    "ranges": {
        "projected_lift_pct": [4, 9],
        "dataset_examples": [90_000, 200_000],
        "label_accuracy_pct": [85, 99],
        "diversity_pct": [65, 95],
        "duplicate_pct": [1, 12],
        "engineers": [1, 4],
        "engineering_days": [4, 12],
        "compute_cost_usd": [2_000, 30_000],
        "projected_revenue_usd": [100_000, 400_000],
        "delivery_days": [20, 60],
        "latency_ms": [100, 170],
        "prompt_result": [60, 85],
    },
}


def cpu_seconds(action: Callable[[], object]) -> float:
    started = time.process_time()
    action()
    return time.process_time() - started


def median_seconds(action: Callable[[], object], rounds: int = ROUNDS) -> float:
    return statistics.median(cpu_seconds(action) for _ in range(rounds))


def import_seconds(statement: str) -> float:
    """Median CPU time (user + system) of a fresh interpreter running ``statement``."""
    times = []
    for _ in range(IMPORT_ROUNDS):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", statement], check=True, cwd=REPO)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(times)


def main() -> int:
    policy = Policy()
    proposal = Proposal.model_validate(PROPOSAL)
    columns = draw_scenarios(proposal, SCENARIOS)
    updates = [scenario_update(columns, index) for index in range(LOOP_SUBSET)]

    def scalar_loop() -> None:
        for update in updates:
            evaluate(proposal.model_copy(update=update), policy)

    draw = median_seconds(lambda: draw_scenarios(proposal, SCENARIOS))
    batch = median_seconds(lambda: evaluate_scenarios(proposal, policy, columns))
    simulated = median_seconds(lambda: simulate(proposal, policy, scenarios=SCENARIOS))
    at_default = median_seconds(lambda: simulate(proposal, policy, scenarios=DEFAULT_SCENARIOS))
    at_most = median_seconds(lambda: simulate(proposal, policy, scenarios=MAX_SCENARIOS), 3)
    loop = median_seconds(scalar_loop, rounds=3) * SCENARIOS / LOOP_SUBSET
    batches = 1 + 2 * len(proposal.ranges or {})
    bare = import_seconds("import core")
    with_numpy = import_seconds("import core, core.scenarios")
    uncertainty = simulate(proposal, policy, scenarios=SCENARIOS)

    print(f"{SCENARIOS:,} scenarios, {len(proposal.ranges or {})} ranged fields; medians of")
    print(f"{ROUNDS} rounds, CPU time (the scalar loop: {LOOP_SUBSET:,} scenarios, scaled)")
    rows = [
        ("draw_scenarios", draw, ""),
        ("evaluate_scenarios, 1 batch", batch, ""),
        (f"simulate, {batches} batches (swings)", simulated, ""),
        (f"simulate, {DEFAULT_SCENARIOS:,} (the default)", at_default, ""),
        (f"simulate, {MAX_SCENARIOS:,} (the most)", at_most, ""),
        ("scalar loop, 1 batch", loop, f"   ({SCENARIOS / loop:,.0f} evaluations/s)"),
        (f"scalar loop, {batches} batches", loop * batches, ""),
    ]
    for label, seconds, note in rows:
        print(f"  {label:<34} {seconds * 1e3:10,.1f} ms{note}")
    print(f"  vectorised batch is {loop / batch:,.0f}× faster than the loop;")
    print(f"  simulate is {loop * batches / simulated:,.0f}× faster than looping its batches")
    print(
        f"  import core {bare * 1e3:.0f} ms, with core.scenarios (numpy) {with_numpy * 1e3:.0f} ms "
        f"(+{(with_numpy - bare) * 1e3:.0f} ms, CPU time of a fresh interpreter)"
    )
    added = simulated + with_numpy - bare
    print(f"  added to a CLI evaluation: {added * 1e3:.0f} ms (goal: at most 500 ms)")
    print(f"  P(approve) {uncertainty.approve_probability:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
