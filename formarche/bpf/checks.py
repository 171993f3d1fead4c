"""Consistency checks of a BPF report (docs/bpf.md, "Contrôles").

`run_checks(report)` works on the cells alone, so it also runs on a report
loaded back from JSON or edited by hand. The engine adds the checks that need
the records (unknown enrolments, invoices…) from `aggregate`.
"""

from __future__ import annotations

from collections.abc import Iterable

from formarche.bpf.cerfa import Edition, Kind, get_edition
from formarche.bpf.report import BpfReport, CheckLevel, CheckResult, SourceRef


def _refs(report: BpfReport, keys: Iterable[str]) -> tuple[SourceRef, ...]:
    seen: dict[SourceRef, None] = {}
    for key in keys:
        cell = report.cells.get(key)
        if cell is not None:
            for ref in cell.sources:
                seen[ref] = None
    return tuple(seen)


def _num(report: BpfReport, key: str):
    value = report.cells[key].value if key in report.cells else None
    return 0 if value is None or isinstance(value, bool) else value


def _fmt(value) -> str:
    return str(value).replace(".", ",")


def _names(edition: Edition, keys: Iterable[str]) -> str:
    return ", ".join(keys)


def structural_checks(report: BpfReport, edition: Edition) -> list[CheckResult]:
    out: list[CheckResult] = []
    cells = report.cells
    # whole euros in every amount cell
    not_whole = [
        c.key
        for c in edition.cells
        if c.kind is Kind.AMOUNT
        and c.key in cells
        and cells[c.key].value is not None
        and not isinstance(cells[c.key].value, int)
    ]
    if not_whole:
        out.append(
            CheckResult(
                CheckLevel.BLOCKING,
                "MONTANTS_NON_ENTIERS",
                f"Les montants doivent être arrondis à l'euro le plus proche : {_names(edition, not_whole)}.",
                tuple(not_whole),
                _refs(report, not_whole),
            )
        )
    for rule in edition.sum_rules:
        if rule.total not in cells:
            continue
        total = _num(report, rule.total)
        parts = sum(_num(report, p) for p in rule.parts)
        if total != parts:
            out.append(
                CheckResult(
                    CheckLevel.BLOCKING,
                    rule.code,
                    f"La case {rule.total} ({_fmt(total)}) doit être égale à la somme des cases "
                    f"{_names(edition, rule.parts)} ({_fmt(parts)}).",
                    (rule.total, *rule.parts),
                    _refs(report, (rule.total, *rule.parts)),
                )
            )
    for rule in edition.at_most_rules:
        if rule.whole not in cells:
            continue
        parts = sum(_num(report, p) for p in rule.parts)
        whole = _num(report, rule.whole)
        if parts > whole:
            what = (
                rule.parts[0] if len(rule.parts) == 1 else "La somme des cases " + _names(edition, rule.parts)
            )
            out.append(
                CheckResult(
                    CheckLevel.BLOCKING,
                    rule.code,
                    f"{what} ({_fmt(parts)}) ne peut pas dépasser la case {rule.whole} ({_fmt(whole)}).",
                    (*rule.parts, rule.whole),
                    _refs(report, (*rule.parts, rule.whole)),
                )
            )
    for rule in edition.equal_rules:
        values = [_num(report, k) for k in rule.keys if k in cells]
        if len(set(values)) > 1:
            detail = ", ".join(f"{k} = {_fmt(_num(report, k))}" for k in rule.keys)
            out.append(
                CheckResult(
                    CheckLevel.BLOCKING,
                    rule.code,
                    f"Les totaux des cadres doivent être égaux : {detail}.",
                    rule.keys,
                    _refs(report, rule.keys),
                )
            )
    return out


def identity_checks(report: BpfReport) -> list[CheckResult]:
    """Cadres A and B are always filled, even without activity."""
    from stdnum.fr import siret as stdnum_siret

    org = report.organisation
    out: list[CheckResult] = []
    ref = (SourceRef("organisation", org.siret or org.nda or "organisation"),)
    nda = (org.nda or "").replace(" ", "")
    if not (nda.isdigit() and len(nda) == 11):
        out.append(
            CheckResult(
                CheckLevel.BLOCKING,
                "A_NDA_INVALIDE",
                "Cadre A : le numéro de déclaration d'activité doit compter 11 chiffres.",
                ("A.nda",),
                ref,
            )
        )
    if not stdnum_siret.is_valid(org.siret or ""):
        out.append(
            CheckResult(
                CheckLevel.BLOCKING,
                "A_SIRET_INVALIDE",
                "Cadre A : le numéro SIRET n'est pas valide (14 chiffres, clé de contrôle).",
                ("A.siret",),
                ref,
            )
        )
    missing = [
        label
        for label, value in (
            ("forme juridique", org.legal_form),
            ("code NAF", org.naf),
            ("dénomination", org.name),
            ("adresse", org.address),
        )
        if not (value or "").strip()
    ]
    if org.address_public is None:
        missing.append("adresse rendue publique (oui/non)")
    if missing:
        out.append(
            CheckResult(
                CheckLevel.BLOCKING,
                "A_INCOMPLET",
                "Cadre A à compléter : " + ", ".join(missing) + ".",
                ("A",),
                ref,
            )
        )
    return out


def current_domain_checks(report: BpfReport) -> list[CheckResult]:
    """bpf.md checks 5, 7, 8 (those on cells) and 9, for 10443*16 and *17."""
    out: list[CheckResult] = []
    n = lambda k: _num(report, k)  # noqa: E731
    has_f = n("F1.total.n") > 0
    has_g = n("G.n") > 0
    activity = has_f or has_g or n("C.total") > 0

    # 5. G ⇔ C-10
    if has_g != (n("C.10") > 0):
        out.append(
            CheckResult(
                CheckLevel.BLOCKING,
                "G_SANS_C10" if has_g else "C10_SANS_G",
                "Le cadre G (stagiaires confiés par un autre organisme) et la ligne C-10 (produits "
                "d'autres organismes de formation) vont ensemble : "
                + (
                    "G compte des stagiaires mais C-10 est nul."
                    if has_g
                    else "C-10 a des produits mais G ne compte aucun stagiaire."
                ),
                ("G.n", "C.10"),
                _refs(report, ("G.n", "C.10")),
            )
        )
    # 7. % of turnover
    pct = report.cells["C.pct"].value
    if activity:
        if pct is None:
            out.append(
                CheckResult(
                    CheckLevel.BLOCKING,
                    "C_PCT_MANQUANT",
                    "La part du chiffre d'affaires réalisée en formation ne peut pas être calculée : "
                    "saisissez le chiffre d'affaires global de l'exercice.",
                    ("C.pct",),
                    _refs(report, ("C.pct",)),
                )
            )
        elif not (isinstance(pct, int) and 1 <= pct <= 100):
            out.append(
                CheckResult(
                    CheckLevel.BLOCKING,
                    "C_PCT_HORS_BORNES",
                    f"La part du chiffre d'affaires réalisée en formation doit être un entier de 1 à 100 "
                    f"(calculée : {pct}). Vérifiez le chiffre d'affaires global et le cadre C.",
                    ("C.pct", "C.total"),
                    _refs(report, ("C.pct", "C.total")),
                )
            )
    # 8. warnings
    if n("F1.b.n") > 0 and n("C.a") == 0:
        out.append(
            CheckResult(
                CheckLevel.WARNING,
                "APPRENTIS_SANS_C_A",
                "Des apprentis sont comptés en F-1 b mais la ligne C-a (contrats d'apprentissage) est nulle.",
                ("F1.b.n", "C.a"),
                _refs(report, ("F1.b.n",)),
            )
        )
    if n("F1.d.n") > 0 and n("C.9") == 0:
        out.append(
            CheckResult(
                CheckLevel.WARNING,
                "PARTICULIERS_SANS_C9",
                "Des particuliers à leurs propres frais sont comptés en F-1 d mais la ligne C-9 est nulle.",
                ("F1.d.n", "C.9"),
                _refs(report, ("F1.d.n",)),
            )
        )
    if (
        (n("F2.n") > 0 or n("E.2.n") > 0)
        and n("D.purchases") == 0
        and report.cells["D.purchases"].value is not None
    ):
        out.append(
            CheckResult(
                CheckLevel.WARNING,
                "SOUS_TRAITANCE_SANS_ACHATS",
                "Des actions confiées à un autre organisme (F-2) ou des formateurs extérieurs (E-2) "
                "figurent au bilan, mais aucun achat de formation ni honoraire (604 + 6226) n'est déclaré en D.",
                ("F2.n", "E.2.n", "D.purchases"),
                _refs(report, ("F2.n", "E.2.n")),
            )
        )
    # 9. no activity
    if not activity:
        filled_d = [k for k in ("D.total", "D.salaries", "D.purchases") if n(k)]
        if filled_d:
            out.append(
                CheckResult(
                    CheckLevel.BLOCKING,
                    "NEANT_AVEC_CHARGES",
                    "Sans activité de formation dans l'exercice, les cadres C et D portent la mention "
                    "« néant » : des charges de formation sont pourtant saisies.",
                    tuple(filled_d),
                    _refs(report, filled_d),
                )
            )
    return out


def run_checks(report: BpfReport) -> list[CheckResult]:
    edition = get_edition(report.edition)
    out = identity_checks(report) + structural_checks(report, edition)
    if edition.domain_checks is not None:
        out += edition.domain_checks(report)
    return out
