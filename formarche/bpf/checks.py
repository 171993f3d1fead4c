"""Consistency checks of a BPF report (docs/bpf.md, "Contrôles").

`run_checks(report)` works on the cells alone, so it also runs on a report
loaded back from JSON or edited by hand. The engine adds the checks that need
the records (unknown enrolments, invoices…) from `aggregate` (`record_checks`); each
edition adds its own checks on cells (`Edition.domain_checks`, in its `cerfa` module).
"""

from __future__ import annotations

from formarche.bpf.cerfa import Edition, Kind, get_edition
from formarche.bpf.report import (
    BpfReport,
    CheckLevel,
    CheckResult,
    SourceRef,
    cell_names,
    cell_number,
    cell_refs,
    french_number,
)
from formarche.utils.identifiers import siret_is_valid


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
                f"Les montants doivent être arrondis à l'euro le plus proche : {cell_names(edition, not_whole)}.",
                tuple(not_whole),
                cell_refs(report, not_whole),
            )
        )
    for rule in edition.sum_rules:
        if rule.total not in cells:
            continue
        total = cell_number(report, rule.total)
        parts = sum(cell_number(report, p) for p in rule.parts)
        if total != parts:
            out.append(
                CheckResult(
                    CheckLevel.BLOCKING,
                    rule.code,
                    f"La case {rule.total} ({french_number(total)}) doit être égale à la somme des cases "
                    f"{cell_names(edition, rule.parts)} ({french_number(parts)}).",
                    (rule.total, *rule.parts),
                    cell_refs(report, (rule.total, *rule.parts)),
                )
            )
    for rule in edition.at_most_rules:
        if rule.whole not in cells:
            continue
        parts = sum(cell_number(report, p) for p in rule.parts)
        whole = cell_number(report, rule.whole)
        if parts > whole:
            what = (
                rule.parts[0]
                if len(rule.parts) == 1
                else "La somme des cases " + cell_names(edition, rule.parts)
            )
            out.append(
                CheckResult(
                    CheckLevel.BLOCKING,
                    rule.code,
                    f"{what} ({french_number(parts)}) ne peut pas dépasser la case {rule.whole} ({french_number(whole)}).",
                    (*rule.parts, rule.whole),
                    cell_refs(report, (*rule.parts, rule.whole)),
                )
            )
    for rule in edition.equal_rules:
        values = [cell_number(report, k) for k in rule.keys if k in cells]
        if len(set(values)) > 1:
            detail = ", ".join(f"{k} = {french_number(cell_number(report, k))}" for k in rule.keys)
            out.append(
                CheckResult(
                    CheckLevel.BLOCKING,
                    rule.code,
                    f"Les totaux des cadres doivent être égaux : {detail}.",
                    rule.keys,
                    cell_refs(report, rule.keys),
                )
            )
    return out


def identity_checks(report: BpfReport) -> list[CheckResult]:
    """Cadres A and B are always filled, even without activity."""
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
    if not siret_is_valid(org.siret):
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


def run_checks(report: BpfReport) -> list[CheckResult]:
    edition = get_edition(report.edition)
    out = identity_checks(report) + structural_checks(report, edition)
    if edition.domain_checks is not None:
        out += edition.domain_checks(report)
    return out
