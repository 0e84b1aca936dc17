"""The proposal modal (a `views.open` payload): one input block per field, lock part and option."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from bot.blocks.format import Block, context, divider, general, header, money, plain, plain_number
from bot.evidence.shared import FILETYPES, MAX_FILES
from bot.ids import INPUT_ACTION_ID as VALUE
from bot.ids import (
    LOCK_COUNT,
    LOCK_PARTS,
    RESET_VOTES_BLOCK,
    ActionId,
    CallbackId,
    LayoutBlock,
    ProposalBlock,
)
from bot.ids import lock_block as lock_block_id
from bot.modal.fields import (
    FIELD_SPECS,
    FRACTIONS_MEANT_VALUE,
    RESET_VOTES_VALUE,
    SECRET_BALLOT_VALUE,
    FieldKind,
    FieldSpec,
    ModalContext,
    ModalOptions,
    encode_private_metadata,
)
from bot.modal.ranges import EXAMPLE, range_hint, ranges_text
from core.fractions import suspected_fractions
from core.policy import Policy
from core.proposal import MetricLock, Proposal

TEXT_INPUT_LIMIT = 3000
Hint = Callable[[Policy], str]
PB = ProposalBlock

LABELS: dict[ProposalBlock, str] = {
    PB.TITLE: "Proposal title",
    PB.KPI_NAME: "Primary KPI",
    PB.PROJECTED_LIFT_PCT: "Projected KPI lift (%)",
    PB.DATASET_EXAMPLES: "Training examples (rows)",
    PB.LABEL_ACCURACY_PCT: "Label accuracy (%)",
    PB.DIVERSITY_PCT: "Diversity score (%)",
    PB.DUPLICATE_PCT: "Duplicate rows (%)",
    PB.PLANNED_EPOCHS: "Planned epochs",
    PB.VALIDATION_LOSSES: "Validation loss per epoch",
    PB.ENGINEERS: "Engineers on the sprint",
    PB.ENGINEERING_DAYS: "Sprint length (working days)",
    PB.ENGINEER_DAY_COST_USD: "Cost of one engineer-day (USD)",
    PB.COMPUTE_COST_USD: "Compute budget (USD)",
    PB.PROJECTED_REVENUE_USD: "Projected incremental revenue (USD)",
    PB.REVENUE_HORIZON_DAYS: "Revenue horizon (days)",
    PB.DELIVERY_DAYS: "Days until the model ships",
    PB.LATENCY_MS: "Staging latency (ms)",
    PB.LATENCY_SLA_MS: "Latency SLA (ms)",
    PB.PROMPT_RESULT: "Best result with prompt engineering alone",
    PB.TARGET_RESULT: "Fine-tuned target result",
    PB.PROMPT_SPACE_WELL_UNDERSTOOD: "Has the prompt space been explored?",
    PB.PROMPT_MAINTENANCE_HOURS_PER_WEEK: "Prompt upkeep (hours per week)",
    PB.VOTE_WINDOW_DAYS: "Vote window (days)",
    PB.SECRET_BALLOT: "Ballot",
    PB.PERCENT_FRACTIONS: "Small percentages",
    PB.RANGES: "Ranges of the uncertain figures",
    PB.TRAINING_SAMPLE: "Training-data sample or trainer_state.json",
}

LOCK_LABELS: dict[str, str] = {
    "name": "name",
    "comparator": "must be",
    "threshold": "threshold",
    "achieved": "achieved in staging",
    "unit": "unit",
}

PLACEHOLDERS: dict[ProposalBlock, str] = {
    PB.TITLE: "e.g. Fraud model upgrade",
    PB.KPI_NAME: "e.g. click-through rate",
    PB.PROJECTED_LIFT_PCT: "e.g. 6.2",
    PB.VALIDATION_LOSSES: "e.g. 0.92, 0.71, 0.64, 0.66",
    PB.RANGES: f"e.g. {EXAMPLE}",
}

HINTS: dict[ProposalBlock, Hint] = {
    PB.KPI_NAME: lambda _: "Leave empty to call it “primary KPI”.",
    PB.PROJECTED_LIFT_PCT: lambda p: (
        f"A percent number: type 6.2 for 6.2 %. The policy asks for at least "
        f"{general(p.min_kpi_lift_pct)} %."
    ),
    PB.DATASET_EXAMPLES: lambda p: f"The policy needs {p.min_clean_examples:,} clean examples.",
    PB.LABEL_ACCURACY_PCT: lambda p: (
        f"Percent of rows labelled correctly: type 95 for 95 %. Policy minimum: "
        f"{general(p.min_hygiene_axis_pct)} %."
    ),
    PB.DIVERSITY_PCT: lambda p: (
        "How varied the inputs are, 0 to 100 (finetune-check scan measures it from a sample): "
        f"type 80 for 80 %. Policy minimum: {general(p.min_hygiene_axis_pct)} %."
    ),
    PB.DUPLICATE_PCT: lambda p: (
        "Percent of rows that repeat another: type 5 for 5 %. Uniqueness (100 − duplicates) "
        f"must reach {general(p.min_hygiene_axis_pct)} %."
    ),
    PB.PLANNED_EPOCHS: lambda p: f"Plans past {p.max_safe_epochs} epochs risk over-fitting.",
    PB.VALIDATION_LOSSES: lambda _: "Numbers separated by commas, epoch 1 first.",
    PB.ENGINEER_DAY_COST_USD: lambda p: (
        f"Leave empty to use the policy's {money(p.engineer_day_cost_usd)} per engineer-day."
    ),
    PB.REVENUE_HORIZON_DAYS: lambda p: (
        f"The window the revenue covers. Leave empty to use the policy's "
        f"{p.revenue_horizon_days} days."
    ),
    PB.DELIVERY_DAYS: lambda p: f"Calendar days. The policy allows at most {p.max_delivery_days}.",
    PB.LATENCY_MS: lambda _: "Measured in staging, after mitigations such as caching.",
    PB.LATENCY_SLA_MS: lambda p: f"Leave empty to use the policy's {general(p.latency_sla_ms)} ms.",
    PB.PROMPT_RESULT: lambda _: "Same unit as the target, higher is better. Optional.",
    PB.TARGET_RESULT: lambda _: "What the fine-tuned model should reach. Optional.",
    PB.PROMPT_SPACE_WELL_UNDERSTOOD: lambda _: (
        "Leave as “Yes” unless prompts are still unexplored."
    ),
    PB.PROMPT_MAINTENANCE_HOURS_PER_WEEK: lambda p: (
        f"Weekly upkeep of the prompt route. Past "
        f"{general(p.max_prompt_maintenance_hours_per_week)} h/week fine-tuning is cheaper."
    ),
    PB.VOTE_WINDOW_DAYS: lambda _: "Default 3 days; from 0.04 (about an hour) to 30.",
    PB.RANGES: lambda _: range_hint(),
    PB.TRAINING_SAMPLE: lambda _: (
        "Optional. A JSONL, CSV or Parquet sample (up to 10 MB): the bot measures label "
        "accuracy, diversity and duplicates and uses them instead of the typed ones. A "
        "trainer_state.json gives the validation losses. If a file cannot be read, the typed "
        "figures stand and the thread says why."
    ),
}

GROUPS: tuple[tuple[str, str, tuple[ProposalBlock, ...]], ...] = (
    (
        "Impact",
        "What fine-tuning should move, and by how much.",
        (PB.TITLE, PB.KPI_NAME, PB.PROJECTED_LIFT_PCT),
    ),
    (
        "Data",
        "The training set and, if you have it, the validation curve.",
        (
            PB.DATASET_EXAMPLES,
            PB.LABEL_ACCURACY_PCT,
            PB.DIVERSITY_PCT,
            PB.DUPLICATE_PCT,
            PB.PLANNED_EPOCHS,
            PB.VALIDATION_LOSSES,
            PB.TRAINING_SAMPLE,
            PB.PERCENT_FRACTIONS,
        ),
    ),
    (
        "Cost and timing",
        "Who builds it, what it costs, what it earns and when it ships.",
        (
            PB.ENGINEERS,
            PB.ENGINEERING_DAYS,
            PB.ENGINEER_DAY_COST_USD,
            PB.COMPUTE_COST_USD,
            PB.PROJECTED_REVENUE_USD,
            PB.REVENUE_HORIZON_DAYS,
            PB.DELIVERY_DAYS,
        ),
    ),
    (
        "Latency and alternatives",
        "Can the product afford the model, and could prompts do the job instead?",
        (
            PB.LATENCY_MS,
            PB.LATENCY_SLA_MS,
            PB.PROMPT_RESULT,
            PB.TARGET_RESULT,
            PB.PROMPT_SPACE_WELL_UNDERSTOOD,
            PB.PROMPT_MAINTENANCE_HOURS_PER_WEEK,
        ),
    ),
    (
        "Uncertainty",
        "Unsure of an estimate? Give its range: the verdict says how often it approves.",
        (PB.RANGES,),
    ),
)
NEW_PROPOSAL_ONLY = frozenset({PB.TRAINING_SAMPLE})
"""Blocks a revision leaves out: a file for a posted proposal goes in its thread instead."""


def proposal_modal(
    *,
    channel_id: str,
    policy: Policy,
    prefill: Proposal | None = None,
    options: ModalOptions | None = None,
    proposal_id: int | None = None,
    votes_to_reset: int = 0,
) -> dict[str, Any]:
    """The `views.open` payload of the proposal form, prefilled from ``prefill`` when given.

    Revising (``proposal_id`` given) keeps the vote's deadline and ballot, so their inputs
    give way to a note and, when ``votes_to_reset`` votes were cast, a confirmation to reset.
    """
    revising = proposal_id is not None
    if prefill is None and options is None and not revising:
        blocks = list(_empty_form(policy))
    else:
        blocks = _form(policy, prefill, options, proposal_id, votes_to_reset)
    metadata = encode_private_metadata(ModalContext(channel_id=channel_id, proposal_id=proposal_id))
    return {
        "type": "modal",
        "callback_id": CallbackId.PROPOSAL.value,
        "title": plain("Revise proposal" if revising else "Fine-tuning proposal", 24),
        "submit": plain("Re-evaluate" if revising else "Evaluate", 24),
        "close": plain("Cancel", 24),
        "private_metadata": metadata,
        "blocks": blocks,
    }


@lru_cache(maxsize=256)
def empty_modal_json(channel_id: str, policy: Policy) -> str:
    """The empty form for a channel as the JSON text `views.open` takes (Slack's `view` is a
    JSON-encoded string): built and encoded once per channel and policy, since every
    `/finetune-check` opens it."""
    return json.dumps(proposal_modal(channel_id=channel_id, policy=policy), ensure_ascii=False)


@lru_cache(maxsize=16)
def _empty_form(policy: Policy) -> tuple[Block, ...]:
    """The blocks of the empty form under a policy, built once: every `/finetune-check` opens
    it, and building it is most of the command's own work. (The blocks are never changed
    after; each view gets its own list.)"""
    return tuple(_form(policy, None, None, None, 0))


def _form(
    policy: Policy,
    prefill: Proposal | None,
    options: ModalOptions | None,
    proposal_id: int | None,
    votes_to_reset: int,
) -> list[Block]:
    values = _initial_values(prefill, options or ModalOptions())
    dropped_locks = max(0, len(prefill.locks) - LOCK_COUNT) if prefill else 0
    revising = proposal_id is not None
    return [
        *_intro_blocks(proposal_id),
        *_field_blocks(policy, values, dropped_locks, revising=revising),
        *(_revision_voting_blocks(votes_to_reset) if revising else _voting_blocks(policy, values)),
    ]


def _intro_blocks(proposal_id: int | None) -> list[Block]:
    """The opening lines: the prefill button for a new proposal, or what revising does."""
    if proposal_id is not None:
        return [context(f"Revising proposal #{proposal_id}: its earlier evaluations are kept.")]
    prefill_button = {
        "type": "button",
        "text": plain("Start from my last proposal in this channel", 75),
        "action_id": ActionId.PREFILL_LAST.value,
    }
    return [
        context("Fill in the numbers; the bot checks them against the team's policy."),
        {
            "type": "actions",
            "block_id": LayoutBlock.PREFILL_ACTIONS.value,
            "elements": [prefill_button],
        },
    ]


def _field_blocks(
    policy: Policy,
    values: dict[ProposalBlock, Any],
    dropped_locks: int = 0,
    *,
    revising: bool = False,
) -> list[Block]:
    """Every group of inputs with its header and context."""
    blocks: list[Block] = []
    for title, explanation, members in GROUPS:
        shown = [block for block in members if not (revising and block in NEW_PROPOSAL_ONLY)]
        blocks += [divider(), header(title), context(explanation)]
        blocks += [_input_block(block, policy, values.get(block)) for block in shown]
    blocks += _lock_blocks(policy, values, dropped_locks)
    return blocks


def _voting_blocks(policy: Policy, values: dict[ProposalBlock, Any]) -> list[Block]:
    """The vote window and ballot inputs of a new proposal."""
    blocks = [divider(), header("Voting"), context("How the committee decides on the verdict.")]
    for block in (PB.VOTE_WINDOW_DAYS, PB.SECRET_BALLOT):
        blocks.append(_input_block(block, policy, values.get(block)))
    return blocks


def votes_cast_phrase(count: int) -> str:
    """ "the 3 votes cast so far" (or "the 1 vote")."""
    return f"the {count} vote{'' if count == 1 else 's'} cast so far"


def reset_votes_error(count: int) -> str:
    """The error shown on the confirmation when a revision with votes is submitted unticked."""
    votes = f"{count} vote{'' if count == 1 else 's'}"
    return (
        "Revising changes the numbers the committee voted on: "
        f"tick this to reset the {votes}, or cancel"
    )


def _revision_voting_blocks(votes_to_reset: int) -> list[Block]:
    """What revising does to the vote, and the confirmation to reset the votes already cast."""
    blocks = [
        divider(),
        header("Voting"),
        context("The vote keeps its deadline and ballot; the committee sees the new numbers."),
    ]
    if votes_to_reset > 0:
        blocks.append(_reset_votes_input(votes_to_reset))
    return blocks


def _reset_votes_input(count: int) -> Block:
    option = _option(f"Reset {votes_cast_phrase(count)}", RESET_VOTES_VALUE)
    return {
        "type": "input",
        "block_id": RESET_VOTES_BLOCK,
        "label": plain("Votes already cast", 2000),
        "element": {"type": "checkboxes", "action_id": VALUE, "options": [option]},
        "optional": True,
        "hint": plain(
            "The committee voted on the current numbers, so a revision starts the vote afresh.",
            2000,
        ),
    }


def _lock_blocks(
    policy: Policy, values: dict[ProposalBlock, Any], dropped_locks: int
) -> list[Block]:
    """The Metric-Lock group: two locks of five inputs each."""
    blocks: list[Block] = [
        divider(),
        header("Metric-Lock"),
        context(
            "Thresholds the hiring manager locked, with what staging achieved. "
            "Two met locks satisfy the Metric-Lock; leave a lock empty if there is none."
        ),
    ]
    if dropped_locks:
        blocks.append(
            context(
                f"The earlier proposal had {dropped_locks} more lock(s); "
                "the form holds two, so only these two are kept."
            )
        )
    for number in range(1, LOCK_COUNT + 1):
        blocks.append(context(f"*Lock {number}*"))
        for part in LOCK_PARTS:
            block = lock_block_id(number, part)
            blocks.append(_input_block(block, policy, values.get(block)))
    return blocks


def _input_block(block: ProposalBlock, policy: Policy, initial: Any) -> Block:
    """One input block: label, element, optional flag and hint."""
    spec = FIELD_SPECS[block]
    result: Block = {
        "type": "input",
        "block_id": block.value,
        "label": plain(_label(block), 2000),
        "element": _element(spec, initial),
        "optional": spec.optional,
    }
    hint = _hint(block, policy, initial)
    if hint:
        result["hint"] = plain(hint, 2000)
    return result


def _label(block: ProposalBlock) -> str:
    if block in LABELS:
        return LABELS[block]
    _, number, part = block.value.split("_", 2)
    return f"Lock {number}: {LOCK_LABELS[part]}"


def _hint(block: ProposalBlock, policy: Policy, initial: Any) -> str:
    hint = HINTS[block](policy) if block in HINTS else ""
    if block is PB.VALIDATION_LOSSES and isinstance(initial, _CutLosses):
        hint += (
            f" Prefilled with the first {initial.shown} of {initial.total} epochs (Slack limit)."
        )
    return hint


def _element(spec: FieldSpec, initial: Any) -> Block:
    """The input element for a field of this kind, with its initial value."""
    builders: dict[FieldKind, Callable[[FieldSpec, Any], Block]] = {
        FieldKind.TEXT: _text_element,
        FieldKind.LOSSES: _losses_element,
        FieldKind.INTEGER: _number_element,
        FieldKind.NUMBER: _number_element,
        FieldKind.BOOLEAN: _boolean_element,
        FieldKind.COMPARATOR: _comparator_element,
        FieldKind.CHECKBOX: _checkbox_element,
        FieldKind.RANGES: _text_element,
        FieldKind.FILES: _file_element,
    }
    return builders[spec.kind](spec, initial)


def _text_element(spec: FieldSpec, initial: Any) -> Block:
    element: Block = {"type": "plain_text_input", "action_id": VALUE}
    if spec.max_length:
        element["max_length"] = spec.max_length
    if spec.block in PLACEHOLDERS:
        element["placeholder"] = plain(PLACEHOLDERS[spec.block], 150)
    if initial:
        element["initial_value"] = str(initial)
    return element


def _file_element(spec: FieldSpec, initial: Any) -> Block:
    """A file input (Slack's limit: 10 MB a file); it cannot be prefilled."""
    return {
        "type": "file_input",
        "action_id": VALUE,
        "filetypes": list(FILETYPES),
        "max_files": MAX_FILES,
    }


def _losses_element(spec: FieldSpec, initial: Any) -> Block:
    element = _text_element(spec, None)
    element.update(multiline=True, max_length=TEXT_INPUT_LIMIT)
    if initial:
        element["initial_value"] = initial.text
    return element


def _number_element(spec: FieldSpec, initial: Any) -> Block:
    element: Block = {
        "type": "number_input",
        "action_id": VALUE,
        "is_decimal_allowed": spec.kind is FieldKind.NUMBER,
    }
    if spec.minimum is not None:
        element["min_value"] = plain_number(spec.minimum)
    if spec.maximum is not None:
        element["max_value"] = plain_number(spec.maximum)
    if spec.block in PLACEHOLDERS:
        element["placeholder"] = plain(PLACEHOLDERS[spec.block], 150)
    if initial is not None:
        element["initial_value"] = plain_number(initial)
    return element


def _option(text: str, value: str) -> Block:
    return {"text": plain(text, 75), "value": value}


BOOLEAN_OPTIONS = {
    True: _option("Yes, it has been explored", "true"),
    False: _option("No", "false"),
}
COMPARATOR_OPTIONS = {
    ">=": _option("≥ at least the threshold", ">="),
    "<=": _option("≤ at most the threshold", "<="),
}
CHECKBOX_OPTIONS = {
    PB.SECRET_BALLOT: _option(
        "Secret ballot: hide who voted what until the vote closes", SECRET_BALLOT_VALUE
    ),
    PB.PERCENT_FRACTIONS: _option(
        "Percentages of 1 or less are meant as typed (0.5 means 0.5 %)", FRACTIONS_MEANT_VALUE
    ),
}


def _boolean_element(spec: FieldSpec, initial: Any) -> Block:
    chosen = True if initial is None else bool(initial)
    return {
        "type": "radio_buttons",
        "action_id": VALUE,
        "options": list(BOOLEAN_OPTIONS.values()),
        "initial_option": BOOLEAN_OPTIONS[chosen],
    }


def _comparator_element(spec: FieldSpec, initial: Any) -> Block:
    element: Block = {
        "type": "static_select",
        "action_id": VALUE,
        "placeholder": plain("≥ or ≤", 150),
        "options": list(COMPARATOR_OPTIONS.values()),
    }
    if initial in COMPARATOR_OPTIONS:
        element["initial_option"] = COMPARATOR_OPTIONS[initial]
    return element


def _checkbox_element(spec: FieldSpec, initial: Any) -> Block:
    option = CHECKBOX_OPTIONS[spec.block]
    element: Block = {"type": "checkboxes", "action_id": VALUE, "options": [option]}
    if initial:
        element["initial_options"] = [option]
    return element


class _CutLosses:
    """Validation losses as input text, possibly cut to fit Slack's 3000-character input."""

    def __init__(self, losses: list[float]) -> None:
        parts = [plain_number(loss) for loss in losses]
        kept: list[str] = []
        for part in parts:
            if len(", ".join([*kept, part])) > TEXT_INPUT_LIMIT:
                break
            kept.append(part)
        self.text = ", ".join(kept)
        self.shown, self.total = len(kept), len(parts)

    def __bool__(self) -> bool:
        return bool(self.text)


def _initial_values(prefill: Proposal | None, options: ModalOptions) -> dict[ProposalBlock, Any]:
    """Each block's initial value: the proposal's fields, its locks and the voting options."""
    values: dict[ProposalBlock, Any] = {
        PB.VOTE_WINDOW_DAYS: options.vote_window_days,
        PB.SECRET_BALLOT: options.secret_ballot,
    }
    if prefill is None:
        return values
    # A proposal accepted with a small percentage was meant so: keep it meant.
    values[PB.PERCENT_FRACTIONS] = bool(suspected_fractions(prefill))
    for name, value in prefill.model_dump(exclude={"metric_locks", "ranges"}).items():
        values[PB(name)] = value
    values[PB.RANGES] = ranges_text(prefill.ranges)
    if prefill.validation_losses:
        values[PB.VALIDATION_LOSSES] = _CutLosses(prefill.validation_losses)
    for number, lock in enumerate(prefill.locks[:LOCK_COUNT], start=1):
        values.update(_lock_values(number, lock))
    return values


def _lock_values(number: int, lock: MetricLock) -> dict[ProposalBlock, Any]:
    return {lock_block_id(number, part): getattr(lock, part) for part in LOCK_PARTS}
