"""The slow parts listeners call after `ack()`: posting, revisions, redelivery, the thread."""

from __future__ import annotations


class UserFacingError(Exception):
    """A failure whose message is written for the person who triggered it."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message
