"""The engine's precision: every figure is compared at 9 decimals (docs/framework.md §2).

``nine(x)`` is ``round(x, 9)``, Python's correctly rounded decimal rounding, the rule every
comparison and floor works at (``7.2 × 1.0 / 12`` counts as exactly ``0.6``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

DECIMALS = 9
INFINITY = math.inf

# A partial of the builtin: a Python wrapper doubles its cost. The formulas that run several
# times per evaluation call ``round(x, DECIMALS)`` directly, cheaper still.
nine: Callable[[float], float] = partial(round, ndigits=DECIMALS)
