"""Columns of each import, and the templates users download (a header row and an example row).

Headers are compared after normalisation (case, accents, spaces ignored: « Date de naissance »
matches ``date_naissance``), see :func:`formarche.utils.parsing.normalise_header`.
"""

from __future__ import annotations

from dataclasses import dataclass

from formarche.attendance.models import UnrealisedReason
from formarche.trainees.models import Civility, EntryStatus, ExitReason, Payer
from formarche.utils.parsing import normalise_header, write_csv_template, write_xlsx_template


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    help: str
    example: str


TRAINEE_COLUMNS = [
    Column(
        "identifiant_stagiaire",
        False,
        "Identifiant du stagiaire dans votre outil (clé de réimport).",
        "TARN-021",
    ),
    Column("civilite", True, "Mme ou M.", "Mme"),
    Column("nom", True, "Nom de naissance ou d'usage.", "Dupont"),
    Column("prenom", True, "Prénom.", "Léa"),
    Column("date_naissance", True, "JJ/MM/AAAA.", "17/05/1990"),
    Column(
        "statut",
        True,
        "Statut à l'entrée (BPF F-1) : salarie, apprenti, demandeur_emploi, particulier, autre.",
        "demandeur_emploi",
    ),
    Column("courriel", False, "Adresse électronique.", "lea.dupont@exemple.fr"),
    Column("telephone", False, "Téléphone.", "06 12 34 56 78"),
    Column("commune", False, "Commune de résidence.", "Albi"),
    Column("numero_action", False, "Numéro du bon de commande, pour inscrire le stagiaire.", "23Q00030612_1"),
    Column("date_entree", False, "JJ/MM/AAAA ; par défaut le début de l'action.", "13/03/2023"),
    Column(
        "heures_prevues", False, "Heures prévues pour ce stagiaire (obligatoire pour une inscription).", "245"
    ),
    Column("financeur", False, "Ligne C du BPF : c1 … c10 (par défaut c6, Conseil régional).", "c6"),
    Column("dispositif_financement", False, "Texte libre.", "Parcours Qualifiants"),
    Column("date_sortie", False, "JJ/MM/AAAA.", ""),
    Column(
        "motif_sortie",
        False,
        "Obligatoire avec une date de sortie : fin_formation, abandon, exclusion, embauche, autre.",
        "",
    ),
    Column(
        "cofinanceur",
        False,
        "Un cofinanceur de l'inscription, en plus du financeur : ligne C du BPF (c9 : le stagiaire paie "
        "une part lui-même, il compte alors comme particulier au BPF).",
        "c9",
    ),
    Column(
        "montant_cofinancement",
        False,
        "Montant forfaitaire HT du cofinancement (€, pour toute l'inscription) ; ou bien un tarif horaire.",
        "300",
    ),
    Column(
        "tarif_horaire_cofinancement",
        False,
        "Tarif horaire HT du cofinancement (€ par heure), à la place d'un montant forfaitaire.",
        "",
    ),
    Column("libelle_cofinancement", False, "Texte libre (par exemple « reste à charge CPF »).", ""),
]

_IDENTITY = [
    Column("numero_action", True, "Numéro du bon de commande.", "23Q00030612_1"),
    Column(
        "identifiant_stagiaire",
        False,
        "Identifiant du stagiaire ; sinon nom, prenom et date_naissance.",
        "TARN-001",
    ),
    Column("nom", False, "Si pas d'identifiant.", ""),
    Column("prenom", False, "Si pas d'identifiant.", ""),
    Column("date_naissance", False, "Si pas d'identifiant : JJ/MM/AAAA.", ""),
]
_HOURS = [
    Column("realise", True, "Heures réalisées, 2 décimales au plus (7 ou 3,5).", "7"),
    Column("non_realise_comptabilise", False, "Heures non réalisées mais comptabilisées.", "0"),
    Column(
        "motif",
        False,
        "Obligatoire avec du non réalisé comptabilisé : " + ", ".join(UnrealisedReason.values) + ".",
        "",
    ),
]
DAILY_COLUMNS = [*_IDENTITY, Column("date", True, "Le jour : JJ/MM/AAAA.", "13/03/2023"), *_HOURS]
MONTHLY_COLUMNS = [
    *_IDENTITY,
    Column("mois", True, "Le mois : AAAA-MM.", "2023-03"),
    *[Column(c.name, c.required, c.help, "83" if c.name == "realise" else c.example) for c in _HOURS],
]

TEMPLATES = {
    "stagiaires": ("Stagiaires", TRAINEE_COLUMNS),
    "heures-journalieres": ("Heures journalières", DAILY_COLUMNS),
    "heures-mensuelles": ("Heures mensuelles", MONTHLY_COLUMNS),
}


def template_content(name: str, ext: str) -> bytes:
    title, columns = TEMPLATES[name]
    header = [c.name for c in columns]
    example = [c.example for c in columns]
    if ext == "csv":
        return write_csv_template(header, example)
    return write_xlsx_template(header, example, title=title)


# --- accepted spellings of coded values -------------------------------------------------------


def _choices(enum, extra: dict[str, str] | None = None) -> dict[str, str]:
    spellings = {}
    for value, label in enum.choices:
        spellings[value] = value
        spellings[label] = value
    spellings.update(extra or {})
    return {normalise_header(k): v for k, v in spellings.items()}


CIVILITIES = _choices(Civility, {"Mme": "mme", "Mme.": "mme", "M.": "m", "Mr": "m", "Mlle": "mme"})
ENTRY_STATUSES = _choices(
    EntryStatus,
    {
        "salarié": "salarie",
        "demandeur d'emploi": "demandeur_emploi",
        "DE": "demandeur_emploi",
        "particulier à ses frais": "particulier",
    },
)
PAYERS = _choices(
    Payer,
    {
        **{f"C-{v[1:]}": v for v in Payer.values},
        **{f"C{v[1:]}": v for v in Payer.values},
        "Région": "c6",
        "Conseil régional": "c6",
        "France Travail": "c7",
        "Pôle emploi": "c7",
        "CPF": "c2e",
    },
)
EXIT_REASONS = _choices(ExitReason)
UNREALISED_REASONS = _choices(UnrealisedReason)


def lookup(value: str, table: dict[str, str]) -> str | None:
    return table.get(normalise_header(value))


def accepted(table: dict[str, str]) -> str:
    return ", ".join(sorted(set(table.values())))
