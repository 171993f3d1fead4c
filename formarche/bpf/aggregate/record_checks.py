"""The checks of the aggregation that need the records (pure): unknown enrolments or actions,
attendance outside the year, products without a line, invoices counted twice…

They are collected in a `CheckList` while `formarche.bpf.aggregate.aggregate` runs, in a fixed
order (actions, attendance, enrolments, invoices, products, trainers), and named by the cells of
10443*17 (the engine renames them for older editions).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from formarche.bpf.aggregate.facts import LINE_PENALTY
from formarche.bpf.inputs import (
    ActionInput,
    BpfInputs,
    CLine,
    FiscalYear,
    Id,
    Objective,
    OtherProductKind,
    ProductKind,
)
from formarche.bpf.report import CheckLevel, CheckResult, Exclusion, SourceRef
from formarche.utils.nsf import NSF_LABELS


class CheckList:
    def __init__(self) -> None:
        self.items: list[CheckResult] = []

    def add(self, level: CheckLevel, code: str, message: str, cells=(), sources=()) -> None:
        self.items.append(CheckResult(level, code, message, tuple(cells), tuple(sources)))

    def block(self, code: str, message: str, cells=(), sources=()) -> None:
        self.add(CheckLevel.BLOCKING, code, message, cells, sources)

    def warn(self, code: str, message: str, cells=(), sources=()) -> None:
        self.add(CheckLevel.WARNING, code, message, cells, sources)


def refs_of(kind: str, ids) -> list[SourceRef]:
    return [SourceRef(kind, i) for i in ids]


def dedupe_refs(refs: list[SourceRef]) -> list[SourceRef]:
    return list(dict.fromkeys(refs))


@dataclass(slots=True)
class AttendanceFindings:
    """What the attendance pass could not count."""

    unknown_enrolments: set[Id] = field(default_factory=set)
    straddling: list[SourceRef] = field(default_factory=list)
    negative: list[SourceRef] = field(default_factory=list)


def attendance_checks(found: AttendanceFindings, checks: CheckList) -> None:
    if found.unknown_enrolments:
        checks.block(
            "PRESENCE_INSCRIPTION_INCONNUE",
            f"{len(found.unknown_enrolments)} inscription(s) citée(s) dans les présences sont inconnues : "
            "leurs heures ne sont comptées nulle part.",
            sources=refs_of("enrolment", sorted(found.unknown_enrolments, key=str)),
        )
    if found.straddling:
        checks.block(
            "PRESENCE_MOIS_A_CHEVAL",
            "Un total mensuel de présence couvre un mois à cheval sur le début ou la fin de "
            "l'exercice : saisissez ce mois jour par jour pour le répartir entre les deux BPF.",
            cells=("F1.total.h",),
            sources=sorted(set(found.straddling), key=lambda r: str(r.id)),
        )
    if found.negative:
        checks.block(
            "PRESENCE_NEGATIVE",
            "Des heures de présence négatives ont été ignorées.",
            cells=("F1.total.h",),
            sources=sorted(set(found.negative), key=lambda r: str(r.id)),
        )


@dataclass(slots=True)
class EnrolmentFindings:
    """What the pass over enrolments (units and products) found wrong, by kind."""

    unknown_actions: list[SourceRef] = field(default_factory=list)
    no_price: list[SourceRef] = field(default_factory=list)
    flat_without_plan: list[SourceRef] = field(default_factory=list)
    g_wrong_line: list[SourceRef] = field(default_factory=list)
    c10_not_g: list[SourceRef] = field(default_factory=list)
    apprentice_paying: list[SourceRef] = field(default_factory=list)


def enrolment_checks(found: EnrolmentFindings, checks: CheckList) -> None:
    if found.unknown_actions:
        checks.block(
            "INSCRIPTION_ACTION_INCONNUE",
            "Des inscriptions renvoient à une action inconnue : ni leurs heures ni leurs produits "
            "ne sont comptés.",
            sources=found.unknown_actions,
        )
    if found.no_price:
        checks.warn(
            "INSCRIPTION_SANS_PRIX",
            "Des inscriptions ont des heures facturables dans l'exercice mais ni financeur ni prix "
            "(ligne C et tarif horaire de l'action) : aucun produit n'est compté pour elles.",
            cells=("C.total",),
            sources=dedupe_refs(found.no_price),
        )
    if found.flat_without_plan:
        checks.warn(
            "FORFAIT_SANS_DUREE",
            "Un financement forfaitaire n'a pas de durée prévue : il est compté en entier dans "
            "le premier exercice où l'inscription a des heures, au lieu de l'être au prorata des "
            "heures réalisées.",
            cells=("C.total",),
            sources=dedupe_refs(found.flat_without_plan),
        )
    if found.g_wrong_line:
        checks.block(
            "G_PRODUITS_HORS_C10",
            "Une action qu'un autre organisme vous a confiée (cadre G) a des produits hors de la "
            "ligne C-10 : les produits d'une sous-traitance reçue vont en C-10.",
            cells=("G.n", "C.10"),
            sources=dedupe_refs(found.g_wrong_line),
        )
    if found.c10_not_g:
        checks.block(
            "C10_HORS_G",
            "Des produits sont rattachés à la ligne C-10 (autre organisme de formation) pour une "
            "action qui n'est pas déclarée comme confiée par un autre organisme : ses stagiaires "
            "seraient comptés en F au lieu de G.",
            cells=("C.10", "G.n", "F1.total.n"),
            sources=dedupe_refs(found.c10_not_g),
        )
    if found.apprentice_paying:
        checks.warn(
            "APPRENTI_PARTICIPATION",
            "Un apprenti a un financement personnel (ligne C-9) : la formation d'un apprenti est "
            "gratuite pour lui ; il reste compté en F-1 b.",
            cells=("F1.b.n", "C.9"),
            sources=dedupe_refs(found.apprentice_paying),
        )


def action_checks(actions: dict[Id, ActionInput], checks: CheckList) -> None:
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


def invoice_checks(inputs: BpfInputs, fy: FiscalYear, actions_with_trainees: set, checks: CheckList) -> None:
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


def products_from_records(
    inputs: BpfInputs, fy: FiscalYear, products: dict, checks: CheckList, excluded: list[Exclusion]
) -> None:
    """Add the recorded products of the year to their buckets; exclude advances and products outside it."""
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
