"""Deadline reminders and vote nudges: the plan, the texts, the batched ledger and the sweep."""

from bot.reminders.plan import ReminderKind, Schedule
from bot.reminders.sweep import ReminderConfig, ReminderSweep, SlackPoster, SweepReport

__all__ = [
    "ReminderConfig",
    "ReminderKind",
    "ReminderSweep",
    "Schedule",
    "SlackPoster",
    "SweepReport",
]
