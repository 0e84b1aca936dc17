"""What a PM reads aloud for every worked case, the same on every surface: the CLI's text,
its Markdown decision record, the JSON script and the Slack message.

Every expected string here is written by hand from the case's numbers (the arithmetic is in the
comments), not produced by the code under test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.blocks.verdict import verdict_message
from core.engine import evaluate
from tests.worked_cases import case_names, worked_case

ROOT = Path(__file__).resolve().parents[2]
LIFT_OR_FLAG = (
    "Reach the gain with prompt engineering or a feature-flag toggle instead of fine-tuning."
)
GO_AHEAD = "Go ahead with the fine-tune."


@dataclass(frozen=True)
class Said:
    """The top of every rendering, line by line, and the talking-point script."""

    headline: str
    advice: str
    script: str
    why: str | None = None
    to_approve: str | None = None
    also_failing: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [self.headline]
        if self.why:
            lines.append(f"Why: {self.why}")
        lines.append(f"Advice: {self.advice}")
        if self.to_approve:
            lines.append(f"To approve: {self.to_approve}")
        if self.also_failing:
            lines.append(f"Also failing: {' and '.join(self.also_failing)}.")
        return lines


def _rejection(why: str, advice: str, to_approve: str, spoken: str, **rest: list[str]) -> Said:
    return Said(
        headline="Engine: reject",
        why=why,
        advice=advice,
        to_approve=to_approve,
        script=f"{why} {advice} It would approve {spoken}.",
        **rest,  # type: ignore[arg-type]
    )


SAID: dict[str, Said] = {
    # 7.2 % × 1.00 clean ÷ 12 days = exactly 0.60, which does not exceed 0.60: a hair more lift.
    "boundaries-all-exact": _rejection(
        "Weighted lift 0.60 pp/day (7.2 % lift × 1.00 clean ÷ 12 days) does not exceed the "
        "0.60 pp/day minimum.",
        LIFT_OR_FLAG,
        "projected lift ≥ 7.3 %.",
        "with projected lift of at least 7.3 %",
    ),
    # 84 / 85 = 0.99 of the target at 10 h/week: past 8 h/week the fine-tune is cheaper.
    # Cost 2 × 6 × 28 000 / 24 + 5 000 = 19 000; 300 000 × 60/90 = 200 000 → 10.53×.
    "conversational-prompt-upkeep-too-high": Said(
        headline="Engine: approve",
        advice=GO_AHEAD,
        script="Our fine-tuned model lifts intent accuracy by 6.0 %, runs at 120 ms against the "
        "150 ms SLA and returns a timing-adjusted ROI of 10.53×. Prompt engineering would need "
        "10 h/week of upkeep, so over time the fine-tune is the cheaper route.",
    ),
    # 0.99 of the target at 4 h/week of upkeep: the prompt route replaces the fine-tune.
    "conversational-prompt-wins": _rejection(
        "Prompt engineering alone reaches 84 against the fine-tuned target 85 (ratio 0.99, "
        "above 0.90) with 4 h/week of upkeep, within 8 h/week, so it can replace the fine-tune.",
        "Spend the engineering days on a prompt-testing harness instead of fine-tuning.",
        "only if the prompt route really needs more than 8 h/week of upkeep.",
        "only if the prompt route really needs more than 8 h/week of upkeep",
    ),
    "fraud-metric-lock": Said(
        headline="Engine: approve",
        advice=GO_AHEAD,
        script="Our fine-tuned model satisfies the dual threshold set for this quarter: "
        "reduction in false positives at 5.3 % against a locked ≥ 0.4 % and latency at 115 ms "
        "against a locked ≤ 120 ms.",
    ),
    # 8.0 % × 0.70 clean ÷ 12 days = 0.47; the sprint must be under 8 × 0.7 / 0.6 = 9.33 days
    # (−22 %), the lift above 0.6 × 12 / 0.7 = 10.29 % (+29 %).
    "noisy-150k": _rejection(
        "Weighted lift 0.47 pp/day (8.0 % lift × 0.70 clean ÷ 12 days) does not exceed the "
        "0.60 pp/day minimum.",
        LIFT_OR_FLAG,
        "sprint length ≤ 9.3 days.",
        "with sprint length of at most 9.3 days",
    ),
    # Lift 4 %, clean 0.95 × 0.95 = 0.9025: the lift must exceed 0.6 × 12 / 0.9025 = 7.98 %.
    # Cost 33 000; ROI 2× needs a gain of 66 000 = 120 000 × (1 − d/90) → d ≤ 40.5 → 40 days.
    "q2-budget-timing": _rejection(
        "Projected lift 4.0 % is below the 5.0 % minimum.",
        LIFT_OR_FLAG,
        "projected lift ≥ 8.0 % and delivery time ≤ 40 days.",
        "with projected lift of at least 8.0 % and delivery time of at most 40 days",
        also_failing=["signal-weighted ROI", "timing-adjusted ROI"],
    ),
    "recommendation-widget-no-cache": _rejection(
        "Latency 180 ms is over the 150 ms SLA.",
        "Bring the latency within the SLA before asking again.",
        "latency ≤ 150 ms.",
        "with latency of at most 150 ms",
    ),
    # 2.1 / 6.2 = 0.34 of the target. Cost 2 × 8 × 28 000 / 24 + 5 000 = 23 666.67;
    # 300 000 × 60/90 = 200 000 → 8.45×.
    "recommendation-widget": Said(
        headline="Engine: approve",
        advice=GO_AHEAD,
        script="Our fine-tuned model lifts click-through rate by 6.2 %, runs at 140 ms against "
        "the 150 ms SLA and returns a timing-adjusted ROI of 8.45×. Prompt engineering alone "
        "reaches only 0.34 of the target, so it cannot replace the fine-tune.",
    ),
    # 45 % duplicates: uniqueness 55 %. With 30 % duplicates the clean proportion is
    # 0.92 × 0.70 = 0.644, and 7 × 0.644 / 0.6 = 7.51 days clears the weighted lift.
    "voice-assistant-duplicates": _rejection(
        "Uniqueness 55.0 % (45.0 % duplicates) is below the 70.0 % Data Hygiene minimum.",
        "Clean and de-duplicate the data first, and use prompt engineering meanwhile.",
        "duplicates ≤ 30.0 % and sprint length ≤ 7.5 days.",
        "with duplicates of at most 30.0 % and sprint length of at most 7.5 days",
        also_failing=["signal-weighted ROI"],
    ),
}


def test_every_worked_case_has_its_expected_telling() -> None:
    assert sorted(SAID) == sorted(case_names())


def cli(name: str, output: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "evaluate", f"examples/{name}.toml", "--format", output],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize("name", sorted(SAID))
def test_the_text_report_opens_with_what_is_said(name: str) -> None:
    lines = cli(name, "text").splitlines()
    expected = SAID[name].lines()
    assert lines[1 : 1 + len(expected)] == expected
    if SAID[name].headline == "Engine: approve":
        assert SAID[name].script in " ".join(cli(name, "text").split())


@pytest.mark.parametrize("name", sorted(SAID))
def test_the_markdown_record_opens_with_what_is_said(name: str) -> None:
    markdown = cli(name, "markdown")
    headline, *rest = SAID[name].lines()
    opening = markdown.split("\n\n## Inputs")[0].split("\n\n")[1:]
    assert opening == [f"**{headline}**", *rest]


@pytest.mark.parametrize("name", sorted(SAID))
def test_the_json_script_argues_with_the_real_reason(name: str) -> None:
    assert json.loads(cli(name, "json"))["script"] == SAID[name].script


@pytest.mark.parametrize("name", sorted(SAID))
def test_the_slack_message_opens_with_what_is_said(name: str) -> None:
    case = worked_case(name)
    said = SAID[name]
    message = verdict_message(
        proposal_id=7,
        proposal=case.proposal,
        evaluation=evaluate(case.proposal, case.policy),
        author_id="U1",
    )
    assert message.blocks[0]["text"]["text"] == f"{said.headline} · {case.proposal.title}"
    summary = message.blocks[1]["text"]["text"]
    bolded = [line.replace(": ", ":* ", 1) for line in said.lines()[1:]]
    assert summary == "\n".join(f"*{line}" for line in bolded)
