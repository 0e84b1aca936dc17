"""How fast the engine evaluates, against a bare ``Proposal.model_validate`` of the same input.

Prints evaluations per second of ``core.evaluate`` (checks, flips and script included) and of
``Proposal.model_validate`` alone, medians over several rounds, and the median of their ratio
(both measured side by side in each round, in CPU time). The inputs are
the shared worked cases plus generated proposals that fail many gates. It measures; it never
asserts (the goal is a ratio of at most 10).
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from core import Policy, Proposal, evaluate

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 9
GENERATED = 200


def shared_cases() -> list[dict[str, Any]]:
    """The proposals of the worked cases (tests/cases)."""
    folder = ROOT / "tests" / "cases"
    return [json.loads(path.read_text())["proposal"] for path in sorted(folder.glob("*.json"))]


def failing_proposal(rng: random.Random) -> dict[str, Any]:
    """A valid proposal whose numbers sit mostly on the wrong side of the gates."""
    proposal: dict[str, Any] = {
        "title": "Generated",
        "projected_lift_pct": round(rng.uniform(0, 8), 2),
        "dataset_examples": rng.randrange(10_000, 400_000),
        "label_accuracy_pct": round(rng.uniform(50, 100), 1),
        "diversity_pct": round(rng.uniform(50, 100), 1),
        "duplicate_pct": round(rng.uniform(0, 50), 1),
        "engineers": rng.randrange(1, 6),
        "engineering_days": round(rng.uniform(3, 30), 1),
        "compute_cost_usd": round(rng.uniform(0, 20_000), 2),
        "projected_revenue_usd": round(rng.uniform(0, 300_000), 2),
        "delivery_days": rng.randrange(10, 120),
        "latency_ms": round(rng.uniform(50, 250), 1),
        "prompt_result": round(rng.uniform(50, 90), 1),
        "target_result": 85.0,
        "validation_losses": [round(rng.uniform(0.3, 1.0), 3) for _ in range(rng.randrange(3, 15))],
        "metric_locks": [
            {"name": "reduction in false positives", "comparator": ">=", "threshold": 0.4,
             "achieved": round(rng.uniform(0, 1), 2), "unit": "%"},
            {"name": "latency", "comparator": "<=", "threshold": 120,
             "achieved": round(rng.uniform(80, 160), 1), "unit": "ms"},
        ],
    }  # fmt: skip
    if rng.random() < 0.5:
        proposal["prompt_maintenance_hours_per_week"] = round(rng.uniform(0, 12), 1)
    return proposal


def per_second(action: Any, inputs: list[Any]) -> float:
    """Operations per second of ``action`` over every input, one pass, in this process's CPU
    time (other processes on a shared machine do not count)."""
    started = time.process_time()
    for item in inputs:
        action(item)
    return len(inputs) / (time.process_time() - started)


def measure(label: str, raw: list[dict[str, Any]], policy: Policy) -> float:
    """Print the median rates and the median ratio of the two, measured side by side per round."""
    proposals = [Proposal.model_validate(item) for item in raw]
    repeat = max(1, 2000 // len(raw))
    validate_rates, evaluate_rates, ratios = [], [], []
    for _ in range(ROUNDS):
        validated = per_second(Proposal.model_validate, raw * repeat)
        evaluated = per_second(lambda p: evaluate(p, policy), proposals * repeat)
        validate_rates.append(validated)
        evaluate_rates.append(evaluated)
        ratios.append(validated / evaluated)
    ratio = statistics.median(ratios)
    print(
        f"{label:<28} model_validate {statistics.median(validate_rates):>9,.0f}/s   "
        f"evaluate {statistics.median(evaluate_rates):>8,.0f}/s   "
        f"evaluate costs {ratio:4.1f}× a validation"
    )
    return ratio


def main() -> int:
    policy = Policy()
    rng = random.Random(20240601)
    cases = shared_cases()
    generated = [failing_proposal(rng) for _ in range(GENERATED)]
    print(f"{ROUNDS} rounds, medians; goal: evaluate ≤ 10× model_validate")
    measure(f"shared cases ({len(cases)})", cases, policy)
    measure(f"generated failing ({len(generated)})", generated, policy)
    measure("all together", cases + generated, policy)
    return 0


if __name__ == "__main__":
    sys.exit(main())
