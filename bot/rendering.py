"""Plain-text and markdown renderings of an evaluation for the CLI (pure functions)."""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from typing import Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from core.evaluation import Check, CheckId, Evaluation, Flip, Recommendation, Status, Verdict
from core.policy import Policy
from core.proposal import MetricLock, Proposal

RECOMMENDATION_TEXT: dict[Recommendation, str] = {
    Recommendation.FINE_TUNE: "Fine-tune.",
    Recommendation.PROMPT_ENGINEERING: (
        "Do not fine-tune: spend the engineering days on a prompt-testing harness."
    ),
    Recommendation.CURATE_DATA: (
        "Clean and de-duplicate the data first; use prompt engineering meanwhile."
    ),
    Recommendation.PROMPT_OR_FEATURE_FLAG: (
        "Use prompt engineering or ship behind a feature flag instead."
    ),
    Recommendation.RESCOPE_OR_DEFER: "Rescope the work or defer it to a later quarter.",
    Recommendation.MEET_LATENCY_AND_LOCKS: "Meet the latency SLA and the metric locks first.",
}

CHECK_UNITS: dict[CheckId, str] = {
    CheckId.KPI_LIFT: " %",
    CheckId.CLEAN_DATA_VOLUME: " rows",
    CheckId.DATA_HYGIENE: " %",
    CheckId.SIGNAL_WEIGHTED_ROI: " %/day",
    CheckId.DELIVERY_WINDOW: " days",
    CheckId.TIMING_ADJUSTED_ROI: "x",
    CheckId.LATENCY_SLA: " ms",
    CheckId.DIMINISHING_RETURNS: " rows",
}

FIGURE_LABELS: dict[str, tuple[str, str, str, int]] = {
    "clean_proportion": ("Clean proportion", "", "", 4),
    "clean_examples": ("Clean examples", "", " rows", 0),
    "total_cost_usd": ("Total cost", "$", "", 2),
    "weighted_lift_per_day_pct": ("Weighted lift per sprint day", "", " %/day", 4),
    "raw_roi": ("Raw ROI", "", "x", 2),
    "timing_adjusted_gain_usd": ("Timing-adjusted gain", "$", "", 2),
    "timing_adjusted_roi": ("Timing-adjusted ROI", "", "x", 2),
}

FLIP_DECIMALS = 6

POLICY_DEFAULTED_FIELDS = ("engineer_day_cost_usd", "revenue_horizon_days", "latency_sla_ms")

STATUS_STYLES: dict[Status, str] = {
    Status.PASS: "green",
    Status.FAIL: "bold red",
    Status.WARN: "yellow",
    Status.NOT_APPLICABLE: "dim",
}


def format_number(value: float | None, decimals: int = 4) -> str:
    """A number as a person reads it: thousands separators, few decimals, inf as 'infinite'."""
    if value is None:
        return "-"
    if math.isinf(value):
        return "infinite" if value > 0 else "-infinite"
    if float(value).is_integer():
        return f"{int(value):,}"
    shown = f"{value:,.{decimals}f}".rstrip("0").rstrip(".")
    return shown if shown not in ("0", "-0") else f"{value:.3g}"


def format_value(value: float | None, unit: str = "", prefix: str = "", decimals: int = 4) -> str:
    """A number with its unit, or '-' when there is none."""
    if value is None:
        return "-"
    if math.isinf(value):
        return format_number(value)
    if prefix == "$" and not float(value).is_integer():
        return f"${value:,.2f}{unit}"
    return f"{prefix}{format_number(value, decimals)}{unit}"


def check_value(check: Check) -> str:
    """A check's measured value with the unit of that check."""
    return format_value(check.value, CHECK_UNITS.get(check.id, ""))


def check_threshold(check: Check) -> str:
    """A check's threshold with the unit of that check."""
    return format_value(check.threshold, CHECK_UNITS.get(check.id, ""))


def figure_rows(evaluation: Evaluation) -> list[tuple[str, str]]:
    """The derived figures as (label, formatted value) pairs."""
    figures = evaluation.figures.model_dump()
    return [
        (label, format_value(figures[name], unit, prefix, decimals))
        for name, (label, prefix, unit, decimals) in FIGURE_LABELS.items()
    ]


def flip_sentence(flip: Flip) -> str:
    """One option of 'what would flip it' as a sentence."""
    changes = " and ".join(
        f"{change.field} {change.comparator} {format_number(change.required, FLIP_DECIMALS)} "
        f"(now {_current(change.current)})"
        for change in flip.changes
    )
    gates = ", ".join(str(gate) for gate in flip.gates)
    return f"{changes}: clears {gates}."


def verdict_line(evaluation: Evaluation) -> str:
    """The verdict and the recommendation in one line."""
    word = "APPROVE" if evaluation.verdict == Verdict.APPROVE else "REJECT"
    return f"{word}: {RECOMMENDATION_TEXT[evaluation.recommendation]}"


def input_rows(proposal: Proposal, policy: Policy) -> list[tuple[str, str]]:
    """The proposal's inputs as (field, value) pairs; policy defaults are marked as such."""
    rows: list[tuple[str, str]] = []
    for name in Proposal.model_fields:
        value = getattr(proposal, name)
        if name == "metric_locks":
            rows.extend(_lock_rows(proposal.locks))
        elif value is None and name in POLICY_DEFAULTED_FIELDS:
            rows.append((name, f"{format_input(getattr(policy, name))} (policy default)"))
        elif value is not None:
            rows.append((name, format_input(value)))
    return rows


def format_input(value: Any) -> str:
    """An input value as text: numbers formatted, lists comma-separated, booleans lower case."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, list):
        return ", ".join(format_input(item) for item in value)
    return str(value)


def lock_sentence(lock: MetricLock) -> str:
    """A metric lock as 'name comparator threshold unit (achieved value unit)'."""
    unit = f" {lock.unit}" if lock.unit else ""
    met = "met" if lock.met else "not met"
    return (
        f"{lock.name} {lock.comparator} {format_number(lock.threshold)}{unit} "
        f"(achieved {format_number(lock.achieved)}{unit}: {met})"
    )


def render_text(
    proposal: Proposal, evaluation: Evaluation, *, width: int = 110, color: bool = False
) -> str:
    """The evaluation as a readable report for a terminal or a debrief doc."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=color,
        color_system="standard" if color else None,
        no_color=not color,
        highlight=False,
        emoji=False,
        legacy_windows=False,
    )
    console.print(_text_report(proposal, evaluation))
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())


def render_markdown(proposal: Proposal, evaluation: Evaluation) -> str:
    """The evaluation as a ready decision record in markdown (no dates in it)."""
    sections = [
        f"# Fine-tuning decision record: {_md_inline(proposal.title)}",
        _md_verdict(evaluation),
        "## Inputs\n\n" + _md_table(("field", "value"), input_rows(proposal, evaluation.policy)),
        "## Checks\n\n"
        + _md_table(
            ("check", "kind", "status", "value", "threshold", "message"),
            [_check_cells(check) for check in evaluation.checks],
        ),
        "## Figures\n\n" + _md_table(("figure", "value"), figure_rows(evaluation)),
        "## What would flip it\n\n" + _md_flips(evaluation),
        "## Talking points\n\n" + f"> {_md_inline(evaluation.script)}",
        _md_policy(evaluation.policy),
    ]
    return "\n\n".join(sections) + "\n"


def _text_report(proposal: Proposal, evaluation: Evaluation) -> RenderableType:
    """The rich renderable of the whole text report."""
    style = "bold green" if evaluation.verdict == Verdict.APPROVE else "bold red"
    parts: list[RenderableType] = [
        Text(f"Fine-tuning check: {proposal.title}", style="bold"),
        Text(f"Verdict: {verdict_line(evaluation)}", style=style),
        Text(f"Recommendation code: {evaluation.recommendation}"),
    ]
    if evaluation.primary_reason:
        parts.append(Text(f"Primary reason: {evaluation.primary_reason}"))
    parts.append(Text(""))
    parts += [
        _checks_table(evaluation),
        _pairs_table("Figures", ("figure", "value"), figure_rows(evaluation)),
        Text("What would flip it", style="bold"),
        *_text_flips(evaluation),
        Text(""),
        Text("Talking points", style="bold"),
        Padding(Text(evaluation.script), (0, 0, 0, 2)),
        Text(""),
        Text(f"Policy hash {evaluation.policy.hash}", style="dim"),
    ]
    return Group(*parts)


def _checks_table(evaluation: Evaluation) -> Table:
    """The checks as a rich table: status, value, threshold and message."""
    table = Table(title="Checks", title_justify="left", box=box.SIMPLE_HEAD, expand=False)
    for header in ("check", "kind", "status", "value", "threshold", "message"):
        table.add_column(header, overflow="fold")
    for check in evaluation.checks:
        cells = _check_cells(check)
        row = [Text(cell) for cell in cells]
        row[2].stylize(STATUS_STYLES[check.status])
        table.add_row(*row)
    return table


def _pairs_table(title: str, headers: tuple[str, str], rows: Iterable[tuple[str, str]]) -> Table:
    """A two-column rich table."""
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    for header in headers:
        table.add_column(header)
    for label, value in rows:
        table.add_row(Text(label), Text(value))
    return table


def _text_flips(evaluation: Evaluation) -> list[RenderableType]:
    """One indented line per flip option, or a note when there is nothing to flip."""
    lines = [f"- {flip_sentence(flip)}" for flip in evaluation.flips] or [_no_flip_note(evaluation)]
    return [Padding(Text(line), (0, 0, 0, 2)) for line in lines]


def _check_cells(check: Check) -> tuple[str, str, str, str, str, str]:
    """The cells of one check row."""
    return (
        str(check.id),
        str(check.kind),
        str(check.status),
        check_value(check),
        check_threshold(check),
        check.message,
    )


def _no_flip_note(evaluation: Evaluation) -> str:
    """What to say when no option is listed."""
    if evaluation.verdict == Verdict.APPROVE:
        return "Nothing to flip: no gate fails."
    return "No single change within the valid ranges clears the failing gates; see the checks."


def _md_verdict(evaluation: Evaluation) -> str:
    """The verdict block of the markdown record."""
    lines = [
        f"**Verdict:** {evaluation.verdict}",
        "",
        f"**Recommendation:** {RECOMMENDATION_TEXT[evaluation.recommendation]} "
        f"(`{evaluation.recommendation}`)",
    ]
    if evaluation.primary_reason:
        lines += ["", f"**Primary reason:** {_md_inline(evaluation.primary_reason)}"]
    return "\n".join(lines)


def _md_flips(evaluation: Evaluation) -> str:
    """The flip options as a markdown list."""
    if not evaluation.flips:
        return _no_flip_note(evaluation)
    return "\n".join(f"- {_md_inline(flip_sentence(flip))}" for flip in evaluation.flips)


def _md_policy(policy: Policy) -> str:
    """The policy section: its hash and every value."""
    rows = [(name, format_input(value)) for name, value in policy.model_dump().items()]
    return f"## Policy\n\nPolicy hash `{policy.hash}`.\n\n" + _md_table(("key", "value"), rows)


def _md_table(headers: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> str:
    """A markdown table with escaped cells."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_md_cell(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _md_cell(text: str) -> str:
    """A table cell: pipes escaped, on one line."""
    return _md_inline(text).replace("|", "\\|")


def _md_inline(text: str) -> str:
    """Text kept on one line."""
    return " ".join(text.split())


def _lock_rows(locks: list[MetricLock]) -> list[tuple[str, str]]:
    """One input row per metric lock, named as the framework names them."""
    return [(f"metric_locks[{index}]", lock_sentence(lock)) for index, lock in enumerate(locks)]


def _current(value: float | None) -> str:
    """A flip's current value, or a note that it was not given."""
    return "not given" if value is None else format_number(value, FLIP_DECIMALS)


def render_quarter_text(report: dict[str, Any], delivery_days: int | None) -> str:
    """The `quarter` report (docs/contracts.md's JSON keys) as a few plain lines."""
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
