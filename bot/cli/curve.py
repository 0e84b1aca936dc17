"""``finetune-check curve``: a training run's validation loss per epoch (from
``bot.evidence.curve``)."""

from __future__ import annotations

import argparse
import sys

NAME = "curve"
HELP = "read a training run's validation loss per epoch"
DESCRIPTION = (
    "Read the validation loss per epoch from a trainer_state.json, a TensorBoard event file or "
    "log directory, or an MLflow run, and say where it is lowest and how far it rises after. "
    "Exit 2 with one line for a source it cannot read."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The curve reader's own arguments."""
    from bot.evidence.curve import command

    command.add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Read the curve and print it."""
    from bot.evidence.curve import command

    return command.run(args, out=sys.stdout)
