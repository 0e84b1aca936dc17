"""Options several sub-commands share, declared once."""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def add_format(
    parser: argparse.ArgumentParser, choices: Sequence[str] = ("text", "json"), default: str = ""
) -> None:
    """``--format`` with the given choices; the first is the default unless one is named."""
    chosen = default or choices[0]
    parser.add_argument(
        "--format",
        choices=tuple(choices),
        default=chosen,
        help=f"output format (default: {chosen})",
    )


def add_date(parser: argparse.ArgumentParser) -> None:
    """``--date YYYY-MM-DD``, today when absent."""
    parser.add_argument("--date", metavar="YYYY-MM-DD", help="the day (default: today)")


def add_policy(parser: argparse.ArgumentParser) -> None:
    """``--policy FILE``, the default policy when absent."""
    parser.add_argument("--policy", metavar="FILE", help="policy TOML file (default: defaults)")


def add_data_fields(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup, *, qualifier: str = ""
) -> None:
    """--text-field, --label-field and --gold-label-field: which of a data file's fields hold
    what, for `scan` and `evaluate --data`. `qualifier` starts each help ("with --data: ")."""
    parser.add_argument(
        "--text-field",
        action="append",
        default=[],
        metavar="NAME",
        help=f"{qualifier}the field holding the text (repeat to join several); detected by default",
    )
    parser.add_argument(
        "--label-field",
        metavar="NAME",
        help=f"{qualifier}the field holding the label; detected by default",
    )
    parser.add_argument(
        "--gold-label-field",
        metavar="NAME",
        help=f"{qualifier}the field holding an audited gold label (default: gold_label)",
    )
