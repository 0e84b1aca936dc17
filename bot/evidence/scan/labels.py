"""Label counts and label accuracy against the audited rows (those with a gold label)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bot.evidence.scan.normalise import normalise

TRACKED_LABELS = 10_000
"""Distinct labels counted one by one; later new labels count under OTHER_LABELS."""
SHOWN_LABELS = 20
"""Labels reported by name, the most frequent first; the rest are summed under OTHER_LABELS."""
OTHER_LABELS = "(other labels)"
LABEL_KEY_CHARS = 100


@dataclass
class LabelTally:
    """Running label counts and the audited rows' agreement with their gold labels."""

    counts: Counter[str] = field(default_factory=Counter)
    untracked: int = 0
    audited: int = 0
    agreed: int = 0

    def add(self, labels: list[str | None], golds: list[str | None]) -> None:
        """Count a batch's labels (None: no label) and compare the audited ones."""
        if labels.count(None) < len(labels):
            self._count([label[:LABEL_KEY_CHARS] for label in labels if label is not None])
        if golds.count(None) == len(golds):
            return
        for label, gold in zip(labels, golds, strict=True):
            if gold is not None:
                self.audited += 1
                self.agreed += label is not None and normalise(label) == normalise(gold)

    def _count(self, keys: list[str]) -> None:
        if len(self.counts) + len(keys) <= TRACKED_LABELS:
            self.counts.update(keys)  # cannot pass the limit: counted in C
            return
        for key in keys:
            if key in self.counts or len(self.counts) < TRACKED_LABELS:
                self.counts[key] += 1
            else:
                self.untracked += 1

    @property
    def accuracy_pct(self) -> float | None:
        """100 × agreeing / audited rows, None without audited rows."""
        return 100.0 * self.agreed / self.audited if self.audited else None

    def shown_counts(self) -> dict[str, int]:
        """The most frequent labels by name (ties by label), the rest summed as one entry."""
        ranked = sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))
        shown = dict(ranked[:SHOWN_LABELS])
        rest = sum(count for _, count in ranked[SHOWN_LABELS:]) + self.untracked
        if rest:
            shown[OTHER_LABELS] = rest
        return shown
