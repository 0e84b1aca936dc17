"""What people see, written down by hand for the tests of every surface."""

from __future__ import annotations

# Every check's name as the renderings show it, in the order of the checks.
CHECK_NAMES_SHOWN = [
    "Minimum lift",
    "Clean-data volume",
    "Data hygiene",
    "Signal-weighted ROI",
    "Delivery window",
    "Timing-adjusted ROI",
    "Latency SLA",
    "Prompt-engineering alternative",
    "Metric-Lock",
    "Diminishing returns",
    "Over-fitting",
]
