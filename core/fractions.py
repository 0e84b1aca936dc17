"""A percentage typed as a fraction of one (``0.95`` for 95 %) is asked about, not accepted.

Percentages are typed as percent numbers (docs/framework.md §1). A percentage field whose value
lies above 0 and below 1 most likely holds a fraction, and so does exactly 1 where a fraction
of 1 means the natural 100 % (label accuracy, diversity; 100 % duplicates or a 100 % lift would
not be what was meant). The CLI and the modal ask before they evaluate such a value, unless the
person says the small value is meant.
"""

from __future__ import annotations

from core.proposal import Proposal
from core.wording import exact, field_words

PERCENT_FIELDS = ("projected_lift_pct", "label_accuracy_pct", "diversity_pct", "duplicate_pct")
WHOLE_AT_ONE = frozenset({"label_accuracy_pct", "diversity_pct"})


def looks_like_a_fraction(field: str, value: float) -> bool:
    """Whether a percentage reads like a fraction of one."""
    return 0 < value < 1 or (value == 1 and field in WHOLE_AT_ONE)


def suspected_fractions(proposal: Proposal) -> list[str]:
    """The percentage fields of ``proposal`` that look like fractions, in field order."""
    return [
        field for field in PERCENT_FIELDS if looks_like_a_fraction(field, getattr(proposal, field))
    ]


def fraction_question(field: str, value: float) -> str:
    """``0.95 reads as 0.95 % label accuracy: did you mean 95 %? Type 95``."""
    meant = exact(round(value * 100, 9))
    return (
        f"{exact(value)} reads as {exact(value)} % {field_words(field).name}: "
        f"did you mean {meant} %? Type {meant}"
    )
