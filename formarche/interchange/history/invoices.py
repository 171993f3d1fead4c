"""The links of the document's invoices: the amounts of each against its statement or its solde
(recomputed by the engine, or stored in formarche), the Région's decision and the rejection, the
reissue of a rejected invoice."""

from __future__ import annotations

from decimal import Decimal

from formarche.billing.models import SUPPORT_SOLDE, InvoiceStatus, Solde
from formarche.interchange.history.parse import LONG_TEXT, _label
from formarche.interchange.history.verify import _fmt, _is, solde_invoice_amounts
from formarche.interchange.validation import Checker
from formarche.utils.money import ZERO


def check_invoices(items: list, invoices: list, orders: dict, c: Checker) -> None:
    """Links of the parsed invoices (``invoices[k]["index"]`` is the position in ``items``)."""
    db_soldes = {
        s.order_id: s
        for s in Solde.objects.filter(
            order_id__in={inv["db_order"].pk for inv in invoices if inv["db_order"] is not None}
        ).prefetch_related("invoices")
    }
    by_number = {inv["number"]: inv for inv in invoices if inv["number"]}
    replaced: dict = {}
    for inv in invoices:
        ip = f"/invoices/{inv['index']}"
        raw = items[inv["index"]]
        entry = orders.get(inv["order"]) if inv["db_order"] is None else None
        expected = None
        if inv["support"] == SUPPORT_SOLDE and (entry is not None or inv["db_order"] is not None):
            expected = _solde_expected(inv, ip, entry, db_soldes, c)
        elif entry is not None and inv["month"] is not None and entry["history"]["periods"]:
            expected = _period_expected(inv, ip, entry, c)
        if expected is not None:
            origin = "le solde" if inv["support"] == SUPPORT_SOLDE else "le relevé de la période"
            for name, value in expected.items():
                given = inv["amounts"].get(name)
                if given is not None and given != value:
                    c.add(
                        f"{ip}/{name}",
                        f"{origin} recalculé par formarche donne {_fmt(value)}, la facture indique {_fmt(given)}.",
                    )
        _decision(inv, raw, ip, c)
        _reissue(inv, raw, ip, c, by_number, replaced)


def _solde_expected(inv: dict, ip: str, entry: dict | None, db_soldes: dict, c: Checker) -> dict | None:
    """The amounts of a « Solde » invoice, from the document's solde or the one in formarche."""
    solde = balance = expected = None
    if entry is not None:
        solde = entry["history"]["solde"]
        engine_solde = entry.get("engine_solde")
        if engine_solde is not None:
            last = entry["statements"][max(entry["statements"])]
            expected = solde_invoice_amounts(engine_solde, last.cumulative_billable, last.vat_rate)
            balance = engine_solde.balance_ttc
    else:
        solde = db_soldes.get(inv["db_order"].pk)
        if solde is not None:
            expected = solde_invoice_amounts(
                solde,
                Decimal(solde.data["cumulative_billable"]),
                Decimal(solde.data.get("vat_rate_percent", "0")),
            )
            balance = solde.balance_ttc
            if inv["status"] != InvoiceStatus.REJECTED and any(
                x.status != InvoiceStatus.REJECTED for x in solde.invoices.all()
            ):
                c.add(ip, f"le solde de « {inv['order']} » a déjà une facture en cours dans formarche.")
    if solde is None:
        where = f"{entry['path']}/solde" if entry is not None else "formarche"
        c.add(
            f"{ip}/support",
            f"facture de solde sans solde : l'action « {inv['order']} » n'a pas de solde (VSF) figé "
            f"dans {where} ; une facture de solde ne s'importe qu'avec le solde qu'elle facture.",
        )
    elif balance is not None and balance <= ZERO:
        c.add(
            f"{ip}/support",
            f"le solde de « {inv['order']} » est de {_fmt(balance)} € : "
            + (
                "c'est un ordre de reversement (titre de reversement), pas une facture."
                if balance < ZERO
                else "il n'y a rien à facturer."
            ),
        )
        expected = None
    return expected


def _period_expected(inv: dict, ip: str, entry: dict, c: Checker) -> dict | None:
    """The amounts of a CRE invoice, from its period's recomputed statement."""
    period = next((p for p in entry["history"]["periods"] if p["month"] == inv["month"]), None)
    if period is None:
        c.add(f"{ip}/period", f"la période {_label(inv['month'])} n'est pas dans {entry['path']}/periods.")
        return None
    if (inv["support"] == "CRE final") != period["is_final"]:
        c.add(
            f"{ip}/support",
            f"la période {_label(inv['month'])} {_is(period['is_final'])} "
            f"finale : sa facture est « {'CRE final' if period['is_final'] else 'CRE'} », le "
            f"document indique « {inv['support']} ».",
        )
    st = entry["statements"].get(inv["month"])
    if st is None:
        return None
    return {
        "billed_ht": st.billable,
        "billed_ttc": sum((line.ttc for line in st.providers), ZERO),
        "payable_ht": st.total_ht,
        "vat": st.vat,
        "payable_ttc": st.total_ttc,
    }


def _decision(inv: dict, raw: dict, ip: str, c: Checker) -> None:
    """The Région's decision and the rejection."""
    inv["decided_at"] = c.moment(raw, "decided_at", ip, required=False)
    rejection = raw.get("rejection")
    inv["rejection"] = None
    if rejection is not None:
        rp = f"{ip}/rejection"
        if not isinstance(rejection, dict):
            c.add(rp, "doit être un objet ou null.")
        elif inv["status"] not in (None, InvoiceStatus.REJECTED):
            c.add(rp, "seule une facture rejetée (status « rejetee ») a un rejet.")
        else:
            inv["rejection"] = {
                "reason": c.text(rejection, "reason", rp, max_length=LONG_TEXT),
                "rejected_at": c.moment(rejection, "rejected_at", rp, required=False),
            }


def _reissue(inv: dict, raw: dict, ip: str, c: Checker, by_number: dict, replaced: dict) -> None:
    """The invoice replaces a rejected one of the same period (or of the same solde)."""
    target = raw.get("replaces")
    inv["replaces"] = None
    if target is None:
        return
    old = by_number.get(target) if isinstance(target, str) else None
    if old is None:
        c.add(f"{ip}/replaces", f"la facture remplacée « {target} » est absente de /invoices.")
    elif old is inv:
        c.add(f"{ip}/replaces", "une facture ne se remplace pas elle-même.")
    elif old["status"] != InvoiceStatus.REJECTED:
        c.add(f"{ip}/replaces", f"la facture n° {target} n'est pas rejetée : elle ne peut être remplacée.")
    elif (old["order"], old["month"], old["support"] == SUPPORT_SOLDE) != (
        inv["order"],
        inv["month"],
        inv["support"] == SUPPORT_SOLDE,
    ):
        c.add(
            f"{ip}/replaces",
            f"la facture n° {target} porte sur une autre action ou une autre période : une facture "
            "ne remplace que la facture rejetée de sa période (ou de son solde).",
        )
    elif target in replaced:
        c.add(f"{ip}/replaces", f"la facture n° {target} est déjà remplacée par la n° {replaced[target]}.")
    else:
        replaced[target] = inv["number"]
        inv["replaces"] = target
