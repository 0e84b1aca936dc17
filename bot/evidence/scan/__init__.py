"""Measure a training-data sample: duplicates, label accuracy, label counts and diversity.

The library side of `finetune-check scan` and of scanning a file shared in Slack:
`scan_file`, `scan_bytes` and `scan_rows` return a frozen `ScanReport` or raise `ScanError`
(one line naming the file and the problem); `scan_json` gives its JSON form, `render_scan` its
text form, `apply_scan` a proposal with the measured figures in place.
"""

from bot.evidence.scan.apply import MeasuredProposal, apply_scan
from bot.evidence.scan.axes import Axis, hygiene_axes, verdict
from bot.evidence.scan.errors import ScanError
from bot.evidence.scan.render import render_scan
from bot.evidence.scan.report import (
    DiversityParts,
    DuplicateExample,
    Hygiene,
    ScanReport,
    scan_json,
)
from bot.evidence.scan.scanner import Progress, scan_bytes, scan_file, scan_rows

__all__ = [
    "Axis",
    "DiversityParts",
    "DuplicateExample",
    "Hygiene",
    "MeasuredProposal",
    "Progress",
    "ScanError",
    "ScanReport",
    "apply_scan",
    "hygiene_axes",
    "render_scan",
    "scan_bytes",
    "scan_file",
    "scan_json",
    "scan_rows",
    "verdict",
]
