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

if TYPE_CHECKING:
    from bot.evidence.curve import LossCurve
    from bot.pictures import Picture


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
    from bot.pictures.verdict import verdict_pictures

    return verdict_pictures(
        proposal,
        evaluation,
        uncertainty=uncertainty,
        curve=curve,
        today=today(),
        fiscal_year_start_month=parse_start_month(None),
    )
