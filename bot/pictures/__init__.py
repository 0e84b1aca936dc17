"""Pictures a committee reads faster than a table: PNG bytes and the finding as alt text.

Pure functions (data in, ``Picture`` out) on matplotlib's object API (``Figure`` with an Agg
canvas, never pyplot's global state), so each render is independent and can run in a worker
thread off the event loop.
"""

from bot.pictures.gates import gates_picture
from bot.pictures.loss_curve import loss_curve_picture
from bot.pictures.picture import Picture
from bot.pictures.timing import timing_picture
from bot.pictures.tornado import SwingBar, tornado_picture

__all__ = [
    "Picture",
    "SwingBar",
    "gates_picture",
    "loss_curve_picture",
    "timing_picture",
    "tornado_picture",
]
