"""``finetune-check evaluate``: the verdict on a proposal, with evidence measured for it, the
uncertainty of its ranges and pictures of it."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
from typing import Any

from bot.cli.errors import EXIT_OK, InputError
from bot.cli.evidence import Evidence, gather, refuse_orphan_options
from bot.cli.inputs import load_policy, load_proposal
from bot.cli.options import add_data_fields, add_format, add_policy
from bot.reports.evaluation_report import Additions, PictureLink, render_markdown, render_text
from core.contract import evaluation_json
from core.engine import evaluate
from core.evaluation import Evaluation
from core.fractions import fraction_question, suspected_fractions
from core.policy import Policy
from core.proposal import Proposal
from core.uncertainty import Uncertainty, describe_uncertainty, uncertainty_json
from core.wording import exact

NAME = "evaluate"
HELP = "print the verdict on a proposal (.json, .toml, or -)"
DESCRIPTION = (
    "Evaluate a fine-tuning proposal against the policy. Exit 0 when it was evaluated "
    "(whatever the verdict), 2 on invalid input (one line per field on stderr)."
)
WHOLE_NUMBER = re.compile(r"[0-9]{1,7}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The proposal, the policy, the output format, and the evidence options."""
    parser.add_argument("path", metavar="PATH", help="proposal file (.json or .toml), or -")
    add_policy(parser)
    parser.add_argument(
        "--allow-fractions",
        action="store_true",
        help="accept percentages of 1 or less as typed (0.5 means 0.5 %%, not 50 %%)",
    )
    add_format(parser, ("text", "json", "markdown"))
    _add_evidence_arguments(parser.add_argument_group("measured evidence"))
    parser.add_argument(
        "--plot",
        metavar="DIR",
        help="also write PNG pictures into DIR (created if missing): loss-curve.png (with "
        "validation losses), gates.png, timing.png, tornado.png (with ranges); the Markdown "
        "record links them as DIR/NAME, so write it in the directory you run this from",
    )
    parser.add_argument(
        "--scenarios",
        metavar="N",
        help="scenarios drawn from the proposal's ranges, 1 to 1,000,000 (default: 20,000)",
    )


def _add_evidence_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--data",
        metavar="PATH",
        help="a training set (.jsonl, .ndjson, .csv, .parquet) to scan: its diversity and "
        "duplicates, its label accuracy when rows carry a gold label, and its row count "
        "replace the proposal's",
    )
    group.add_argument(
        "--data-is-sample",
        action="store_true",
        help="the --data file is a sample of the training set: keep the proposal's "
        "dataset_examples instead of the file's row count",
    )
    add_data_fields(group, qualifier="with --data: ")
    group.add_argument(
        "--training-log",
        metavar="SOURCE",
        help="read validation_losses from a trainer_state.json, a TensorBoard event file or "
        "log directory, or mlflow:RUN_ID (as `curve` reads them)",
    )
    group.add_argument(
        "--loss-metric",
        metavar="NAME",
        help="with --training-log: the validation-loss metric (default: eval_loss)",
    )


def run(args: argparse.Namespace) -> int:
    """Evaluate one proposal and print the result in the requested format."""
    scenarios = parse_scenarios(args.scenarios)
    refuse_orphan_options(args)
    entered = load_proposal(args.path)
    if not args.allow_fractions:
        refuse_fractions(entered)
    policy = load_policy(args.policy)
    evidence = gather(entered, args)
    proposal = evidence.proposal
    evaluation = evaluate(proposal, policy)
    uncertainty = _uncertainty(proposal, policy, scenarios)
    pictures: list[PictureLink] = []
    if args.plot is not None:
        from bot.cli.plots import write_pictures

        curve = evidence.training_log.curve if evidence.training_log else None
        pictures = write_pictures(
            args.plot, proposal, evaluation, uncertainty=uncertainty, curve=curve
        )
    report = _Report(proposal, evaluation, evidence, uncertainty, pictures)
    sys.stdout.write(report.formatted(args.format))
    return EXIT_OK


def parse_scenarios(given: str | None) -> int | None:
    """``--scenarios N`` as a count the simulation accepts; ``None`` when not given."""
    if given is None:
        return None
    from core.scenarios import MAX_SCENARIOS

    text = given.strip().replace("_", "").replace(",", "")
    if not WHOLE_NUMBER.fullmatch(text) or not 1 <= int(text) <= MAX_SCENARIOS:
        raise InputError(
            [f"--scenarios: must be a whole number from 1 to {MAX_SCENARIOS:,} (got {given!r})"]
        )
    return int(text)


def refuse_fractions(proposal: Proposal) -> None:
    """Stop on a percentage typed as a fraction (``0.95`` for 95 %), naming each field."""
    lines = [
        f"{field}: {fraction_question(field, getattr(proposal, field))} "
        f"(or pass --allow-fractions if {exact(getattr(proposal, field))} % is meant)"
        for field in suspected_fractions(proposal)
    ]
    if lines:
        raise InputError(lines)


def _uncertainty(proposal: Proposal, policy: Policy, scenarios: int | None) -> Uncertainty | None:
    """The scenarios drawn from the proposal's ranges; ``None`` without ranges (numpy is
    imported only with them)."""
    if not proposal.ranges:
        return None
    from core.scenarios import DEFAULT_SCENARIOS, simulate

    return simulate(proposal, policy, scenarios=scenarios or DEFAULT_SCENARIOS)


class _Report:
    """The evaluation and what the command line adds to it, in each output format."""

    def __init__(
        self,
        proposal: Proposal,
        evaluation: Evaluation,
        evidence: Evidence,
        uncertainty: Uncertainty | None,
        pictures: list[PictureLink],
    ) -> None:
        self.proposal, self.evaluation, self.evidence = proposal, evaluation, evidence
        self.uncertainty, self.pictures = uncertainty, pictures

    def formatted(self, output: str) -> str:
        if output == "json":
            return json.dumps(self.json(), indent=2, allow_nan=False) + "\n"
        additions = Additions(
            uncertainty=describe_uncertainty(self.uncertainty) if self.uncertainty else None,
            evidence=self.evidence.lines(),
            pictures=self.pictures,
        )
        if output == "markdown":
            return render_markdown(self.proposal, self.evaluation, additions=additions)
        colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        width = shutil.get_terminal_size((110, 24)).columns if colour else 110
        return render_text(
            self.proposal, self.evaluation, width=width, color=colour, additions=additions
        )

    def json(self) -> dict[str, Any]:
        """The contract's JSON, with ``uncertainty``, ``measured`` and ``pictures`` when there
        is something to say under them."""
        shown = evaluation_json(self.evaluation)
        if self.uncertainty is not None:
            shown["uncertainty"] = uncertainty_json(self.uncertainty)
        measured = self.evidence.json()
        if measured is not None:
            shown["measured"] = measured
        if self.pictures:
            shown["pictures"] = [
                {"path": picture.path, "title": picture.title, "alt_text": picture.alt_text}
                for picture in self.pictures
            ]
        return shown
