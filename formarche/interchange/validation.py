"""Checks of an interchange document before anything is written: all errors, each with its JSON
path (RFC 6901 pointer, e.g. ``/attendance/12/realised``) and a French message.

Hand-written rather than a generic JSON Schema validator: 500 000 attendance rows must be checked
in a few seconds, and messages must be French. docs/interchange.schema.json describes the same
shape (a test checks that exported documents satisfy it).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from formarche.imports.pipeline import PathErrors
from formarche.interchange import FORMAT, VERSION

MAX_ERRORS = 100

CHOICES = {
    "civility": {"mme", "m"},
    "entry_status": {"salarie", "apprenti", "demandeur_emploi", "particulier", "autre"},
    "payer": {
        "c1",
        "c2a",
        "c2b",
        "c2c",
        "c2d",
        "c2e",
        "c2f",
        "c2g",
        "c2h",
        "c3",
        "c4",
        "c5",
        "c6",
        "c7",
        "c8",
        "c9",
        "c10",
    },
    "exit_reason": {"", "fin_formation", "abandon", "exclusion", "embauche", "autre"},
    "provider_role": {"titulaire", "cotraitant", "soustraitant"},
    # rncp_cqp (issue #18): a CQP registered at the RNCP, level "" = « CQP sans niveau » (F-3 a)
    "certification_type": {"", "rncp", "rncp_cqp", "rs", "cqp", "aucune"},
    "certification_level": {"", "2", "3", "4", "5", "6", "7", "8"},
    "training_kind": {"formation", "bilan", "vae"},
    "attendance_kind": {"jour", "mois"},
    "unrealised_reason": {"", "absence_justifiee", "maladie", "accident_travail", "entretien", "autre"},
    "trainer_status": {"owner", "cdi", "cdd", "occasional", "lent", "volunteer", "external"},
    "product_kind": {"training", "other", "advance", "penalty"},
    "other_kind": {
        "",
        "abroad",
        "teaching_tools",
        "royalties",
        "financial",
        "board_lodging_transport",
        "exceptional",
    },
    "direction": {"confiee", "recue"},
    "account_source": {"fec", "balance", "saisie"},
    "order_status": {"ouverte", "fermee", "archivee"},
    "adjustment_kind": {"penalite", "bonus"},
}


class InterchangeError(ValueError):
    """A refused document: ``errors`` is the checker's list of (JSON pointer, French message)."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors
        super().__init__("\n".join(self.messages()))

    def messages(self) -> list[str]:
        return [f"{path or '/'} : {message}" for path, message in self.errors]


class _Stop(Exception):
    pass


class Checker(PathErrors):
    """The interchange's report: the pipeline's row-by-row errors located by JSON pointer
    (:class:`~formarche.imports.pipeline.PathErrors`), stopped after :data:`MAX_ERRORS`, with
    typed getters that read a value or record why it cannot be read."""

    def add(self, path: str, message: str) -> None:
        super().add(path, message)
        if len(self._items) >= MAX_ERRORS:
            super().add("", f"Vérification arrêtée après {MAX_ERRORS} erreurs.")
            raise _Stop

    # typed getters: return a clean value, or None after recording an error
    def obj(self, parent, key, path, required=True):
        value = parent.get(key) if isinstance(parent, dict) else None
        if value is None:
            if required:
                self.add(f"{path}/{key}", "objet obligatoire.")
            return None
        if not isinstance(value, dict):
            self.add(f"{path}/{key}", "doit être un objet JSON.")
            return None
        return value

    def arr(self, parent, key, path, required=False):
        value = parent.get(key)
        if value is None:
            if required:
                self.add(f"{path}/{key}", "liste obligatoire.")
            return []
        if not isinstance(value, list):
            self.add(f"{path}/{key}", "doit être une liste.")
            return []
        return value

    def text(self, parent, key, path, required=True, max_length=250, allow_empty=False):
        value = parent.get(key)
        if value is None or (value == "" and not allow_empty):
            if required:
                self.add(f"{path}/{key}", "texte obligatoire.")
                return None
            return ""
        if not isinstance(value, str):
            self.add(f"{path}/{key}", "doit être un texte.")
            return None
        if len(value) > max_length:
            self.add(f"{path}/{key}", f"texte trop long ({len(value)} caractères, {max_length} au plus).")
            return None
        return value

    def choice(self, parent, key, path, name, required=True, default=""):
        value = parent.get(key)
        if value is None:
            if required:
                self.add(f"{path}/{key}", "valeur obligatoire.")
                return None
            return default
        if value not in CHOICES[name]:
            allowed = ", ".join(sorted(v or "« »" for v in CHOICES[name]))
            self.add(f"{path}/{key}", f"valeur « {value} » inconnue (valeurs possibles : {allowed}).")
            return None
        return value

    def day(self, parent, key, path, required=True):
        value = parent.get(key)
        if value is None:
            if required:
                self.add(f"{path}/{key}", "date obligatoire (AAAA-MM-JJ).")
            return None
        if not isinstance(value, str):
            self.add(f"{path}/{key}", "une date s'écrit comme un texte AAAA-MM-JJ.")
            return None
        try:
            return date.fromisoformat(value) if len(value) == 10 else _bad_date()
        except ValueError:
            self.add(f"{path}/{key}", f"« {value} » n'est pas une date AAAA-MM-JJ valide.")
            return None

    def moment(self, parent, key, path, required=True):
        """An instant, ISO 8601 with its offset: ``2023-04-02T10:15:00+00:00``."""
        value = parent.get(key)
        if value is None:
            if required:
                self.add(f"{path}/{key}", "date et heure obligatoires (AAAA-MM-JJTHH:MM:SS+00:00).")
            return None
        if not isinstance(value, str):
            self.add(f"{path}/{key}", "une date et heure s'écrit comme un texte AAAA-MM-JJTHH:MM:SS+00:00.")
            return None
        try:
            moment = datetime.fromisoformat(value) if "T" in value else None
        except ValueError:
            moment = None
        if moment is None:
            self.add(f"{path}/{key}", f"« {value} » n'est pas une date et heure AAAA-MM-JJTHH:MM:SS+00:00.")
            return None
        if moment.tzinfo is None:
            self.add(f"{path}/{key}", f"« {value} » n'indique pas son fuseau (par exemple +00:00 ou Z).")
            return None
        return moment

    def number(self, parent, key, path, required=True, places=2, minimum=Decimal(0), maximum=None):
        value = parent.get(key)
        if value is None:
            if required:
                self.add(f"{path}/{key}", "nombre obligatoire.")
            return None
        if isinstance(value, bool):
            self.add(f"{path}/{key}", "doit être un nombre.")
            return None
        try:
            number = (
                value
                if isinstance(value, Decimal)
                else Decimal(value)
                if isinstance(value, int | str)
                else None
            )
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            self.add(f"{path}/{key}", f'« {value} » n\'est pas un nombre (par exemple "7.50").')
            return None
        if places is not None and number.as_tuple().exponent < -places:
            self.add(f"{path}/{key}", f"« {value} » a plus de {places} décimales.")
            return None
        if minimum is not None and number < minimum:
            self.add(f"{path}/{key}", f"« {value} » ne peut pas être inférieur à {minimum}.")
            return None
        if maximum is not None and number > maximum:
            self.add(f"{path}/{key}", f"« {value} » ne peut pas dépasser {maximum}.")
            return None
        return number

    def boolean(self, parent, key, path, default=False):
        value = parent.get(key, default)
        if not isinstance(value, bool):
            self.add(f"{path}/{key}", "doit valoir true ou false.")
            return default
        return value

    def integer(self, parent, key, path, required=True, minimum=0):
        value = parent.get(key)
        if value is None:
            if required:
                self.add(f"{path}/{key}", "entier obligatoire.")
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.add(f"{path}/{key}", f"« {value} » doit être un entier d'au moins {minimum}.")
            return None
        return value


def _bad_date():
    raise ValueError


def check_envelope(doc, checker: Checker) -> None:
    if not isinstance(doc, dict):
        checker.add("", "le document doit être un objet JSON.")
        raise _Stop
    if doc.get("format") != FORMAT:
        checker.add("/format", f"doit valoir « {FORMAT} ».")
    if doc.get("version") != VERSION:
        checker.add(
            "/version",
            f"version {doc.get('version')!r} non prise en charge (formarche lit la version {VERSION}).",
        )
