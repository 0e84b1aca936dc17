"""``finetune-check scan``: measure a training set (mounted from ``bot.evidence.scan``)."""

from __future__ import annotations

import argparse
import sys

from bot.cli.inputs import load_policy
from bot.cli.options import add_data_fields, add_policy

NAME = "scan"
HELP = "measure a training set: duplicates, label accuracy, diversity"
DESCRIPTION = (
    "Measure a training set (JSONL, CSV or Parquet): duplicate rows, label accuracy on the "
    "audited rows, diversity and the label counts, judged against the policy's Data Hygiene "
    "minimum. Exit 2 with one line for a file it cannot measure."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The scanner's own arguments, the data file's fields, and the policy its axes are
    judged against."""
    from bot.evidence.scan import command

    command.add_arguments(parser)
    add_data_fields(parser)
    add_policy(parser)


def run(args: argparse.Namespace) -> int:
    """Scan the file and print the report."""
    from bot.evidence.scan import command

    return command.run(args, policy=load_policy(args.policy), out=sys.stdout)
