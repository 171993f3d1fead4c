"""The report of an import: errors row by row (French), warnings, counts, a summary."""

from __future__ import annotations

from dataclasses import dataclass, field

from formarche.utils.parsing import RowErrors


class Refused(Exception):
    """Raised by a write stage after it recorded its refusals: the transaction is undone."""


class PathErrors(RowErrors):
    """:class:`RowErrors` whose rows are located by a JSON pointer (``/attendance/12/realised``)
    rather than a spreadsheet line: the same ``add(where, message)``, kept in the order found,
    shown ``"/attendance/12/realised : message"`` (``"/ : …"`` for the document itself)."""

    @property
    def errors(self) -> list[tuple[str, str]]:
        return self._items

    def lines(self) -> set[str]:
        return {path for path, _ in self._items}

    def messages(self) -> list[str]:
        return [f"{path or '/'} : {message}" for path, message in self._items]


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    def text(self, noun: str = "lignes") -> str:
        parts = [f"{self.created} créées", f"{self.updated} modifiées", f"{self.unchanged} inchangées"]
        if self.deleted:
            parts.append(f"{self.deleted} supprimées")
        return f"{noun} : " + ", ".join(parts)

    def masculine(self, noun: str) -> str:
        """``text`` for a masculine noun (stagiaires, cofinancements)."""
        return (
            self.text(noun)
            .replace("créées", "créés")
            .replace("modifiées", "modifiés")
            .replace("inchangées", "inchangés")
        )


@dataclass
class Outcome:
    errors: RowErrors = field(default_factory=RowErrors)
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, Counts] = field(default_factory=dict)
    summary: str = ""


def refused_summary(errors: RowErrors, total: int) -> str:
    return (
        f"{len(errors.lines())} ligne(s) en erreur sur {total} : rien n'a été enregistré. "
        "Corrigez le fichier et importez-le à nouveau."
    )
