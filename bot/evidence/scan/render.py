"""The scan report as text for a terminal: rich tables of the axes, the counts and examples."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from bot.evidence.scan.axes import hygiene_axes, verdict
from bot.evidence.scan.report import ScanReport
from bot.reports.terminal import TerminalText
from core.policy import Policy
from core.wording import exact

SHOWN_LABELS = 10
STATUS = {True: ("pass", "green"), False: ("FAIL", "bold red"), None: ("supply it", "yellow")}


def render_scan(
    report: ScanReport, policy: Policy, *, width: int = 100, color: bool = False
) -> str:
    """The report as readable text: the Data Hygiene axes against the policy, then the detail."""
    terminal = TerminalText(width=width, color=color)
    terminal.console.print(_report(report, policy))
    return terminal.text()


def _report(report: ScanReport, policy: Policy) -> RenderableType:
    failing = any(axis.passes is False for axis in hygiene_axes(report, policy))
    parts: list[RenderableType] = [
        Text(f"Training-data scan: {report.source}", style="bold"),
        Text(_fields_line(report), style="dim"),
        Text(verdict(report, policy), style="bold red" if failing else "bold green"),
        _axes_table(report, policy),
        _counts_table(report),
    ]
    if report.label_counts:
        parts.append(_labels_table(report))
    if report.duplicate_examples:
        parts.append(_examples_table(report))
    return Group(*parts)


def _fields_line(report: ScanReport) -> str:
    texts = " + ".join(repr(name) for name in report.text_fields)
    if report.chat:
        label = "the assistant's last message"
    elif report.label_field:
        label = repr(report.label_field)
    else:
        label = "no label field"
    return (
        f"{report.format}, {report.rows:,} rows; text from {texts}, labels from {label}, "
        f"gold labels from {report.gold_label_field!r}"
    )


def _axes_table(report: ScanReport, policy: Policy) -> Table:
    table = _table("Data Hygiene axes", ("axis", "value", "minimum", "status", "measured as"))
    parts = report.diversity_parts
    how = {
        "label accuracy": (
            f"label = gold label on {report.audited_rows:,} audited rows"
            if report.audited_rows
            else "no audited rows (rows with a gold label)"
        ),
        "diversity": (
            f"mean of phrase variety {exact(parts.phrase_variety_pct, 1)} % and pair "
            f"dissimilarity {exact(parts.pair_dissimilarity_pct, 1)} % "
            f"({parts.sampled_rows:,} sampled rows)"
        ),
        "uniqueness": f"100 − {exact(round(report.duplicate_pct, 2), 1)} % duplicate rows",
    }
    for axis in hygiene_axes(report, policy):
        word, style = STATUS[axis.passes]
        table.add_row(
            axis.name,
            axis.shown,
            f"{exact(axis.minimum, 1)} %",
            Text(word, style=style),
            how[axis.name],
        )
    return table


def _counts_table(report: ScanReport) -> Table:
    table = _table("Rows", ("count", "rows", "share"))
    for name, count in (
        ("scanned", report.rows),
        ("exact duplicates", report.exact_duplicate_rows),
        ("near duplicates (word 3-gram Jaccard ≥ 0.8)", report.near_duplicate_rows),
        ("audited (with a gold label)", report.audited_rows),
    ):
        table.add_row(name, f"{count:,}", f"{exact(round(100 * count / report.rows, 1), 1)} %")
    return table


def _labels_table(report: ScanReport) -> Table:
    table = _table("Labels", ("label", "rows"))
    for label, count in list(report.label_counts.items())[:SHOWN_LABELS]:
        table.add_row(label, f"{count:,}")
    hidden = len(report.label_counts) - SHOWN_LABELS
    if hidden > 0:
        table.add_row(f"… {hidden} more", "")
    return table


def _examples_table(report: ScanReport) -> Table:
    table = _table("Duplicate clusters (the first ones)", ("kind", "size", "rows", "text"))
    for example in report.duplicate_examples:
        rows = ", ".join(f"{row:,}" for row in example.rows)
        more = ", …" if example.size > len(example.rows) else ""
        table.add_row(example.kind, f"{example.size:,}", rows + more, "\n".join(example.texts))
    return table


def _table(title: str, headers: tuple[str, ...]) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    for header in headers:
        table.add_column(header, overflow="fold")
    return table
