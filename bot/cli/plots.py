"""``evaluate --plot DIR``: the evaluation's pictures rendered and written into DIR.

The loss curve when the proposal has validation losses, the gates and the timing always, the
tornado when it has ranges. Each file keeps its picture's name (``gates.png``) and replaces a
file of that name; the paths reported are ``DIR/NAME`` as DIR was given, so a Markdown record
written in the directory the command ran from links them. matplotlib is imported only here.
"""

from __future__ import annotations

from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from bot.cli.days import parse_start_month, today
from bot.cli.errors import InputError
from bot.reports.evaluation_report import PictureLink
from core.evaluation import Evaluation
from core.proposal import Proposal
from core.uncertainty import Uncertainty
from core.wording import capitalised, field_value, field_words

if TYPE_CHECKING:
    from bot.evidence.curve import LossCurve
    from bot.pictures import Picture, SwingBar

ENTERED_METRIC = "validation loss, as entered"


def write_pictures(
    directory: str,
    proposal: Proposal,
    evaluation: Evaluation,
    *,
    uncertainty: Uncertainty | None,
    curve: LossCurve | None,
) -> list[PictureLink]:
    """Render the pictures and write them into ``directory`` (created when missing)."""
    folder = _folder(directory)
    links = []
    for picture in _pictures(proposal, evaluation, uncertainty, curve):
        path = PurePath(directory, picture.filename)
        try:
            (folder / picture.filename).write_bytes(picture.png)
        except OSError as failure:
            raise InputError([f"--plot: cannot write {path}: {failure.strerror}"]) from None
        links.append(PictureLink(path.as_posix(), picture.title, picture.alt_text))
    return links


def _folder(directory: str) -> Path:
    """The directory, created with its parents; a file in the way is refused."""
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise InputError([f"--plot: {directory} is a file, not a directory"])
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as failure:
        raise InputError([f"--plot: cannot create {directory}: {failure.strerror}"]) from None
    return folder


def _pictures(
    proposal: Proposal,
    evaluation: Evaluation,
    uncertainty: Uncertainty | None,
    curve: LossCurve | None,
) -> list[Picture]:
    from bot.pictures import gates_picture, loss_curve_picture, timing_picture, tornado_picture

    start_month = parse_start_month(None)
    pictures = []
    losses = curve or _entered_curve(proposal)
    if losses is not None:
        pictures.append(loss_curve_picture(losses, evaluation.policy, proposal.planned_epochs))
    pictures.append(gates_picture(evaluation))
    pictures.append(
        timing_picture(proposal, evaluation, today=today(), fiscal_year_start_month=start_month)
    )
    if uncertainty is not None:
        pictures.append(tornado_picture(uncertainty.approve_probability, _swing_bars(uncertainty)))
    return pictures


def _entered_curve(proposal: Proposal) -> LossCurve | None:
    """The validation losses entered in the proposal, as a curve to draw."""
    if not proposal.validation_losses:
        return None
    from bot.evidence.curve import LossCurve

    return LossCurve(
        source="the proposal",
        kind="trainer_state",
        metric=ENTERED_METRIC,
        validation_losses=tuple(float(loss) for loss in proposal.validation_losses),
    )


def _swing_bars(uncertainty: Uncertainty) -> list[SwingBar]:
    from bot.pictures import SwingBar

    return [
        SwingBar(
            label=capitalised(field_words(swing.field).name),
            low_label=field_value(swing.field, swing.low),
            high_label=field_value(swing.field, swing.high),
            probability_at_low=swing.approve_probability_at_low,
            probability_at_high=swing.approve_probability_at_high,
        )
        for swing in uncertainty.swing
    ]
