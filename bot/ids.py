"""The single home of every Slack id the app sends or listens for (docs/contracts.md)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

INPUT_ACTION_ID = "value"
"""The action_id of every input element in the proposal modal (docs/contracts.md)."""

METADATA_EVENT_TYPE = "finetune_verdict"
"""The Slack message-metadata event type carried by every verdict message."""

LockPart = Literal["name", "comparator", "threshold", "achieved", "unit"]
LOCK_PARTS: tuple[LockPart, ...] = ("name", "comparator", "threshold", "achieved", "unit")
LOCK_COUNT = 2

RESET_VOTES_BLOCK = "reset_votes"
"""The block id of the revise modal's "reset the votes cast so far" confirmation."""


class CallbackId(StrEnum):
    """Callback ids of the views the app opens."""

    PROPOSAL = "finetune_proposal"
    CONFIRM_CLOSE = "confirm_close_vote"
    CONFIRM_REVISE = "confirm_revise"


class ActionId(StrEnum):
    """Action ids of the buttons on the verdict message and in the modal."""

    VOTE_APPROVE = "vote_approve"
    VOTE_REJECT = "vote_reject"
    VOTE_ABSTAIN = "vote_abstain"
    CLOSE_VOTE = "close_vote"
    REVISE = "revise_proposal"
    DECISION_RECORD = "decision_record"
    PREFILL_LAST = "prefill_last"
    REVISE_WITH_MEASURED = "revise_with_measured"
    """The scan report's button in a verdict's thread: the revise modal with the measured
    figures (its value: `bot.blocks.evidence.measured_button_value`)."""


class LayoutBlock(StrEnum):
    """Block ids of the non-input blocks other code looks up."""

    PREFILL_ACTIONS = "prefill_actions"
    VERDICT_ACTIONS = "verdict_actions"
    BALLOT = "ballot"
    SCAN_ACTIONS = "scan_actions"
    """The scan report's actions block (the "Revise with the measured figures" button)."""


class ProposalBlock(StrEnum):
    """One member per input block of the proposal modal: a Proposal field, lock part or option."""

    TITLE = "title"
    KPI_NAME = "kpi_name"
    PROJECTED_LIFT_PCT = "projected_lift_pct"
    DATASET_EXAMPLES = "dataset_examples"
    LABEL_ACCURACY_PCT = "label_accuracy_pct"
    DIVERSITY_PCT = "diversity_pct"
    DUPLICATE_PCT = "duplicate_pct"
    ENGINEERS = "engineers"
    ENGINEERING_DAYS = "engineering_days"
    ENGINEER_DAY_COST_USD = "engineer_day_cost_usd"
    COMPUTE_COST_USD = "compute_cost_usd"
    PROJECTED_REVENUE_USD = "projected_revenue_usd"
    REVENUE_HORIZON_DAYS = "revenue_horizon_days"
    DELIVERY_DAYS = "delivery_days"
    LATENCY_MS = "latency_ms"
    LATENCY_SLA_MS = "latency_sla_ms"
    PROMPT_RESULT = "prompt_result"
    TARGET_RESULT = "target_result"
    PROMPT_SPACE_WELL_UNDERSTOOD = "prompt_space_well_understood"
    PROMPT_MAINTENANCE_HOURS_PER_WEEK = "prompt_maintenance_hours_per_week"
    PLANNED_EPOCHS = "planned_epochs"
    VALIDATION_LOSSES = "validation_losses"
    LOCK_1_NAME = "lock_1_name"
    LOCK_1_COMPARATOR = "lock_1_comparator"
    LOCK_1_THRESHOLD = "lock_1_threshold"
    LOCK_1_ACHIEVED = "lock_1_achieved"
    LOCK_1_UNIT = "lock_1_unit"
    LOCK_2_NAME = "lock_2_name"
    LOCK_2_COMPARATOR = "lock_2_comparator"
    LOCK_2_THRESHOLD = "lock_2_threshold"
    LOCK_2_ACHIEVED = "lock_2_achieved"
    LOCK_2_UNIT = "lock_2_unit"
    PERCENT_FRACTIONS = "percent_fractions"
    RANGES = "ranges"
    """One plain-text input for the uncertain figures: ``lift 4–8, latency 120–170``."""
    TRAINING_SAMPLE = "training_sample"
    """A `file_input`: a training-data sample (JSONL, CSV, Parquet) or a trainer_state.json."""
    VOTE_WINDOW_DAYS = "vote_window_days"
    SECRET_BALLOT = "secret_ballot"


def lock_block(number: int, part: LockPart) -> ProposalBlock:
    """The block of one part of lock ``number`` (1-based: lock 1 is ``metric_locks[0]``)."""
    return ProposalBlock(f"lock_{number}_{part}")
