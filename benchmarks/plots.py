"""How long each picture takes to render, and whether rendering them in Slack moves the ack.

Part 1 renders the loss curve, the gates, the timing and the tornado for the worked case with a
validation curve (voice-assistant-duplicates), 20 times each after one warm-up render, and
prints the median, the fastest and the slowest render and the PNG's size. A baseline measured
in the same run — an empty 1200 × 700 figure saved as PNG — shows what the canvas alone costs.

Part 2 (skipped with `--no-ack`) runs two `python -m bot` processes in HTTP mode on SQLite
against one fake Slack process: pictures on, and pictures off (FINETUNE_CHECK_PICTURES=off).
It sends the same signed `/finetune-check` modal submissions to both, in slices taken in turn,
at each concurrency level, and prints p50/p99 of the time to the HTTP response (the ack) side
by side, with each process's CPU per submission (the rendering after the ack included) and the
uploads the fake Slack received. Each slice waits until the fake Slack has been quiet for a
second, so one app's renders never run into the other's slice. It measures; it never asserts.

    .venv/bin/python benchmarks/plots.py [RENDERS] [--no-ack] [--submissions 60] [--levels 1,8]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT, ROOT / "benchmarks"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

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


def render_table(renders: int) -> None:
    """Part 1: the render time of each picture."""
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


# --- part 2: the ack with pictures on and off --------------------------------------------------

ACK_ROUNDS = 6
ACK_WARM_UP = 6
QUIET_SECONDS = 1.0
SWITCH = "FINETUNE_CHECK_PICTURES"


async def ack_run(levels: list[int], submissions: int) -> None:
    """Start the fake Slack and the two apps, measure every level, print the table."""
    import harness
    from ack_latency import load, view_submissions

    async with harness.stack() as stack:
        fake, api_url = await stack.fake_slack()
        apps = {}
        for switch in ("on", "off"):
            url = f"sqlite+aiosqlite:///{stack.workdir / f'pictures-{switch}.db'}"
            database = harness.Database(switch, f"pictures {switch}", url, 1)
            await harness.prepare(database)
            env = {**harness.bot_environment(url, api_url), SWITCH: switch}
            apps[switch] = await stack.start_http(
                f"bot-pictures-{switch}", [sys.executable, "-m", "bot"], env
            )
        slices = 0

        async def measure(level: int, count: int) -> dict[str, tuple[list[float], float]]:
            nonlocal slices
            results: dict[str, tuple[list[float], float]] = {key: ([], 0.0) for key in apps}
            size = max(level, count // ACK_ROUNDS)
            for round_number in range(max(1, count // size)):
                order = list(apps) if round_number % 2 == 0 else list(reversed(apps))
                for key in order:
                    slices += 1
                    process = apps[key]
                    before = harness.cpu_seconds([process])
                    build = view_submissions(f"{key}{level}s{slices}n")
                    latencies = await load(lambda _n, p=process: p.events_url, build, size, level)
                    await harness.settle_fake_slack(fake.url, quiet=QUIET_SECONDS)
                    spent = harness.cpu_seconds([process]) - before
                    done, cpu = results[key]
                    results[key] = (done + latencies, cpu + spent)
            return results

        await measure(1, ACK_WARM_UP)
        rows = []
        for level in levels:
            rows.append((level, await measure(level, submissions)))
            print(f"measured concurrency {level}", file=sys.stderr, flush=True)
        counts = await _fake_counts(fake.url)
    _print_ack_table(rows, submissions, counts)


async def _fake_counts(fake_url: str) -> dict[str, int]:
    import aiohttp

    async with aiohttp.ClientSession() as http, http.get(f"{fake_url}/_counts") as response:
        return dict(await response.json())


def _print_ack_table(
    rows: list[tuple[int, dict[str, tuple[list[float], float]]]],
    submissions: int,
    counts: dict[str, int],
) -> None:
    import harness

    def ms(seconds: float) -> str:
        return f"{seconds * 1000:.1f}"

    print()
    print(
        f"ack latency of /finetune-check submissions (ms; time to the HTTP response), "
        f"{submissions} per app and concurrency; CPU per submission is the app process's, the "
        "work after the ack included (with pictures on: their uploads; the render itself runs "
        "in the worker process and is not in it)"
    )
    header = [
        "conc",
        "on p50",
        "on p99",
        "off p50",
        "off p99",
        "p50 ×",
        "p99 ×",
        "CPU on",
        "CPU off",
    ]
    print("".join(f"{cell:>9}" for cell in header))
    for level, results in rows:
        on, on_cpu = results["on"]
        off, off_cpu = results["off"]
        cells = [
            str(level),
            ms(harness.percentile(on, 0.5)),
            ms(harness.percentile(on, 0.99)),
            ms(harness.percentile(off, 0.5)),
            ms(harness.percentile(off, 0.99)),
            f"{harness.percentile(on, 0.5) / harness.percentile(off, 0.5):.2f}",
            f"{harness.percentile(on, 0.99) / harness.percentile(off, 0.99):.2f}",
            ms(on_cpu / len(on)),
            ms(off_cpu / len(off)),
        ]
        print("".join(f"{cell:>9}" for cell in cells))
    uploads = counts.get("files.completeUploadExternal", 0)
    posts = counts.get("chat.postMessage", 0)
    print(f"fake Slack received {posts} chat.postMessage and {uploads} completed uploads")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("renders", nargs="?", type=int, default=RENDERS)
    parser.add_argument("--no-ack", action="store_true", help="skip the ack latency part")
    parser.add_argument("--submissions", type=int, default=60, help="per app and level")
    parser.add_argument("--levels", default="1,8", help="concurrency levels, comma-separated")
    args = parser.parse_args(argv)
    render_table(args.renders)
    if not args.no_ack:
        import harness

        levels = [int(level) for level in args.levels.split(",")]
        harness.run_benchmark(lambda: ack_run(levels, args.submissions))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
