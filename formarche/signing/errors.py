"""The refusal of the émargement (shared by its services and selectors)."""

from __future__ import annotations


class SigningRefused(ValueError):
    """A refused write; ``message`` is the French sentence shown to the user."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)
