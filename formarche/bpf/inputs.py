"""Plain inputs of the BPF engine (no Django).

A selector turns database rows into these frozen dataclasses; the engine
(`formarche.bpf.engine.compute_bpf`) turns them into a report. Money and hours
are `Decimal` (never float). Identifiers (`id`) are whatever the database uses
(int or str); they come back in the report as `SourceRef(kind, id)` so that a
page can show the records behind every cell.

Payer lines are named with the keys of cadre C of the current form
(10443*17): "1", "a" … "h", "3" … "11". Older editions map them (see each
`cerfa` module).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

Id = int | str

ZERO = Decimal("0")


class CLine(StrEnum):
    """Who pays, under which scheme: the lines of cadre C (10443*17 keys)."""

    EMPLOYER = "1"
    APPRENTICESHIP = "a"
    PROFESSIONALISATION = "b"
    PRO_A = "c"
    TRANSITION = "d"
    CPF = "e"
    JOB_SEEKER_SCHEMES = "f"
    NON_SALARIED_FUNDS = "g"
    SKILLS_PLAN_OTHER = "h"
    PUBLIC_OWN_AGENTS = "3"
    EUROPE = "4"
    STATE = "5"
    REGION = "6"
    FRANCE_TRAVAIL = "7"
    OTHER_PUBLIC = "8"
    INDIVIDUAL = "9"
    OTHER_TRAINING_ORGANISATION = "10"
    OTHER_PRODUCTS = "11"


#: lines a … h, whose sum is line 2
OPCO_LINES: tuple[CLine, ...] = tuple(CLine(k) for k in "abcdefgh")


class TraineeStatus(StrEnum):
    """Status of the trainee when entering the action (cadre F-1)."""

    EMPLOYEE = "employee"  # F-1 a: salarié d'employeur privé (hors apprentis)
    APPRENTICE = "apprentice"  # F-1 b
    JOB_SEEKER = "job_seeker"  # F-1 c
    INDIVIDUAL = "individual"  # F-1 d: particulier à ses propres frais
    OTHER = "other"  # F-1 e: agents publics, non-salariés, bénévoles…


class Objective(StrEnum):
    """General objective of an action (cadre F-3)."""

    RNCP = "rncp"  # diplôme / titre au RNCP: rncp_level required (2…8)
    RNCP_CQP = "rncp_cqp"  # CQP enregistré au RNCP: with a level, or "sans niveau"
    RS = "rs"  # certification / habilitation au répertoire spécifique
    CQP = "cqp"  # CQP non enregistré
    OTHER = "other"  # autre formation professionnelle
    BILAN = "bilan"  # bilan de compétences
    VAE = "vae"  # accompagnement VAE


class TrainerStatus(StrEnum):
    """Status of a person giving training hours (cadre E; detail for 10443*12)."""

    OWNER = "owner"  # travailleur indépendant / dirigeant non salarié qui forme
    CDI = "cdi"
    CDD = "cdd"
    OCCASIONAL = "occasional"  # formateur occasionnel (< 30 jours par an)
    LENT = "lent"  # salarié mis à disposition à but non lucratif
    VOLUNTEER = "volunteer"  # bénévole
    EXTERNAL = "external"  # sous-traitance, prestation de service, honoraires

    @property
    def internal(self) -> bool:
        return self is not TrainerStatus.EXTERNAL


class Granularity(StrEnum):
    DAY = "day"  # `on` is the day
    MONTH = "month"  # `on` is any day of the month; the month must lie inside the fiscal year
    FISCAL_YEAR = "fiscal_year"  # already summed over the fiscal year by the selector


class ProductKind(StrEnum):
    TRAINING = "training"  # a training product already accrued for the year (flat-fee sale…)
    OTHER = "other"  # line 11 / A6: see `OtherProductKind`
    ADVANCE = "advance"  # advance for hours not yet delivered: never a product
    PENALTY = "penalty"  # dédit, pénalité, dédommagement: not a training product


class OtherProductKind(StrEnum):
    """Detail of "autres produits" (C-11; A6 a–f of 10443*12)."""

    ABROAD = "abroad"  # formation facturée à une entreprise étrangère, à l'étranger
    TEACHING_TOOLS = "teaching_tools"  # vente d'outils pédagogiques
    ROYALTIES = "royalties"  # redevances (compte 751)
    FINANCIAL = "financial"  # produits financiers de placement des fonds de la formation
    EXCEPTIONAL = "exceptional"  # produits exceptionnels (compte 77)
    BOARD_LODGING_TRANSPORT = "board_lodging_transport"  # restauration, hébergement, transport


@dataclass(frozen=True, slots=True)
class FiscalYear:
    start: date
    end: date  # inclusive

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("L'exercice se termine avant de commencer.")

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class OrganisationIdentity:
    """Cadre A (and H)."""

    nda: str = ""  # numéro de déclaration d'activité, 11 digits
    siret: str = ""
    naf: str = ""
    legal_form: str = ""
    name: str = ""
    address: str = ""
    address_public: bool | None = None
    phone: str = ""
    email: str = ""
    manager_name: str = ""  # H: dirigeant
    manager_title: str = ""
    activity_start_year: int | None = None  # 10443*12 page 1 C
    other_activities: str = ""  # 10443*12 page 1 C


@dataclass(frozen=True, slots=True)
class Funding:
    """One payer of an enrolment: an hourly rate or a flat amount, on a C line.

    A flat `amount` is accrued pro rata, cumulatively over the enrolment's
    fiscal years: the product of a year is min(A, A × cumulative billable hours
    at the end of the year / planned) − the same at the start of the year, each
    cumulative figure rounded to the cent (`EnrolmentInput.billable_hours_before`
    carries the hours before the year), so the years never add up to more than
    the amount. A funding on line "9" is the trainee paying (part of) their own
    training: they become a *particulier*.
    """

    c_line: CLine
    hourly_rate: Decimal | None = None  # € HT per billable hour
    amount: Decimal | None = None  # € HT for the whole enrolment
    payer_id: Id | None = None


@dataclass(frozen=True, slots=True)
class ActionInput:
    id: Id
    objective: Objective
    nsf_code: str | None  # "314"…
    rncp_level: int | None = None  # 2…8 (RNCP objectives)
    distance: bool = False  # en tout ou partie à distance
    subcontracted_to_other: bool = False  # we entrusted it to another OF → F-2
    received_from_other_of: bool = False  # another OF entrusted it to us → G and C-10
    c_line: CLine | None = None  # default payer line for enrolments without fundings
    hourly_rate: Decimal | None = None  # default € HT per billable hour
    planned_hours: Decimal | None = None  # default duration per trainee (flat amounts)
    title: str = ""


@dataclass(frozen=True, slots=True)
class EnrolmentInput:
    id: Id
    trainee_id: Id
    action_id: Id
    status: TraineeStatus  # at entry
    fundings: tuple[Funding, ...] = ()  # empty: the action's c_line × hourly_rate
    professionalisation_contract: bool = False  # 10443*12 "dont contrats de professionnalisation"
    entered_on: date | None = None
    planned_hours: Decimal | None = None  # overrides the action's
    # realised + counted-unrealised hours dated before the fiscal year: only flat fundings use them
    # (their cumulative accrual); the engine ignores attendance rows outside the year
    billable_hours_before: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class AttendanceInput:
    """Hours of one enrolment: a day, a month, or the whole fiscal year.

    `realised_hours` are hours actually followed (trainee-hours).
    `counted_unrealised_hours` are absences billed anyway (products, not trainee-hours).
    `by_subcontractor`: these hours were delivered by the OF we entrusted the action to (F-2).
    """

    enrolment_id: Id
    realised_hours: Decimal
    counted_unrealised_hours: Decimal = ZERO
    on: date | None = None
    granularity: Granularity = Granularity.DAY
    by_subcontractor: bool = False
    id: Id | None = None


@dataclass(frozen=True, slots=True)
class ProductInput:
    """A product not derived from hours: C-11, flat-fee sales, advances, penalties.

    `amount` is € HT already accrued to `on`'s fiscal year (the engine keeps it
    when `on` lies in the fiscal year).
    """

    id: Id
    amount: Decimal
    on: date
    kind: ProductKind = ProductKind.TRAINING
    c_line: CLine | None = None  # required for TRAINING; OTHER goes to line 11
    other_kind: OtherProductKind | None = None
    action_id: Id | None = None
    invoice_id: Id | None = None


@dataclass(frozen=True, slots=True)
class InvoiceInput:
    """An invoice issued in the fiscal year: used only by the checks (products are accrued)."""

    id: Id
    number: str
    issued_on: date
    amount_ht: Decimal
    action_id: Id | None = None
    c_line: CLine | None = None
    is_advance: bool = False


@dataclass(frozen=True, slots=True)
class StatusPeriod:
    start: date
    end: date | None  # inclusive; None: still running
    status: TrainerStatus

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class TrainerHours:
    on: date
    hours: Decimal
    granularity: Granularity = Granularity.DAY  # DAY or MONTH


@dataclass(frozen=True, slots=True)
class TrainerInput:
    id: Id
    periods: tuple[StatusPeriod, ...]
    hours: tuple[TrainerHours, ...]
    name: str = ""


@dataclass(frozen=True, slots=True)
class AccountsInput:
    """Cadre D (and page 3 of 10443*12), HT, for the training activity.

    Give the three D amounts, or `charges_by_account` ("60" … "69", "604",
    "6226", "6411"…) from which they are derived.
    """

    total_turnover: Decimal | None = None  # chiffre d'affaires global (for C %)
    training_charges: Decimal | None = None  # D total
    trainer_salaries: Decimal | None = None  # 6411
    training_purchases: Decimal | None = None  # 604 + 6226
    charges_by_account: Mapping[str, Decimal] = field(default_factory=dict)
    id: Id = "accounts"


@dataclass(frozen=True, slots=True)
class BpfInputs:
    fiscal_year: FiscalYear
    organisation: OrganisationIdentity = field(default_factory=OrganisationIdentity)
    actions: tuple[ActionInput, ...] = ()
    enrolments: tuple[EnrolmentInput, ...] = ()
    attendance: tuple[AttendanceInput, ...] = ()
    products: tuple[ProductInput, ...] = ()
    invoices: tuple[InvoiceInput, ...] = ()
    trainers: tuple[TrainerInput, ...] = ()
    accounts: AccountsInput | None = None
