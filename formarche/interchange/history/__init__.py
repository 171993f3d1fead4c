"""An order's billing history in the interchange format: the advance, the validated periods with
their frozen hours and statements (CRE / CRE final), the penalties and bonuses, the frozen solde
(VSF), and what links invoices to them (the solde, rejections, reissues).

Figures are never taken on trust: at import every statement is recomputed by the statement
engine (``billing.engine.compute_statements``) from the periods' frozen hours and the order's
terms, the solde by ``billing.engine.compute_solde`` from those statements and the penalties and
bonuses, and each invoice's amounts are compared with its statement or solde. A figure that
disagrees refuses the file, the error naming the field and both values. What is stored is the
engine's output (equal, figure for figure, to the document's).

- :mod:`.parse` — reading it (shape only);
- :mod:`.verify` — recomputing the statements and the solde, comparing every figure;
- :mod:`.invoices` — the invoices' links (amounts, rejection, reissue);
- :mod:`.write` — writing it by the pipeline's bulk writer.
"""

from formarche.interchange.history.invoices import check_invoices
from formarche.interchange.history.parse import (
    LONG_TEXT,
    _label,
    _noon,
    effective_dispositifs,
    month_of,
    parse_bands,
    parse_order_history,
)
from formarche.interchange.history.verify import solde_invoice_amounts, verify_order
from formarche.interchange.history.write import period_validated_at, write_history

__all__ = [
    "LONG_TEXT",
    "_label",
    "_noon",
    "check_invoices",
    "effective_dispositifs",
    "month_of",
    "parse_bands",
    "parse_order_history",
    "period_validated_at",
    "solde_invoice_amounts",
    "verify_order",
    "write_history",
]
