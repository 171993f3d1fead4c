"""The statement engine: the arithmetic of the CRE / CREF (compte-rendu d'exécution), to the cent.

Pure Python — dataclasses and ``Decimal`` in, dataclasses out; no Django, no ORM, no I/O.  The
CLI (``formarche statement simulate``), the web pages, the PDFs and the API all call
:func:`compute_statements` and :func:`compute_solde`.  The formulas, in French and with the
seed's worked example line by line, are in ``docs/calculs.md``; the labels below say where each
rule comes from:

- **[seed]** stated by the SIGMA guide (``/work/shared/seeds/000_d23f618164c2b6c6.txt``);
- **[derived]** reconstructed from the seed's figures, reproducing every one of them to the cent;
- **[design]** our own decision where the seed is silent.

Notation: A order amount HT, p unit price per trainee-hour, D duration in months, H_k hours of
period k (réalisé + non réalisé comptabilisé), C_k = H_1 + … + H_k, N_k = C_k × p, r_k = N_k / A.

Rounding (sigma.md) — stated once, applied everywhere:

1. every amount the statement shows is rounded to the cent, half up, at its own line, with the
   one rounding rule of :mod:`formarche.utils.money`;
2. sums and differences are taken on those rounded lines (so the document adds up exactly);
3. rates (r_k, the resorption fraction f(r_k)) stay exact — quotients are never materialised, the
   rounding helper works on numerator / denominator — and are rounded (2 places, half up) only to
   be displayed.  The ``*_rate`` fields of :class:`Statement` are those display values, in
   percent; no computation reads them back.

Signs follow the printed document: deductions (régulation, remboursement d'avance, report de
remboursement) are ≤ 0, so ``total_ht = billable + cap_regulation + advance_repayment +
repayment_carried_in`` (floored at 0); ``repayment_carried_out`` is ≥ 0.

The package: :mod:`~formarche.billing.engine.terms` (the order's terms, the dispositif's
parameters), :mod:`~formarche.billing.engine.results` (periods in, statements and solde out),
:mod:`~formarche.billing.engine.statements` (the computation).
"""

from formarche.billing.engine.results import PeriodInput, ProviderLine, Solde, Statement
from formarche.billing.engine.statements import (
    advance_amount,
    compute_last_statement,
    compute_solde,
    compute_statements,
)
from formarche.billing.engine.terms import (
    COMPETENCES_PLUS,
    DEFAULT_RESORPTION_BANDS,
    DISPOSITIF_PRESETS,
    PARCOURS_QUALIFIANTS,
    DispositifParameters,
    EngineInputError,
    OrderTerms,
    ResorptionBand,
    StatementKind,
    TermsAmendment,
    contracted_hours,
    terms_for_dispositif,
)

__all__ = [
    "COMPETENCES_PLUS",
    "DEFAULT_RESORPTION_BANDS",
    "DISPOSITIF_PRESETS",
    "PARCOURS_QUALIFIANTS",
    "DispositifParameters",
    "EngineInputError",
    "OrderTerms",
    "PeriodInput",
    "ProviderLine",
    "ResorptionBand",
    "Solde",
    "Statement",
    "StatementKind",
    "TermsAmendment",
    "advance_amount",
    "compute_last_statement",
    "compute_solde",
    "compute_statements",
    "contracted_hours",
    "terms_for_dispositif",
]

# Groups (groupements, ADR 0018): imported last, they build on the single-provider engine.
from formarche.billing.engine.group import (  # noqa: E402
    GroupPeriodInput,
    GroupStatement,
    MemberShare,
    compute_group_solde,
    compute_group_statements,
    member_terms,
)

__all__ += [
    "GroupPeriodInput",
    "GroupStatement",
    "MemberShare",
    "compute_group_solde",
    "compute_group_statements",
    "member_terms",
]
