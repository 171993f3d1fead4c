"""The refusals of the closing area (shared by its services and selectors)."""

from __future__ import annotations


class ClosingError(Exception):
    """A refused write; ``str(error)`` is the French message, ``errors`` its details."""

    def __init__(self, message: str, *, errors: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = list(errors or [])


class FollowUpLinkInvalid(ClosingError):
    """Unknown, used or expired link: the public page answers 403 and says nothing more."""
