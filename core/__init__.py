"""The fine-tuning decision engine: pure functions over pydantic models (docs/framework.md)."""

from core.calendar import FiscalQuarter, days_to_close, fiscal_quarter, qit_deadline
from core.contract import evaluation_json
from core.engine import evaluate
from core.errors import FieldError, field_errors
from core.evaluation import Evaluation
from core.policy import Policy
from core.proposal import MetricLock, Proposal

__all__ = [
    "Evaluation",
    "FieldError",
    "FiscalQuarter",
    "MetricLock",
    "Policy",
    "Proposal",
    "days_to_close",
    "evaluate",
    "evaluation_json",
    "field_errors",
    "fiscal_quarter",
    "qit_deadline",
]
