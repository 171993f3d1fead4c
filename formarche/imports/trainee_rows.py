"""The parse stage of the trainees import: one row → the trainee's values, which trainee of the
OF's registry it is, and the enrolment (with a co-funding) it asks for. Shape and the row's own
rules only; what depends on the other rows and on the database is checked by
:mod:`formarche.imports.services.trainees`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from formarche.imports import columns as cols
from formarche.imports.cells import Registry, code_value, date_value, hours_value, unknown_order
from formarche.orders.models import Order
from formarche.trainees.models import trainee_name_key
from formarche.utils.formatting import format_date
from formarche.utils.parsing import ParseError, Row, parse_decimal

TRAINEE_ATTRS = (
    "civility",
    "last_name",
    "first_name",
    "birth_date",
    "entry_status",
    "email",
    "phone",
    "city",
)
ENROLMENT_ATTRS = ("entry_date", "planned_hours", "payer", "scheme", "exit_date", "exit_reason")


FUNDING_COLUMNS = (
    "cofinanceur",
    "montant_cofinancement",
    "tarif_horaire_cofinancement",
    "libelle_cofinancement",
)


def trainee_values(row: Row) -> dict:
    values = {
        "civility": code_value(row, "civilite", cols.CIVILITIES, "la civilité", required=True),
        "last_name": row.text("nom"),
        "first_name": row.text("prenom"),
        "birth_date": date_value(row, "date_naissance", "la date de naissance"),
        "entry_status": code_value(row, "statut", cols.ENTRY_STATUSES, "le statut à l'entrée", required=True),
        "email": row.text("courriel"),
        "phone": row.text("telephone"),
        "city": row.text("commune"),
    }
    if not values["last_name"]:
        raise ParseError("le nom est obligatoire")
    if not values["first_name"]:
        raise ParseError("le prénom est obligatoire")
    for key, limit in (("last_name", 120), ("first_name", 120), ("city", 120), ("phone", 30), ("email", 254)):
        if len(values[key]) > limit:
            raise ParseError(f"« {values[key][:30]}… » est trop long ({limit} caractères au plus)")
    if values["email"]:
        try:
            validate_email(values["email"])
        except ValidationError:
            raise ParseError(f"le courriel « {values['email']} » n'est pas une adresse valide") from None
    today = timezone.localdate()
    if not date(1900, 1, 1) <= values["birth_date"] <= today:
        raise ParseError(f"la date de naissance « {row.text('date_naissance')} » n'est pas plausible")
    return values


def enrolment_values(row: Row, orders: dict[str, Order]) -> dict | None:
    number = row.text("numero_action")
    enrolment_columns = (
        "date_entree",
        "heures_prevues",
        "financeur",
        "dispositif_financement",
        "date_sortie",
        "motif_sortie",
        *FUNDING_COLUMNS,
    )
    if not number:
        if any(row.text(c) for c in enrolment_columns):
            raise ParseError("indiquez le numéro d'action pour inscrire le stagiaire")
        return None
    order = orders.get(number)
    if order is None:
        raise ParseError(unknown_order(number))
    if not order.is_open:
        raise ParseError(f"l'action « {number} » est fermée : on ne peut plus y inscrire de stagiaire")
    entry = (
        date_value(row, "date_entree", "la date d'entrée")
        if row.text("date_entree")
        else (order.actual_start or order.planned_start)
    )
    end = order.real_end or order.planned_end
    if not order.planned_start <= entry <= end:
        raise ParseError(
            f"la date d'entrée {format_date(entry)} est en dehors de l'action ({format_date(order.planned_start)} – "
            f"{format_date(end)})"
        )
    planned_hours = (
        hours_value(row, "heures_prevues", "les heures prévues", default=None)
        if row.text("heures_prevues")
        else None
    )
    exit_date = date_value(row, "date_sortie", "la date de sortie") if row.text("date_sortie") else None
    exit_reason = code_value(row, "motif_sortie", cols.EXIT_REASONS, "le motif de sortie", required=False)
    if exit_date is not None:
        if exit_date < entry:
            raise ParseError(
                f"la date de sortie {format_date(exit_date)} précède la date d'entrée {format_date(entry)}"
            )
        if not exit_reason:
            raise ParseError("le motif de sortie est obligatoire avec une date de sortie")
    elif exit_reason:
        raise ParseError("un motif de sortie sans date de sortie")
    scheme = row.text("dispositif_financement")
    if len(scheme) > 120:
        raise ParseError("le dispositif de financement est trop long (120 caractères au plus)")
    return {
        "order": order,
        "entry_date": entry,
        "planned_hours": planned_hours,
        "payer": code_value(row, "financeur", cols.PAYERS, "le financeur", required=False) or "c6",
        "scheme": scheme,
        "exit_date": exit_date,
        "exit_reason": exit_reason,
        "funding": funding_values(row),
    }


def funding_values(row: Row) -> dict | None:
    """The row's co-funding (shape only; the rules are checked against the enrolment later)."""
    if not any(row.text(c) for c in FUNDING_COLUMNS):
        return None
    payer = code_value(row, "cofinanceur", cols.PAYERS, "le cofinanceur", required=False)
    if not payer:
        raise ParseError("indiquez le cofinanceur (colonne « cofinanceur ») avec un montant de cofinancement")
    amount = rate = None
    if row.text("montant_cofinancement"):
        amount = parse_decimal(
            row.data.get("montant_cofinancement"), label="le montant du cofinancement", places=2
        )
    if row.text("tarif_horaire_cofinancement"):
        rate = parse_decimal(
            row.data.get("tarif_horaire_cofinancement"), label="le tarif horaire du cofinancement", places=4
        )
    return {"payer": payer, "amount": amount, "hourly_rate": rate, "label": row.text("libelle_cofinancement")}


@dataclass
class PlannedRow:
    """A parsed row: its trainee (``pk`` when already in the registry), the key that identifies
    the trainee in the file, and the enrolment values (``None``: no enrolment asked)."""

    line: int
    key: object
    pk: int | None
    values: dict
    ref: str
    enrolment: dict | None = None

    @staticmethod
    def read_enrolment(row: Row, orders: dict[str, Order]) -> dict | None:
        """The enrolment the row asks for (read after the trainee is known to be new in the file)."""
        return enrolment_values(row, orders)


def plan_row(row: Row, registry: Registry, warnings: list[str]) -> PlannedRow:
    """Which trainee of the registry the row is (by external id, else name + birth date)."""
    values = trainee_values(row)
    ref = row.text("identifiant_stagiaire")
    if len(ref) > 60:
        raise ParseError("l'identifiant du stagiaire est trop long (60 caractères au plus)")
    name = (trainee_name_key(values["last_name"], values["first_name"]), values["birth_date"])
    pk = registry.by_ref.get(ref) if ref else None
    if pk is None:
        same_name = [
            p for p in registry.by_name.get(name, []) if not ref or not registry.rows[p].external_ref
        ]
        if len(same_name) > 1:
            raise ParseError(
                f"plusieurs stagiaires {values['last_name'].upper()} {values['first_name']} nés le "
                f"{format_date(values['birth_date'])} : indiquez l'identifiant du stagiaire"
            )
        pk = same_name[0] if same_name else None
        if pk is None and ref and registry.by_name.get(name):
            warnings.append(
                f"Ligne {row.line} : un stagiaire de même nom et même date de naissance existe déjà avec un "
                f"autre identifiant ; un nouveau stagiaire « {ref} » est créé."
            )
    key = pk if pk is not None else (ref or name)
    return PlannedRow(line=row.line, key=key, pk=pk, values=values, ref=ref)
