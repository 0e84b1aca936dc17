"""Which model a file's keys belong to: a policy given as the proposal, or the other way round.

A proposal and a policy share a few keys (a proposal may override the policy's cost of an
engineer-day, revenue horizon and latency SLA), so each is recognised by the keys only it has.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.policy import Policy
from core.proposal import Proposal

_POLICY_KEYS = frozenset(Policy.model_fields)
_PROPOSAL_KEYS = frozenset(Proposal.model_fields)
_POLICY_ONLY = _POLICY_KEYS - _PROPOSAL_KEYS
_PROPOSAL_ONLY = _PROPOSAL_KEYS - _POLICY_KEYS


def looks_like_a_policy(keys: Iterable[str]) -> bool:
    """Whether every key is a policy key and some key belongs to the policy alone."""
    given = set(keys)
    return given <= _POLICY_KEYS and bool(given & _POLICY_ONLY)


def looks_like_a_proposal(keys: Iterable[str]) -> bool:
    """Whether some key belongs to the proposal alone and none to the policy alone."""
    given = set(keys)
    return bool(given & _PROPOSAL_ONLY) and not given & _POLICY_ONLY
