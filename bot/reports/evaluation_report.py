"""Plain-text and Markdown renderings of an evaluation for the CLI (pure functions).

Both render `core.telling`: the engine's verdict, the reason, the advice, the combination that
approves and the other failures first; then the checks, the key figures, the options per gate,
the talking points (for an approval: a rejection's script is the lines at the top) and the
policy. Every figure is written by `core.wording`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from bot.reports.terminal import TerminalText
from core.evaluation import Evaluation, Status, Verdict
from core.policy import Policy
from core.proposal import MetricLock, Proposal
from core.telling import Telling, check_figures, tell
from core.wording import capitalised, check_name, exact, field_value, field_words, joined

POLICY_DEFAULTED_FIELDS = ("engineer_day_cost_usd", "revenue_horizon_days", "latency_sla_ms")

STATUS_STYLES: dict[Status, str] = {
    Status.PASS: "green",
    Status.FAIL: "bold red",
    Status.WARN: "yellow",
    Status.NOT_APPLICABLE: "dim",
}
STATUS_WORDS: dict[Status, str] = {
    Status.PASS: "pass",
    Status.FAIL: "FAIL",
    Status.WARN: "warn",
    Status.NOT_APPLICABLE: "n/a",
}
NO_OPTIONS = "Nothing to flip: no gate fails."


@dataclass(frozen=True, slots=True)
class PictureLink:
    """A picture written beside the report: where it is, its title and its finding."""

    path: str
    title: str
    alt_text: str


@dataclass(frozen=True, slots=True)
class Additions:
    """What the command line adds to an evaluation's report: how sure the verdict is (one
    sentence), where measured figures came from (one sentence per source), the pictures."""

    uncertainty: str | None = None
    evidence: Sequence[str] = ()
    pictures: Sequence[PictureLink] = ()

    def top_lines(self) -> list[str]:
        """The lines shown right after the verdict's."""
        return [*([self.uncertainty] if self.uncertainty else []), *self.evidence]


NOTHING_ADDED = Additions()


def summary_lines(telling: Telling) -> list[str]:
    """The lines every rendering starts with: verdict, reason, advice, what would approve."""
    lines = [telling.headline]
    if telling.reason:
        lines.append(f"Why: {telling.reason}")
    lines.append(f"Advice: {telling.advice}")
    if telling.to_approve:
        lines.append(telling.to_approve)
    if telling.also_failing:
        lines.append(f"Also failing: {joined(telling.also_failing)}.")
    return lines


def check_rows(proposal: Proposal, evaluation: Evaluation) -> list[tuple[str, ...]]:
    """One row per check: its name, kind, status, value, threshold and message."""
    rows: list[tuple[str, ...]] = []
    for check in evaluation.checks:
        value, threshold = check_figures(check, proposal)
        name = capitalised(check_name(check.id.value))
        kind = "advisory" if check.kind.value == "advisory" else "gate"
        rows.append((name, kind, STATUS_WORDS[check.status], value, threshold, check.message))
    return rows


def input_rows(proposal: Proposal, policy: Policy) -> list[tuple[str, str]]:
    """The proposal's inputs as (name, value) pairs; policy defaults are marked as such."""
    rows: list[tuple[str, str]] = [("title", proposal.title), ("KPI", proposal.kpi_name)]
    ranges = proposal.ranges or {}
    for name in Proposal.model_fields:
        value = getattr(proposal, name)
        if name in ("title", "kpi_name", "ranges"):
            continue
        if name == "metric_locks":
            rows.extend(_lock_rows(proposal.metric_locks))
        elif value is None and name in POLICY_DEFAULTED_FIELDS:
            shown = field_value(name, getattr(policy, name))
            rows.append((field_words(name).name, f"{shown} (policy default)"))
        elif value is not None:
            shown = _input(name, value)
            if name in ranges:
                shown += f" (range {range_text(name, *ranges[name])})"
            rows.append((field_words(name).name, shown))
    return rows


def range_text(field: str, low: float, high: float) -> str:
    """A range as people read it: ``100–170 ms``, ``30–50 days``, ``$100,000–$160,000`` (the
    unit once when both ends share it)."""
    low_text, high_text = field_value(field, low), field_value(field, high)
    low_number, _, low_unit = low_text.partition(" ")
    high_number, _, high_unit = high_text.partition(" ")
    if low_unit and low_unit == high_unit:
        return f"{low_number}–{high_number} {high_unit}"
    return f"{low_text}–{high_text}"


def _input(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(exact(item) for item in value)
    if isinstance(value, int | float):
        return field_value(name, value)
    return str(value)


def lock_sentence(lock: MetricLock) -> str:
    """A metric lock: ``latency ≤ 120 ms (achieved 115 ms: met)``."""
    unit = f" {lock.unit}" if lock.unit else ""
    sign = "≥" if lock.comparator == ">=" else "≤"
    met = "met" if lock.met else "not met"
    return (
        f"{lock.name} {sign} {exact(lock.threshold)}{unit} "
        f"(achieved {exact(lock.achieved)}{unit}: {met})"
    )


def _lock_rows(locks: list[MetricLock]) -> list[tuple[str, str]]:
    return [(f"Metric-Lock {number}", lock_sentence(lock)) for number, lock in enumerate(locks, 1)]


def policy_rows(policy: Policy) -> list[tuple[str, str]]:
    """The policy's keys (as a policy file names them) and values."""
    return [(name, exact(value)) for name, value in policy.model_dump().items()]


# --- text --------------------------------------------------------------------------------------


def render_text(
    proposal: Proposal,
    evaluation: Evaluation,
    *,
    width: int = 110,
    color: bool = False,
    additions: Additions = NOTHING_ADDED,
) -> str:
    """The evaluation as a readable report for a terminal or a debrief doc.

    The summary at the top is written a sentence per line, unwrapped (the terminal wraps it),
    so it reads back, and copies, as whole sentences."""
    telling = tell(proposal, evaluation)
    terminal = TerminalText(width=width, color=color)
    console = terminal.console
    headline, *summary = summary_lines(telling)
    style = "bold green" if evaluation.verdict is Verdict.APPROVE else "bold red"
    console.print(Text(f"Fine-tuning check: {proposal.title}", style="bold"), soft_wrap=True)
    console.print(Text(headline, style=style))
    for line in [*summary, *additions.top_lines()]:
        console.print(Text(line), soft_wrap=True)
    console.print(_text_details(proposal, evaluation, telling))
    if additions.pictures:  # last, each path on one line (unwrapped) so it copies whole
        console.print(Text("\nPictures written", style="bold"))
        for picture in additions.pictures:
            console.print(Text(f"  - {picture.path}: {picture.title}"), soft_wrap=True)
    return terminal.text()


def _text_details(proposal: Proposal, evaluation: Evaluation, telling: Telling) -> RenderableType:
    parts: list[RenderableType] = [
        Text(""),
        _checks_table(proposal, evaluation),
        _pairs_table("Key figures", ("figure", "value"), telling.figures),
        Text("What would flip it", style="bold"),
        *_indented(telling.options or [NO_OPTIONS]),
        Text(""),
    ]
    if evaluation.verdict is Verdict.APPROVE:
        parts += [Text("Talking points", style="bold"), *_indented([evaluation.script]), Text("")]
    parts.append(Text(f"Policy hash {evaluation.policy.hash}", style="dim"))
    return Group(*parts)


def _indented(lines: Iterable[str]) -> list[RenderableType]:
    return [Padding(Text(f"- {line}"), (0, 0, 0, 2)) for line in lines]


def _checks_table(proposal: Proposal, evaluation: Evaluation) -> Table:
    table = Table(title="Checks", title_justify="left", box=box.SIMPLE_HEAD, expand=False)
    for heading in ("check", "kind", "status", "value", "threshold", "message"):
        table.add_column(heading, overflow="fold")
    for check, cells in zip(evaluation.checks, check_rows(proposal, evaluation), strict=True):
        row = [Text(cell) for cell in cells]
        row[2].stylize(STATUS_STYLES[check.status])
        table.add_row(*row)
    return table


def _pairs_table(title: str, headers: tuple[str, str], rows: Iterable[tuple[str, str]]) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    for heading in headers:
        table.add_column(heading)
    for label, value in rows:
        table.add_row(Text(label), Text(value))
    return table


# --- Markdown ----------------------------------------------------------------------------------


def render_markdown(
    proposal: Proposal, evaluation: Evaluation, *, additions: Additions = NOTHING_ADDED
) -> str:
    """The evaluation as a ready decision record in Markdown (no dates in it); pictures are
    linked by their paths as given."""
    telling = tell(proposal, evaluation)
    headline, *summary = summary_lines(telling)
    top = [*summary, *additions.top_lines()]
    sections = [
        f"# Fine-tuning decision record: {md_inline(proposal.title)}",
        f"**{headline}**\n\n" + "\n\n".join(md_inline(line) for line in top),
        "## Inputs\n\n" + md_table(("input", "value"), input_rows(proposal, evaluation.policy)),
        "## Checks\n\n"
        + md_table(
            ("check", "kind", "status", "value", "threshold", "message"),
            check_rows(proposal, evaluation),
        ),
        "## Key figures\n\n" + md_table(("figure", "value"), telling.figures),
        "## What would flip it\n\n"
        + "\n".join(f"- {md_inline(line)}" for line in telling.options or [NO_OPTIONS]),
    ]
    if additions.pictures:
        sections.append("## Pictures\n\n" + "\n\n".join(map(md_image, additions.pictures)))
    if evaluation.verdict is Verdict.APPROVE:
        sections.append(f"## Talking points\n\n> {md_inline(evaluation.script)}")
    sections.append(
        f"## Policy\n\nPolicy hash `{evaluation.policy.hash}`.\n\n"
        + md_table(("key", "value"), policy_rows(evaluation.policy))
    )
    return "\n\n".join(sections) + "\n"


def md_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A Markdown table with escaped cells."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(md_cell(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def md_cell(text: str) -> str:
    """A table cell: pipes escaped, on one line."""
    return md_inline(text).replace("|", "\\|")


def md_inline(text: str) -> str:
    """Text kept on one line."""
    return " ".join(text.split())


_ALT_ESCAPES = str.maketrans({"\\": "\\\\", "[": "\\[", "]": "\\]"})


def md_image(picture: PictureLink) -> str:
    """``![finding](path)``: brackets in the alt text escaped, a path with spaces or
    parentheses in angle brackets."""
    alt = md_inline(picture.alt_text).translate(_ALT_ESCAPES)
    path = picture.path
    if any(character in path for character in " ()<>"):
        path = "<" + path.replace("<", "%3C").replace(">", "%3E") + ">"
    return f"![{alt}]({path})"


# --- the quarter -------------------------------------------------------------------------------


def render_quarter_text(report: dict[str, Any], delivery_days: int | None) -> str:
    """The `quarter` report (the JSON keys of docs/contracts.md) as a few plain lines."""
    lines = [
        f"FY{report['fiscal_year']} Q{report['quarter']}: {report['start']} to {report['close']}",
        f"Quarter close: {report['close']} ({_in_days(report['days_to_close'])})",
    ]
    if delivery_days is not None:
        lines.append(
            f"QIT deadline for a {delivery_days}-day delivery: {report['qit_deadline']} "
            f"({_in_days(report['days_to_qit_deadline'])})"
        )
    return "\n".join(lines) + "\n"


def _in_days(days: int) -> str:
    """A day count relative to today, in words."""
    if days == 0:
        return "today"
    if days > 0:
        return f"in {days} day{'s' if days != 1 else ''}"
    return f"passed {-days} day{'s' if days != -1 else ''} ago"
