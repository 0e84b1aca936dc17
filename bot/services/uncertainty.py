"""How sure a verdict is: P(approve) and the swing of a proposal's ranges, simulated off the
event loop and kept per proposal and policy.

The simulation (`core.scenarios.simulate`, numpy, about 6 ms for 10,000 scenarios) is seeded,
so the same proposal under the same policy always gives the same answer: a small cache saves
re-running it for every refresh of the verdict message. `core.scenarios` (and numpy) are
imported only when a proposal has ranges.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from core.policy import Policy
from core.proposal import Proposal
from core.uncertainty import Uncertainty

CACHE_SIZE = 256


def simulate_ranges(proposal: Proposal, policy: Policy) -> Uncertainty:
    """The scenarios of the proposal's ranges (call it in a worker thread)."""
    from core.scenarios import simulate  # numpy: only for proposals with ranges

    return simulate(proposal, policy)


class UncertaintyCache:
    """`of(proposal, policy)`: the proposal's `Uncertainty`, or None without ranges."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._size = size
        self._known: OrderedDict[tuple[str, str], Uncertainty] = OrderedDict()

    async def of(self, proposal: Proposal, policy: Policy) -> Uncertainty | None:
        """Simulate in a worker thread the first time, then answer from the cache."""
        if not proposal.ranges:
            return None
        key = (proposal.model_dump_json(), policy.hash)
        known = self._known.get(key)
        if known is not None:
            self._known.move_to_end(key)
            return known
        uncertainty = await asyncio.to_thread(simulate_ranges, proposal, policy)
        self._known[key] = uncertainty
        while len(self._known) > self._size:
            self._known.popitem(last=False)
        return uncertainty
