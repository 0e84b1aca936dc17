"""Listener groups; each module has one `register(app, deps)`."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.listeners import (
    actions,
    commands,
    decision_record,
    errors,
    evidence,
    home,
    revise,
    submissions,
    votes,
)


def register_listeners(app: AsyncApp, deps: Deps) -> None:
    """Register every listener group and the central error handler."""
    errors.register(app, deps)
    commands.register(app, deps)
    submissions.register(app, deps)
    actions.register(app, deps)
    evidence.register(app, deps)  # before votes: its file_share listener must match first
    votes.register(app, deps)
    revise.register(app, deps)
    decision_record.register(app, deps)
    home.register(app, deps)
