"""What every billing write shares: the refusal, the history user, the archived-action guard, the
stored file."""

from __future__ import annotations

from decimal import Decimal

from formarche.billing.models import Invoice
from formarche.orders.models import Order, OrderStatus
from formarche.utils.money import has_places
from formarche.utils.storage import StorageUnavailable, file_save


class BillingError(Exception):
    """A refused billing action; ``str(error)`` is the French message to show."""

    def __init__(self, message: str, *, errors: list[str] | None = None, report=None):
        super().__init__(message)
        self.errors = errors or [message]
        self.report = report


def as_user(instance, user):
    """Who the history row names (the request middleware does it for views; this for the rest)."""
    instance._history_user = user
    return instance


def require_not_archived(order: Order, what: str) -> None:
    """An archived action is read-only (issue #6): every billing write calls this first."""
    if order.status == OrderStatus.ARCHIVED:
        raise BillingError(f"L'action est archivée : {what}")


def check_amount(amount: Decimal) -> None:
    """An amount entered by the Région: positive, in euros and cents."""
    if not isinstance(amount, Decimal) or amount <= 0 or not has_places(amount, 2):
        raise BillingError("Le montant doit être positif, en euros et centimes (par exemple 1234.56).")


def lock_invoice(invoice: Invoice) -> Invoice:
    """The invoice row, locked until commit, with its period and order."""
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to period
    return (
        Invoice.objects.select_for_update(of=("self",)).select_related("period", "order").get(pk=invoice.pk)
    )


def store_file(field, name: str, data: bytes, *, what: str) -> None:
    """Write ``data`` to the file ``field`` (the row is saved by the caller, in its transaction).

    A storage that cannot write (disk full, read-only, S3 unreachable or refusing) refuses the
    action with a French message instead of an error page: the caller's transaction rolls back,
    so the row is not changed and a number taken for it is given back (no gap in the sequence).
    """
    try:
        file_save(field, name, data)
    except StorageUnavailable as exc:
        raise BillingError(
            f"Impossible d'enregistrer {what} ({exc.cause}) : rien n'a été modifié. "
            "Réessayez plus tard ; si cela se reproduit, prévenez l'administrateur."
        ) from exc
