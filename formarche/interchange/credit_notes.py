"""Credit notes (avoirs, ADR 0019) in the interchange format: the optional key ``credit_note`` of a
rejected invoice, ``{"number": "AAAA-NNNNN", "issue_date": "AAAA-MM-JJ"}`` or ``null``.

The avoir's amounts are its invoice's (it cancels it in whole) and its reason the rejection's:
neither travels twice. Its number is in the organisation's invoice sequence: unique among the
document's invoices and avoirs and those already in formarche, and it raises the yearly counter.
A document without the key (every document written before it) imports as before: its rejected
invoices have no avoir. An imported avoir has no PDF (like an imported invoice)."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist

from formarche.billing.models import CreditNote, Invoice, InvoiceStatus
from formarche.interchange.validation import Checker

KEY = "credit_note"


def credit_note_row(invoice) -> dict | None:
    """The ``credit_note`` of an exported invoice (None when it has none)."""
    try:
        note = invoice.credit_note
    except ObjectDoesNotExist:
        return None
    return {"number": note.number, "issue_date": note.issue_date.isoformat()}


def parse_credit_notes(items: list, invoices: list, c: Checker, existing_org, number_re) -> None:
    """Read each invoice's ``credit_note`` into ``inv["credit_note"]`` (or None), checked."""
    seen = {inv["number"] for inv in invoices if inv.get("number")}
    wanted = [
        raw[KEY].get("number")
        for raw in items
        if isinstance(raw, dict)
        and isinstance(raw.get(KEY), dict)
        and isinstance(raw[KEY].get("number"), str)
    ]
    taken: set = set()
    if existing_org is not None and wanted:
        taken = set(
            CreditNote.objects.filter(organisation=existing_org, number__in=wanted).values_list(
                "number", flat=True
            )
        ) | set(
            Invoice.objects.filter(organisation=existing_org, number__in=wanted).values_list(
                "number", flat=True
            )
        )
    for inv in invoices:
        inv["credit_note"] = None
        raw = items[inv["index"]].get(KEY)
        if raw is None:
            continue
        ip = f"/invoices/{inv['index']}/{KEY}"
        if not isinstance(raw, dict):
            c.add(ip, "doit être un objet ou null.")
            continue
        if inv["status"] not in (None, InvoiceStatus.REJECTED):
            c.add(ip, "seule une facture rejetée (status « rejetee ») est annulée par un avoir.")
            continue
        number = c.text(raw, "number", ip, max_length=30)
        issue_date = c.day(raw, "issue_date", ip)
        year = sequence = None
        if number is not None:
            m = number_re.fullmatch(number)
            if m is None or int(m[2]) < 1 or number != f"{m[1]}-{int(m[2]):05d}":
                c.add(
                    f"{ip}/number",
                    f"« {number} » n'est pas un numéro formarche AAAA-NNNNN : l'avoir est numéroté dans la "
                    "même séquence que les factures.",
                )
            elif number in seen:
                c.add(
                    f"{ip}/number",
                    f"le numéro {number} est déjà celui d'une facture ou d'un avoir du document.",
                )
            elif number in taken:
                c.add(f"{ip}/number", f"le numéro {number} existe déjà dans cet organisme.")
            else:
                year, sequence = int(m[1]), int(m[2])
                seen.add(number)
        if issue_date is not None and inv.get("issue_date") is not None and issue_date < inv["issue_date"]:
            c.add(f"{ip}/issue_date", "un avoir ne peut pas précéder la facture qu'il annule.")
        if year is not None and issue_date is not None and issue_date.year != year:
            c.add(
                f"{ip}/number",
                f"l'année du numéro ({year}) n'est pas celle de l'émission ({issue_date.year}).",
            )
        inv["credit_note"] = {"number": number, "year": year, "sequence": sequence, "issue_date": issue_date}


def credit_note_objects(invoices: list, created: dict) -> list[CreditNote]:
    """The avoirs of the written invoices (``created``: number → Invoice, primary keys set)."""
    notes = []
    for inv in invoices:
        note = inv.get("credit_note")
        if not note:
            continue
        invoice = created[inv["number"]]
        reason = inv["rejection"]["reason"] if inv.get("rejection") else "Facture rejetée (import)."
        notes.append(
            CreditNote(
                invoice=invoice,
                order=invoice.order,
                organisation=invoice.organisation,
                year=note["year"],
                sequence=note["sequence"],
                number=note["number"],
                issue_date=note["issue_date"],
                reason=reason,
                billed_ht=invoice.billed_ht,
                billed_ttc=invoice.billed_ttc,
                payable_ht=invoice.payable_ht,
                vat=invoice.vat,
                payable_ttc=invoice.payable_ttc,
            )
        )
    return notes
