"""``finetune-check serve``: the Slack bot, exactly as ``python -m bot`` starts it."""

from __future__ import annotations

import argparse

NAME = "serve"
HELP = "start the Slack bot (same as python -m bot)"
DESCRIPTION = "Start the Slack bot: Socket Mode when SLACK_APP_TOKEN is set, else HTTP."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command takes no options: the settings come from the environment."""


def run(args: argparse.Namespace) -> int:
    """Start the bot; the Slack stack is imported only now."""
    from bot.composition import main as serve_main

    return serve_main([])
