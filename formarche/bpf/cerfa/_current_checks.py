"""The checks on cells of 10443*16 and 10443*17 (docs/bpf.md, "Contrôles" 5, 7, 8 and 9)."""

from __future__ import annotations

from functools import partial

from formarche.bpf.report import BpfReport, CheckLevel, CheckResult, cell_number, cell_refs


def current_domain_checks(report: BpfReport) -> list[CheckResult]:
    """bpf.md checks 5, 7, 8 (those on cells) and 9, for 10443*16 and *17."""
    n = partial(cell_number, report)
    activity = n("F1.total.n") > 0 or n("G.n") > 0 or n("C.total") > 0
    out = _g_and_c10(report)
    if activity:
        out += _percent_of_turnover(report)
    out += _warnings(report)
    if not activity:
        out += _no_activity(report)
    return out


def _g_and_c10(report: BpfReport) -> list[CheckResult]:
    """5. G ⇔ C-10"""
    out: list[CheckResult] = []
    has_g = cell_number(report, "G.n") > 0
    if has_g != (cell_number(report, "C.10") > 0):
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
                cell_refs(report, ("G.n", "C.10")),
            )
        )
    return out


def _percent_of_turnover(report: BpfReport) -> list[CheckResult]:
    """7. % of turnover (with activity)"""
    out: list[CheckResult] = []
    pct = report.cells["C.pct"].value
    if pct is None:
        out.append(
            CheckResult(
                CheckLevel.BLOCKING,
                "C_PCT_MANQUANT",
                "La part du chiffre d'affaires réalisée en formation ne peut pas être calculée : "
                "saisissez le chiffre d'affaires global de l'exercice.",
                ("C.pct",),
                cell_refs(report, ("C.pct",)),
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
                cell_refs(report, ("C.pct", "C.total")),
            )
        )
    return out


def _warnings(report: BpfReport) -> list[CheckResult]:
    """8. warnings"""
    out: list[CheckResult] = []
    n = partial(cell_number, report)
    if n("F1.b.n") > 0 and n("C.a") == 0:
        out.append(
            CheckResult(
                CheckLevel.WARNING,
                "APPRENTIS_SANS_C_A",
                "Des apprentis sont comptés en F-1 b mais la ligne C-a (contrats d'apprentissage) est nulle.",
                ("F1.b.n", "C.a"),
                cell_refs(report, ("F1.b.n",)),
            )
        )
    if n("F1.d.n") > 0 and n("C.9") == 0:
        out.append(
            CheckResult(
                CheckLevel.WARNING,
                "PARTICULIERS_SANS_C9",
                "Des particuliers à leurs propres frais sont comptés en F-1 d mais la ligne C-9 est nulle.",
                ("F1.d.n", "C.9"),
                cell_refs(report, ("F1.d.n",)),
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
                cell_refs(report, ("F2.n", "E.2.n")),
            )
        )
    return out


def _no_activity(report: BpfReport) -> list[CheckResult]:
    """9. no activity: C and D say « néant »"""
    out: list[CheckResult] = []
    n = partial(cell_number, report)
    filled_d = [k for k in ("D.total", "D.salaries", "D.purchases") if n(k)]
    if filled_d:
        out.append(
            CheckResult(
                CheckLevel.BLOCKING,
                "NEANT_AVEC_CHARGES",
                "Sans activité de formation dans l'exercice, les cadres C et D portent la mention "
                "« néant » : des charges de formation sont pourtant saisies.",
                tuple(filled_d),
                cell_refs(report, filled_d),
            )
        )
    return out
