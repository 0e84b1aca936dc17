"""Forgetting the delivery keys of de-duplicated requests once Slack can no longer repeat them.

Every Events API delivery, verdict claim and revision submit leaves a key in
``processed_events`` so that a retry changes nothing. Slack retries a delivery three times
within about five minutes (https://api.slack.com/apis/events-api#retries) and never repeats a
view submission, so a key older than `EVENT_KEY_RETENTION` can no longer stop a repeat; the
hourly sweep deletes those. A day leaves a wide margin for a slow retry or a restart.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.infrastructure.clock import Clock
from bot.persistence.stores import Stores

logger = logging.getLogger(__name__)

EVENT_KEY_RETENTION = timedelta(days=1)


async def forget_old_event_keys(stores: Stores, clock: Clock) -> int:
    """Delete the delivery keys seen before `EVENT_KEY_RETENTION` ago; return how many."""
    forgotten = await stores.events.forget_events(seen_before=clock.now() - EVENT_KEY_RETENTION)
    if forgotten:
        logger.info("forgot %d delivery key(s) older than %s", forgotten, EVENT_KEY_RETENTION)
    return forgotten
