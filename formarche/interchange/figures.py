"""The figures of a statement and of a solde that the interchange format carries (docs/interchange.md,
« Histoire de facturation »): written by the exporter, recomputed and compared by the importer."""

STATEMENT_FIGURES = (
    "period_hours",
    "billable",
    "cap_regulation",
    "advance_repayment",
    "total_ht",
    "vat",
    "total_ttc",
    "already_paid",
)
SOLDE_FIGURES = (
    "amount_due",
    "bonus",
    "penalties",
    "advance",
    "instalments_paid",
    "total_paid",
    "balance_ht",
    "vat",
    "balance_ttc",
)
STATEMENT_KINDS = ("CRE", "CRE final")
