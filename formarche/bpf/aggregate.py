"""One pass over the inputs → edition-neutral facts (pure, no Django).

Each Cerfa edition then lays these facts out in its own cells
(`formarche.bpf.cerfa.*`). Everything here is linear in the number of rows
(dicts, no nested loops over trainees × rows).

Rules applied here (see docs/bpf.md):
- only hours inside the fiscal year count; a monthly total must lie inside it;
- trainee-hours are realised hours; counted-unrealised hours are billed
  (products) but are not trainee-hours;
- one unit = one trainee in one action, with one category: a trainee who pays
  part of their own training (a funding on line 9) is a *particulier*, before
  employee, job-seeker or other; otherwise the status at the first entry;
- products are accrued: billable hours of the year × hourly rate, or a flat
  amount pro rata of the planned hours, cumulatively over the enrolment's
  fiscal years (`funding_product`); advances are never products.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from formarche.bpf.inputs import (
    ZERO,
    ActionInput,
    BpfInputs,
    CLine,
    EnrolmentInput,
    FiscalYear,
    Funding,
    Granularity,
    Id,
    Objective,
    OtherProductKind,
    ProductKind,
    TraineeStatus,
    TrainerStatus,
)
from formarche.bpf.report import CheckLevel, CheckResult, Exclusion, SourceRef
from formarche.utils.money import round_cents, round_cents_of_ratio, round_places
from formarche.utils.nsf import NSF_LABELS

#: detail keys of product buckets (besides OtherProductKind values)
DETAIL_JOB_SEEKER = "job_seeker"  # line 1 paid for a job-seeker (10443*12 A1 b)
DETAIL_PRO = "pro"  # professionalisation contract (10443*12 "dont")
LINE_PENALTY = "penalty"  # pseudo line for dédits / pénalités


@dataclass(slots=True)
class Unit:
    """One trainee in one action over the fiscal year."""

    trainee_id: Id
    action: ActionInput
    category: TraineeStatus = TraineeStatus.OTHER
    hours: Decimal = ZERO  # realised, in the fiscal year
    subcontracted_hours: Decimal = ZERO  # of which delivered by the OF we entrusted it to
    professionalisation: bool = False
    enrolment_ids: list[Id] = field(default_factory=list)
    _refs: tuple[SourceRef, ...] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def refs(self) -> tuple[SourceRef, ...]:
        """The unit's enrolments as sources. Built once: a report reads them for every cell the
        unit falls in (about 30 for a trainee), and ``enrolment_ids`` only grows (append) while
        :func:`aggregate` runs, so a cache of another length is rebuilt."""
        refs = self._refs
        if refs is None or len(refs) != len(self.enrolment_ids):
            refs = self._refs = tuple([SourceRef("enrolment", i) for i in self.enrolment_ids])
        return refs

    @property
    def own_hours(self) -> Decimal:
        return self.hours - self.subcontracted_hours

    @property
    def is_g(self) -> bool:
        return self.action.received_from_other_of

    @property
    def f2_hours(self) -> Decimal:
        if self.is_g:
            return ZERO
        return self.hours if self.action.subcontracted_to_other else self.subcontracted_hours


@dataclass(slots=True)
class Bucket:
    amount: Decimal = ZERO
    sources: list[SourceRef] = field(default_factory=list)


@dataclass(slots=True)
class TrainerLine:
    hours: Decimal = ZERO
    days: set[date] = field(default_factory=set)
    has_monthly: bool = False


@dataclass(slots=True)
class Facts:
    fiscal_year: FiscalYear
    units: list[Unit]  # units with realised hours > 0 in the year (F and G)
    # products[(line, detail)]: line is a CLine value or LINE_PENALTY; detail None,
    # DETAIL_JOB_SEEKER, DETAIL_PRO or an OtherProductKind value
    products: dict[tuple[str, str | None], Bucket]
    trainers: dict[TrainerStatus, dict[Id, TrainerLine]]
    charges: dict[str, Decimal | None]  # "total", "salaries", "purchases", "turnover"
    charges_by_account: dict[str, Decimal]
    accounts_ref: SourceRef | None
    checks: list[CheckResult]
    excluded: list[Exclusion]

    @property
    def f_units(self) -> list[Unit]:
        return [u for u in self.units if not u.is_g]

    @property
    def g_units(self) -> list[Unit]:
        return [u for u in self.units if u.is_g]

    def product_total(self, line: str) -> Decimal:
        return sum((b.amount for (ln, _), b in self.products.items() if ln == line), ZERO)

    @property
    def has_activity(self) -> bool:
        return bool(self.units) or any(b.amount for (ln, _), b in self.products.items() if ln != LINE_PENALTY)


def month_bounds(day: date) -> tuple[date, date]:
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def _in_year(fy: FiscalYear, on: date | None, granularity: Granularity) -> bool | None:
    """True inside, False outside, None when a month straddles the fiscal year's limit."""
    if granularity is Granularity.FISCAL_YEAR:
        return True
    if on is None:
        return None
    if granularity is Granularity.DAY:
        return fy.start <= on <= fy.end
    first, last = month_bounds(on)
    if first >= fy.start and last <= fy.end:
        return True
    if last < fy.start or first > fy.end:
        return False
    return None


class _Checks:
    def __init__(self) -> None:
        self.items: list[CheckResult] = []

    def add(self, level: CheckLevel, code: str, message: str, cells=(), sources=()) -> None:
        self.items.append(CheckResult(level, code, message, tuple(cells), tuple(sources)))

    def block(self, code: str, message: str, cells=(), sources=()) -> None:
        self.add(CheckLevel.BLOCKING, code, message, cells, sources)

    def warn(self, code: str, message: str, cells=(), sources=()) -> None:
        self.add(CheckLevel.WARNING, code, message, cells, sources)


def _refs(kind: str, ids) -> list[SourceRef]:
    return [SourceRef(kind, i) for i in ids]


def _pays_own_share(enrolment: EnrolmentInput) -> bool:
    return any(
        f.c_line is CLine.INDIVIDUAL and ((f.hourly_rate or ZERO) > 0 or (f.amount or ZERO) > 0)
        for f in enrolment.fundings
    )


def flat_accrual(amount: Decimal, hours: Decimal, planned: Decimal | None) -> Decimal:
    """What a flat ``amount`` has earned after ``hours`` cumulative billable hours of the enrolment:
    min(A, A × hours / planned), rounded to the cent half up (the exact quotient is rounded, never
    an intermediate one) — the whole amount as soon as there is an hour when there is no planned
    duration."""
    if hours <= 0:
        return ZERO
    if not planned or hours >= planned:
        return round_cents(amount)
    return round_cents_of_ratio(amount * hours, planned)


def funding_product(
    funding: Funding, billable: Decimal, planned: Decimal | None, before: Decimal = ZERO
) -> Decimal | None:
    """The product of one funding for ``billable`` hours of the year (accrual basis).

    Hourly rate: billable hours × rate. Flat amount, accrued cumulatively over the enrolment's
    years: ``flat_accrual`` at the end of the year (``before`` + ``billable`` hours) minus
    ``flat_accrual`` at its start (``before``: billable hours dated before the fiscal year). The
    years of an enrolment thus add up, to the cent, to min(A, A × all its hours / planned), and
    never to more than the amount; without a planned duration the whole amount goes to the first
    year with hours (the caller warns). None when the funding has no price.
    """
    if funding.hourly_rate is not None:
        return billable * funding.hourly_rate
    if funding.amount is not None:
        return flat_accrual(funding.amount, before + billable, planned) - flat_accrual(
            funding.amount, before, planned
        )
    return None


def aggregate(inputs: BpfInputs) -> Facts:
    fy = inputs.fiscal_year
    checks = _Checks()
    excluded: list[Exclusion] = []

    actions: dict[Id, ActionInput] = {}
    for action in inputs.actions:
        actions[action.id] = action
    enrolments: dict[Id, EnrolmentInput] = {}
    for enrolment in inputs.enrolments:
        enrolments[enrolment.id] = enrolment

    _check_actions(actions, checks)

    # -- attendance: one pass ------------------------------------------------------------
    realised: dict[Id, Decimal] = defaultdict(Decimal)
    unrealised: dict[Id, Decimal] = defaultdict(Decimal)
    by_sub: dict[Id, Decimal] = defaultdict(Decimal)
    unknown_enrolments: set[Id] = set()
    straddling: list[SourceRef] = []
    negative: list[SourceRef] = []
    for row in inputs.attendance:
        eid = row.enrolment_id
        if eid not in enrolments:
            unknown_enrolments.add(eid)
            continue
        inside = _in_year(fy, row.on, row.granularity)
        if inside is None:
            straddling.append(SourceRef("enrolment", eid))
            continue
        if not inside:
            continue
        if row.realised_hours < 0 or row.counted_unrealised_hours < 0:
            negative.append(SourceRef("enrolment", eid))
            continue
        realised[eid] += row.realised_hours
        if row.counted_unrealised_hours:
            unrealised[eid] += row.counted_unrealised_hours
        if row.by_subcontractor:
            by_sub[eid] += row.realised_hours
    if unknown_enrolments:
        checks.block(
            "PRESENCE_INSCRIPTION_INCONNUE",
            f"{len(unknown_enrolments)} inscription(s) citée(s) dans les présences sont inconnues : "
            "leurs heures ne sont comptées nulle part.",
            sources=_refs("enrolment", sorted(unknown_enrolments, key=str)),
        )
    if straddling:
        checks.block(
            "PRESENCE_MOIS_A_CHEVAL",
            "Un total mensuel de présence couvre un mois à cheval sur le début ou la fin de "
            "l'exercice : saisissez ce mois jour par jour pour le répartir entre les deux BPF.",
            cells=("F1.total.h",),
            sources=sorted(set(straddling), key=lambda r: str(r.id)),
        )
    if negative:
        checks.block(
            "PRESENCE_NEGATIVE",
            "Des heures de présence négatives ont été ignorées.",
            cells=("F1.total.h",),
            sources=sorted(set(negative), key=lambda r: str(r.id)),
        )

    # -- units and products ----------------------------------------------------------------
    units: dict[tuple[Id, Id], Unit] = {}
    unit_first_entry: dict[tuple[Id, Id], tuple[date, int]] = {}
    products: dict[tuple[str, str | None], Bucket] = defaultdict(Bucket)
    unknown_actions: list[SourceRef] = []
    no_price: list[SourceRef] = []
    flat_without_plan: list[SourceRef] = []
    g_wrong_line: list[SourceRef] = []
    c10_not_g: list[SourceRef] = []
    apprentice_paying: list[SourceRef] = []
    far_future = date.max
    for order, enrolment in enumerate(inputs.enrolments):
        action = actions.get(enrolment.action_id)
        ref = SourceRef("enrolment", enrolment.id)
        if action is None:
            unknown_actions.append(ref)
            continue
        hours = realised.get(enrolment.id, ZERO)
        billable = hours + unrealised.get(enrolment.id, ZERO)
        pays_own = _pays_own_share(enrolment)
        status = enrolment.status
        if pays_own and status is TraineeStatus.APPRENTICE:
            apprentice_paying.append(ref)
        if hours > 0:
            key = (enrolment.trainee_id, action.id)
            unit = units.get(key)
            if unit is None:
                unit = units[key] = Unit(trainee_id=enrolment.trainee_id, action=action)
            unit.hours += hours
            unit.subcontracted_hours += by_sub.get(enrolment.id, ZERO)
            unit.enrolment_ids.append(enrolment.id)
            unit.professionalisation = unit.professionalisation or enrolment.professionalisation_contract
            entry = (enrolment.entered_on or far_future, order)
            if pays_own and status is not TraineeStatus.APPRENTICE:
                unit.category = TraineeStatus.INDIVIDUAL
                unit_first_entry[key] = (date.min, -1)  # precedence: nothing overrides it
            elif key not in unit_first_entry or entry < unit_first_entry[key]:
                unit_first_entry[key] = entry
                unit.category = status
        if billable <= 0:
            continue
        fundings = enrolment.fundings
        if not fundings:
            if action.c_line is None or action.hourly_rate is None:
                no_price.append(ref)
                continue
            fundings = (_default_funding(action),)
        category = TraineeStatus.INDIVIDUAL if pays_own else status
        planned = enrolment.planned_hours or action.planned_hours
        for funding in fundings:
            amount = funding_product(funding, billable, planned, enrolment.billable_hours_before)
            if amount is None:
                no_price.append(ref)
                continue
            if funding.hourly_rate is None and not planned:
                flat_without_plan.append(ref)
            line = funding.c_line
            if action.received_from_other_of and line is not CLine.OTHER_TRAINING_ORGANISATION:
                g_wrong_line.append(ref)
            if line is CLine.OTHER_TRAINING_ORGANISATION and not action.received_from_other_of:
                c10_not_g.append(ref)
            detail = None
            if line is CLine.EMPLOYER:
                if enrolment.professionalisation_contract:
                    detail = DETAIL_PRO
                elif category is TraineeStatus.JOB_SEEKER:
                    detail = DETAIL_JOB_SEEKER
            bucket = products[(line.value, detail)]
            bucket.amount += amount
            bucket.sources.append(ref)

    if unknown_actions:
        checks.block(
            "INSCRIPTION_ACTION_INCONNUE",
            "Des inscriptions renvoient à une action inconnue : ni leurs heures ni leurs produits "
            "ne sont comptés.",
            sources=unknown_actions,
        )
    if no_price:
        checks.warn(
            "INSCRIPTION_SANS_PRIX",
            "Des inscriptions ont des heures facturables dans l'exercice mais ni financeur ni prix "
            "(ligne C et tarif horaire de l'action) : aucun produit n'est compté pour elles.",
            cells=("C.total",),
            sources=_dedupe(no_price),
        )
    if flat_without_plan:
        checks.warn(
            "FORFAIT_SANS_DUREE",
            "Un financement forfaitaire n'a pas de durée prévue : il est compté en entier dans "
            "le premier exercice où l'inscription a des heures, au lieu de l'être au prorata des "
            "heures réalisées.",
            cells=("C.total",),
            sources=_dedupe(flat_without_plan),
        )
    if g_wrong_line:
        checks.block(
            "G_PRODUITS_HORS_C10",
            "Une action qu'un autre organisme vous a confiée (cadre G) a des produits hors de la "
            "ligne C-10 : les produits d'une sous-traitance reçue vont en C-10.",
            cells=("G.n", "C.10"),
            sources=_dedupe(g_wrong_line),
        )
    if c10_not_g:
        checks.block(
            "C10_HORS_G",
            "Des produits sont rattachés à la ligne C-10 (autre organisme de formation) pour une "
            "action qui n'est pas déclarée comme confiée par un autre organisme : ses stagiaires "
            "seraient comptés en F au lieu de G.",
            cells=("C.10", "G.n", "F1.total.n"),
            sources=_dedupe(c10_not_g),
        )
    if apprentice_paying:
        checks.warn(
            "APPRENTI_PARTICIPATION",
            "Un apprenti a un financement personnel (ligne C-9) : la formation d'un apprenti est "
            "gratuite pour lui ; il reste compté en F-1 b.",
            cells=("F1.b.n", "C.9"),
            sources=_dedupe(apprentice_paying),
        )

    _invoice_checks(inputs, fy, {action_id for (_, action_id) in units}, checks)
    _products_from_records(inputs, fy, products, checks, excluded)
    trainers = _trainers(inputs, fy, checks)
    charges, by_account, accounts_ref = _accounts(inputs)

    # hours per trainee per action, to two places (minutes give endless decimals): every sum
    # of the report is then exact, and F-1 = F-3 = F-4 holds to the cent of an hour
    for unit in units.values():
        unit.hours = round_places(unit.hours, 2)
        unit.subcontracted_hours = min(round_places(unit.subcontracted_hours, 2), unit.hours)

    return Facts(
        fiscal_year=fy,
        units=[u for u in units.values() if u.hours > 0],
        products=dict(products),
        trainers=trainers,
        charges=charges,
        charges_by_account=by_account,
        accounts_ref=accounts_ref,
        checks=checks.items,
        excluded=excluded,
    )


def _dedupe(refs: list[SourceRef]) -> list[SourceRef]:
    return list(dict.fromkeys(refs))


def _default_funding(action: ActionInput) -> Funding:
    return Funding(c_line=action.c_line, hourly_rate=action.hourly_rate)


def _check_actions(actions: dict[Id, ActionInput], checks: _Checks) -> None:
    missing_level, bad_level, no_nsf, bad_nsf, both = [], [], [], [], []
    for action in actions.values():
        ref = SourceRef("action", action.id)
        if action.objective in (Objective.RNCP, Objective.RNCP_CQP):
            if action.rncp_level is None:
                if action.objective is Objective.RNCP:
                    missing_level.append(ref)
            elif not 2 <= action.rncp_level <= 8:
                bad_level.append(ref)
        if not action.nsf_code:
            no_nsf.append(ref)
        elif action.nsf_code not in NSF_LABELS:
            bad_nsf.append(ref)
        if action.received_from_other_of and action.subcontracted_to_other:
            both.append(ref)
    if missing_level:
        checks.block(
            "F3_NIVEAU_MANQUANT",
            "Une action visant un diplôme ou un titre RNCP n'a pas de niveau : elle est comptée en "
            "F-3 a sans ligne « dont niveau ». Seuls les CQP peuvent être sans niveau.",
            cells=("F3.a.n",),
            sources=missing_level,
        )
    if bad_level:
        checks.block(
            "F3_NIVEAU_INVALIDE",
            "Un niveau RNCP doit être compris entre 2 et 8.",
            cells=("F3.a.n",),
            sources=bad_level,
        )
    if no_nsf:
        checks.block(
            "F4_NSF_MANQUANT",
            "Une action n'a pas de code de spécialité NSF : ses stagiaires sont comptés en "
            "« Autres spécialités » en attendant.",
            cells=("F4.other.n",),
            sources=no_nsf,
        )
    if bad_nsf:
        checks.block(
            "F4_NSF_INCONNU",
            "Un code de spécialité n'est pas dans la liste NSF de la notice.",
            cells=("F4.total.n",),
            sources=bad_nsf,
        )
    if both:
        checks.warn(
            "ACTION_DEUX_SENS",
            "Une action est déclarée à la fois confiée par un autre organisme et confiée à un autre "
            "organisme : elle est comptée en G seulement.",
            cells=("G.n", "F2.n"),
            sources=both,
        )


def _invoice_checks(inputs: BpfInputs, fy: FiscalYear, actions_with_trainees: set, checks: _Checks) -> None:
    no_line: list[SourceRef] = []
    without_trainees: list[SourceRef] = []
    for invoice in inputs.invoices:
        if invoice.issued_on not in fy:
            continue
        ref = SourceRef("invoice", invoice.id)
        if invoice.c_line is None and not invoice.is_advance:
            no_line.append(ref)
        if invoice.action_id is not None and invoice.action_id not in actions_with_trainees:
            without_trainees.append(ref)
    if no_line:
        checks.warn(
            "FACTURE_SANS_LIGNE_C",
            "Des factures de l'exercice ne sont rattachées à aucune ligne du cadre C : indiquez qui paie "
            "et dans quel dispositif.",
            cells=("C.total",),
            sources=no_line,
        )
    if without_trainees:
        checks.warn(
            "FACTURE_SANS_STAGIAIRES",
            "Des factures de l'exercice portent sur une action qui ne compte aucune heure de stagiaire "
            "dans l'exercice (cadres F et G).",
            cells=("C.total", "F1.total.n", "G.n"),
            sources=without_trainees,
        )


def _products_from_records(inputs, fy, products, checks: _Checks, excluded: list[Exclusion]) -> None:
    invoice_uses: dict[Id, list[SourceRef]] = defaultdict(list)
    no_line: list[SourceRef] = []
    for product in inputs.products:
        ref = SourceRef("product", product.id)
        if product.invoice_id is not None:
            invoice_uses[product.invoice_id].append(ref)
        if product.on not in fy:
            excluded.append(Exclusion(ref, "Produit hors de l'exercice."))
            continue
        if product.kind is ProductKind.ADVANCE:
            excluded.append(
                Exclusion(ref, "Avance facturée pour des heures non réalisées : ce n'est pas un produit.")
            )
            continue
        if product.kind is ProductKind.PENALTY:
            key = (LINE_PENALTY, None)
        elif product.kind is ProductKind.OTHER:
            kind = product.other_kind or OtherProductKind.BOARD_LODGING_TRANSPORT
            key = (CLine.OTHER_PRODUCTS.value, kind.value)
        else:
            if product.c_line is None:
                no_line.append(ref)
                continue
            key = (product.c_line.value, None)
        bucket = products[key]
        bucket.amount += product.amount
        bucket.sources.append(ref)
    if no_line:
        checks.block(
            "PRODUIT_SANS_LIGNE",
            "Un produit de formation n'est rattaché à aucune ligne du cadre C.",
            cells=("C.total",),
            sources=no_line,
        )
    doubles = [refs for refs in invoice_uses.values() if len(refs) > 1]
    invoice_numbers: dict[str, list[SourceRef]] = defaultdict(list)
    for invoice in inputs.invoices:
        invoice_numbers[invoice.number].append(SourceRef("invoice", invoice.id))
    doubles += [refs for refs in invoice_numbers.values() if len(refs) > 1]
    if doubles:
        checks.warn(
            "FACTURE_EN_DOUBLE",
            "Une même facture est comptée deux fois.",
            cells=("C.total",),
            sources=[r for refs in doubles for r in refs],
        )


def _trainers(
    inputs: BpfInputs, fy: FiscalYear, checks: _Checks
) -> dict[TrainerStatus, dict[Id, TrainerLine]]:
    lines: dict[TrainerStatus, dict[Id, TrainerLine]] = defaultdict(dict)
    no_status: list[SourceRef] = []
    month_change: list[SourceRef] = []
    straddle: list[SourceRef] = []
    for trainer in inputs.trainers:
        ref = SourceRef("trainer", trainer.id)
        for row in trainer.hours:
            inside = _in_year(fy, row.on, row.granularity)
            if inside is None:
                straddle.append(ref)
                continue
            if not inside or row.hours == 0:
                continue
            status = _status_on(
                trainer.periods, row.on if row.granularity is Granularity.DAY else month_bounds(row.on)[0]
            )
            if row.granularity is Granularity.MONTH:
                first, last = month_bounds(row.on)
                status_last = _status_on(trainer.periods, last)
                if status is None:
                    status = status_last
                elif status_last is not None and status_last is not status:
                    month_change.append(ref)
            if status is None:
                no_status.append(ref)
                continue
            line = lines[status].get(trainer.id)
            if line is None:
                line = lines[status][trainer.id] = TrainerLine()
            line.hours += row.hours
            if row.granularity is Granularity.DAY:
                line.days.add(row.on)
            else:
                line.has_monthly = True
    if no_status:
        checks.block(
            "E_HEURES_SANS_STATUT",
            "Un formateur a des heures à une date où aucun statut (interne ou externe) n'est "
            "renseigné : ces heures ne sont pas comptées en E.",
            cells=("E.1.h", "E.2.h"),
            sources=_dedupe(no_status),
        )
    if month_change:
        checks.warn(
            "E_STATUT_CHANGE_EN_COURS_DE_MOIS",
            "Un formateur change de statut en cours de mois alors que ses heures sont saisies par "
            "mois : elles sont comptées au statut du 1er du mois. Saisissez ce mois jour par jour.",
            cells=("E.1.h", "E.2.h"),
            sources=_dedupe(month_change),
        )
    if straddle:
        checks.block(
            "E_MOIS_A_CHEVAL",
            "Un total mensuel d'heures de formateur couvre un mois à cheval sur la limite de "
            "l'exercice : saisissez ce mois jour par jour.",
            cells=("E.1.h", "E.2.h"),
            sources=_dedupe(straddle),
        )
    return dict(lines)


def _status_on(periods, day: date) -> TrainerStatus | None:
    for period in periods:
        if period.covers(day):
            return period.status
    return None


def _accounts(inputs: BpfInputs):
    accounts = inputs.accounts
    if accounts is None:
        return {"total": None, "salaries": None, "purchases": None, "turnover": None}, {}, None
    by_account = {str(k): v for k, v in accounts.charges_by_account.items()}
    total = accounts.training_charges
    if total is None and by_account:
        total = sum((v for k, v in by_account.items() if len(k) == 2 and "60" <= k <= "69"), ZERO)
    salaries = accounts.trainer_salaries
    if salaries is None and by_account:
        salaries = by_account.get("6411", ZERO)
    purchases = accounts.training_purchases
    if purchases is None and by_account:
        purchases = by_account.get("604", ZERO) + by_account.get("6226", ZERO)
    charges = {
        "total": total,
        "salaries": salaries,
        "purchases": purchases,
        "turnover": accounts.total_turnover,
    }
    return charges, by_account, SourceRef("accounts", accounts.id)
