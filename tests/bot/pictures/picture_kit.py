"""What the picture tests share: the worked cases evaluated, and a PNG decoded to pixels."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from core.engine import evaluate
from core.evaluation import Evaluation
from core.policy import Policy
from core.proposal import Proposal

CASES_DIR = Path(__file__).resolve().parents[2] / "cases"
CASE_FILES = sorted(CASES_DIR.glob("*.json"))
DARK = 200


@dataclass(frozen=True)
class Case:
    name: str
    proposal: Proposal
    policy: Policy
    evaluation: Evaluation


def load_case(path: Path) -> Case:
    document = json.loads(path.read_text())
    proposal = Proposal.model_validate(document["proposal"])
    policy = Policy.model_validate(document.get("policy") or {})
    return Case(path.stem, proposal, policy, evaluate(proposal, policy))


@dataclass(frozen=True)
class Pixels:
    size: tuple[int, int]
    distinct_colours: int
    ink_share: float
    """The share of pixels darker than the grid lines and shading (lines, marks, text)."""


def pixels(png: bytes) -> Pixels:
    """The decoded PNG: its size, how many colours it uses and how much of it is drawn on."""
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    rgb = image.convert("RGB")
    colours = rgb.getcolors(maxcolors=1 << 20) or []
    drawn = sum(count for count, colour in colours if min(colour) < DARK)
    return Pixels(rgb.size, len(colours), drawn / (rgb.width * rgb.height))
