"""Refusals of a write of hours: one row (:class:`AttendanceRefused`) or a batch (:class:`AttendanceBulkRefused`)."""

from __future__ import annotations

HOURS_FROZEN = "les heures ne peuvent plus être modifiées"
CLOSED_ORDER_PHRASE = "l'action est fermée : " + HOURS_FROZEN
ARCHIVED_ORDER_PHRASE = "l'action est archivée : " + HOURS_FROZEN


def _sentence(phrase: str) -> str:
    return phrase[:1].upper() + phrase[1:] + "."


CLOSED_ORDER_MESSAGE = _sentence(CLOSED_ORDER_PHRASE)


class AttendanceRefused(ValueError):
    """A write refused, with a French message for the user; ``field`` names the culprit if known.

    ``phrase`` is the same message without capital nor final full stop (for ``Ligne N : …``).
    """

    def __init__(self, message: str, *, field: str | None = None, phrase: str | None = None):
        self.message = message
        self.field = field
        self.phrase = phrase if phrase is not None else message.rstrip(".")
        super().__init__(message)


def _refused(phrase: str, field: str | None = None) -> AttendanceRefused:
    return AttendanceRefused(_sentence(phrase), field=field, phrase=phrase)


class AttendanceBulkRefused(AttendanceRefused):
    """A batch refused as a whole: ``errors`` is a list of ``(index, message)``, index 0-based in ``rows``.

    ``phrases`` holds the same refusals as ``(index, phrase)``.
    """

    def __init__(self, phrases: list[tuple[int, str]]):
        self.phrases = phrases
        self.errors = [(index, _sentence(phrase)) for index, phrase in phrases]
        count = len(phrases)
        head = "; ".join(f"ligne {i + 1} : {m}" for i, m in self.errors[:5])
        more = f" (et {count - 5} autre(s))" if count > 5 else ""
        super().__init__(f"{count} ligne(s) refusée(s), rien n'a été enregistré — {head}{more}")
