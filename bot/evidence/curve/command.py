"""``finetune-check curve SOURCE [--metric NAME] [--format text|json]``.

Mounted by the CLI as one sub-command: ``add_arguments(parser)`` then ``run(args, out=...)``.
A source that cannot be read exits 2 with one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import TextIO

from bot.evidence.curve.errors import CurveError
from bot.evidence.curve.model import LossCurve
from bot.evidence.curve.source import read_curve

EXIT_OK = 0
EXIT_INVALID_INPUT = 2
HELP = "read a training run's validation loss per epoch"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``curve`` command's arguments."""
    parser.add_argument(
        "source",
        metavar="SOURCE",
        help="a trainer_state.json, a TensorBoard event file or log directory, or mlflow:RUN_ID "
        "(read from the tracking server in MLFLOW_TRACKING_URI)",
    )
    parser.add_argument(
        "--metric",
        metavar="NAME",
        help="the validation-loss metric (default: eval_loss; TensorBoard: eval/loss or eval_loss)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace, *, out: TextIO, err: TextIO | None = None) -> int:
    """Read the curve and write it in the requested format; 2 with one line on a bad source."""
    try:
        curve = read_curve(args.source, metric=args.metric)
    except CurveError as problem:
        print(f"error: {problem}", file=err or sys.stderr)
        return EXIT_INVALID_INPUT
    if args.format == "json":
        out.write(json.dumps(curve.as_json(), indent=2) + "\n")
    else:
        out.write(text(curve))
    return EXIT_OK


def text(curve: LossCurve) -> str:
    """The curve as a short table and the finding."""
    training = curve.training_losses
    header = "epoch  validation" + ("  training" if training else "")
    rows = [header]
    for epoch, loss in zip(curve.epochs, curve.validation_losses, strict=True):
        mark = "  ← best" if epoch == curve.best_epoch else ""
        trained = ""
        if training:
            value = training[epoch - 1]
            trained = f"  {'—' if value is None else f'{value:.4g}':>8}"
        rows.append(f"{epoch:>5}  {loss:>10.4g}{trained}{mark}")
    return f"{curve.metric} from {curve.source}\n" + "\n".join(rows) + "\n" + finding(curve) + "\n"


def finding(curve: LossCurve) -> str:
    """The best epoch and the rise after it, in one sentence."""
    rise = curve.rise_after_best_pct
    best = f"best epoch {curve.best_epoch} ({curve.best_loss:.4g})"
    if rise == 0:
        return f"{best}; no rise after it"
    shown = "without bound (from 0)" if math.isinf(rise) else f"{rise:.2f} %"
    return f"{best}; rises {shown} after it, by epoch {curve.peak_after_best_epoch}"
