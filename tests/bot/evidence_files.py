"""Files a team shares in Slack, with figures known by construction (see tests/bot/evidence/
scan_data.py for why the texts score as they do)."""

from __future__ import annotations

import json
from typing import Any

from tests.bot.evidence.scan_data import templated_texts, varied_texts


def sample_jsonl(
    *, unique: int = 192, copies: int = 8, audited: int = 40, wrong: int = 4, tag: str = ""
) -> bytes:
    """`unique` texts that share no word, then `copies` exact repeats of the first ones:
    duplicates = copies / (unique + copies). The first `audited` rows carry a gold label, of
    which `wrong` disagree with the label: label accuracy = (audited - wrong) / audited.
    Diversity is 100 % (no two texts share a word 3-gram)."""
    texts = [f"{tag} {text}".strip() for text in varied_texts(unique)]
    rows: list[dict[str, Any]] = []
    for number, text in enumerate(texts):
        row: dict[str, Any] = {"text": text, "label": "relevant"}
        if number < audited:
            row["gold_label"] = "not_relevant" if number < wrong else "relevant"
        rows.append(row)
    rows += [{"text": texts[number], "label": "relevant"} for number in range(copies)]
    return "".join(json.dumps(row) + "\n" for row in rows).encode()


def templated_jsonl(count: int = 200) -> bytes:
    """'My order N arrived late …' with only N varying: diversity about 21 % (docs/scan.md)."""
    rows = [{"text": text, "label": "late"} for text in templated_texts(count)]
    return "".join(json.dumps(row) + "\n" for row in rows).encode()


def broken_jsonl(bad_line: int = 3) -> bytes:
    """A JSONL sample whose line `bad_line` has a field without a value."""
    lines = [json.dumps({"text": text, "label": "a"}) for text in varied_texts(5)]
    lines[bad_line - 1] = '{"text": "half a row", "label": }'
    return ("\n".join(lines) + "\n").encode()


def trainer_state_json(losses: list[float]) -> bytes:
    """A Hugging Face trainer_state.json with one evaluation per epoch."""
    history: list[dict[str, Any]] = []
    for epoch, loss in enumerate(losses, start=1):
        history.append({"epoch": epoch - 0.5, "loss": loss + 0.1, "step": epoch * 10 - 5})
        history.append({"epoch": float(epoch), "eval_loss": loss, "step": epoch * 10})
    return json.dumps({"log_history": history, "global_step": len(losses) * 10}).encode()
