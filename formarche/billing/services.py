"""Writes of the invoicing workflow, each under ``transaction.atomic``, keyword-only.

From a validated month to a paid invoice (the seed's four tabs):

1. :func:`period_validate` — freezes the month's hours (corrections of earlier months included,
   the rectificatif part kept apart) and stores the engine's statement;
2. :func:`invoice_issue` — the next number of the organisation's yearly counter, taken inside the
   transaction (row locked), and the Factur-X PDF/A-3; one live invoice per period;
3. :func:`invoice_upload_signed` — the signed PDF, checked (content, size, name, signature)
   before anything is stored; then the invoice is locked;
4. :func:`invoice_validate` / :func:`invoice_reject` (Région) and :func:`payment_record`,
   :func:`advance_record`.

Refusals raise :class:`BillingError` with a French message and change nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from formarche.billing import engine, facturx, notifications, signatures
from formarche.billing.models import (
    Invoice,
    InvoiceCounter,
    InvoiceStatus,
    Payment,
    PaymentKind,
    Period,
    PeriodStatus,
    Rejection,
    Statement,
    payment_delay_days,
)
from formarche.billing.selectors import controls_for, period_hours
from formarche.orders.models import Order, OrderStatus
from formarche.orders.terms import order_terms
from formarche.utils.dates import month_bounds
from formarche.utils.formatting import format_amount, format_month
from formarche.utils.money import ZERO

DEFAULT_MAX_SIGNED_BYTES = 10 * 1024 * 1024


class BillingError(Exception):
    """A refused billing action; ``str(error)`` is the French message to show."""

    def __init__(self, message: str, *, errors: list[str] | None = None, report=None):
        super().__init__(message)
        self.errors = errors or [message]
        self.report = report


def _as(instance, user):
    """Who the history row names (the request middleware does it for views; this for the rest)."""
    instance._history_user = user
    return instance


# --------------------------------------------------------------------------------------------
# 1. Validating a period
# --------------------------------------------------------------------------------------------


def _final_missing(order: Order) -> list[str]:
    missing = []
    if not order.real_end:
        missing.append("la date de fin réelle de l'action")
    if order.status != OrderStatus.CLOSED:
        missing.append("la fermeture de l'action (menu Fermeture de l'action)")
    return missing


def _engine_inputs(order: Order, new: engine.PeriodInput | None, *, before: dt.date | None = None):
    validated = Period.objects.filter(order=order, status=PeriodStatus.VALIDATED).order_by("month")
    if before is not None:
        validated = validated.filter(month__lt=before)
    inputs = [p.engine_input() for p in validated]
    if new is not None:
        inputs.append(new)
    return inputs


def statement_preview(order: Order, month: dt.date) -> tuple[engine.Statement | None, object]:
    """The statement ``month`` would get if validated now (nothing stored), and its hours.

    Returns ``(None, hours)`` when the hours cannot make a statement (negative after corrections).
    """
    hours = period_hours(order, month)
    try:
        new = engine.PeriodInput(
            period=month, realised_hours=hours.realised, counted_unrealised_hours=hours.counted_unrealised
        )
        return engine.compute_statements(order_terms(order), _engine_inputs(order, new, before=month))[
            -1
        ], hours
    except engine.EngineInputError:
        return None, hours


@transaction.atomic
def period_validate(
    *, order: Order, month: dt.date, user, is_final: bool = False, today: dt.date | None = None
) -> Period:
    """Validate ``month`` of ``order``: freeze its hours and store its statement."""
    today = today or timezone.localdate()
    month = month.replace(day=1)
    label = format_month(month)
    order = Order.objects.select_for_update().select_related("dispositif", "provider").get(pk=order.pk)
    if is_final:
        missing = _final_missing(order)
        if missing:
            raise BillingError(
                "La période finale (CRE final) ne peut être validée qu'une fois l'action fermée. "
                f"Il manque : {' ; '.join(missing)}."
            )
    if month_bounds(month)[1] >= today:
        raise BillingError(
            f"La période {label} n'est pas terminée : elle pourra être validée à partir du 1er du mois suivant."
        )
    periods = list(Period.objects.filter(order=order).order_by("month"))
    existing = next((p for p in periods if p.month == month), None)
    if existing and existing.is_validated:
        raise BillingError(f"La période {label} est déjà validée.")
    validated = [p for p in periods if p.is_validated]
    if any(p.is_final for p in validated):
        raise BillingError("Le CRE final est déjà validé : aucune autre période ne peut être validée.")
    later = [p for p in validated if p.month > month]
    if later:
        raise BillingError(
            f"Une période postérieure ({format_month(later[0].month)}) est déjà validée : les heures "
            f"de {label} seront facturées en rectificatif sur la prochaine période."
        )
    hours = period_hours(order, month, validated=validated)
    if hours.pending_months:
        raise BillingError(
            f"Validez d'abord la période {format_month(hours.pending_months[0])} : des heures y sont saisies."
        )
    if hours.realised < 0 or hours.counted_unrealised < 0:
        raise BillingError(
            f"Les corrections des mois déjà facturés retirent plus d'heures que n'en compte {label} : "
            "la période ne peut pas être validée ainsi. Vérifiez les rectificatifs."
        )
    if not hours.total and not is_final:
        raise BillingError(f"Aucune heure à facturer sur la période {label}.")
    _, blocking, _ = controls_for(order, month)
    if blocking:
        raise BillingError(
            f"La période {label} ne peut pas être validée : les contrôles signalent des anomalies bloquantes.",
            errors=blocking,
        )
    new = engine.PeriodInput(
        period=month,
        realised_hours=hours.realised,
        counted_unrealised_hours=hours.counted_unrealised,
        final=is_final,
    )
    try:
        statement = engine.compute_statements(
            order_terms(order), [p.engine_input() for p in validated] + [new]
        )[-1]
    except engine.EngineInputError as exc:
        raise BillingError(f"Le relevé de {label} ne peut pas être calculé : {exc.reason}") from exc
    period = existing or Period(order=order, month=month)
    period.status = PeriodStatus.VALIDATED
    period.is_final = is_final
    period.validated_at = timezone.now()
    period.validated_by = user
    period.realised_hours = hours.realised
    period.counted_unrealised_hours = hours.counted_unrealised
    period.realised_correction_hours = hours.realised_correction
    period.counted_unrealised_correction_hours = hours.counted_unrealised_correction
    _as(period, user).save()
    _as(Statement.from_engine(period, statement), user).save()
    return period


# --------------------------------------------------------------------------------------------
# 2. Issuing the invoice
# --------------------------------------------------------------------------------------------


def _party_data(organisation, *, seller: bool) -> dict:
    data = {
        "name": organisation.name,
        "siret": organisation.siret,
        "address_lines": [organisation.address] if organisation.address else [],
        "postcode": organisation.postcode,
        "city": organisation.city,
    }
    if seller:
        data["vat_number"] = organisation.vat_number or None
        data["activity_declaration_number"] = organisation.nda or None
        data["activity_declaration_region"] = organisation.nda_region or None
        data["provider_code"] = organisation.provider_code
    return data


def _party(data: dict) -> facturx.Party:
    values = {k: v for k, v in data.items() if k != "provider_code"}
    values["address_lines"] = tuple(values.get("address_lines") or ())
    return facturx.Party(**values)


def payment_terms_text() -> str:
    days = payment_delay_days()
    return (
        f"Paiement par virement dans un délai de {days} jours à compter de la date de réception "
        "de la facture (délai global de paiement de la commande publique)."
    )


def invoice_document(invoice: Invoice) -> facturx.InvoiceDocument:
    """The Factur-X document of an invoice, from its frozen statement and parties."""
    statement = invoice.period.statement.as_engine()
    order = invoice.order
    return facturx.invoice_from_statement(
        statement,
        number=invoice.number,
        issue_date=invoice.issue_date,
        due_date=invoice.issue_date + dt.timedelta(days=payment_delay_days()),
        order_number=order.number,
        seller=_party(invoice.seller),
        buyer=_party(invoice.buyer),
        payment_terms=payment_terms_text(),
        contract_reference=order.lot.label if order.lot_id else None,
    )


def _next_number(organisation, year: int) -> tuple[int, str]:
    """Take the next number of (organisation, year): the counter row is locked until commit, so a
    concurrent issuance waits, and a rollback gives the number back (no gap, no reuse)."""
    try:
        with transaction.atomic():
            InvoiceCounter.objects.get_or_create(organisation=organisation, year=year)
    except IntegrityError:  # created meanwhile by a concurrent transaction
        pass
    counter = InvoiceCounter.objects.select_for_update().get(organisation=organisation, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number, f"{year}-{counter.last_number:05d}"


@transaction.atomic
def invoice_issue(*, period: Period, user, today: dt.date | None = None) -> Invoice:
    """Issue the invoice of a validated period (Emettre la facture)."""
    today = today or timezone.localdate()
    period = (
        Period.objects.select_for_update()
        .select_related("order__provider", "order__region", "order__lot")
        .get(pk=period.pk)
    )
    label = period.label
    if not period.is_validated:
        raise BillingError(f"La période {label} n'est pas validée : validez-la avant d'émettre la facture.")
    try:
        statement = period.statement
    except Statement.DoesNotExist:
        raise BillingError(
            f"La période {label} n'a pas de relevé : elle ne peut pas être facturée."
        ) from None
    live = Invoice.objects.live().filter(period=period).first()
    if live:
        raise BillingError(f"La facture de la période {label} est déjà émise (n° {live.number}).")
    order = period.order
    provider = order.provider
    seller, buyer = _party_data(provider, seller=True), _party_data(order.region, seller=False)
    rejected = Invoice.objects.filter(
        period=period, status=InvoiceStatus.REJECTED, replaced_by__isnull=True
    ).first()
    sequence, number = _next_number(provider, today.year)
    billed_ttc = statement.billed_ttc
    invoice = Invoice(
        order=order,
        period=period,
        organisation=provider,
        year=today.year,
        sequence=sequence,
        number=number,
        support=statement.kind,
        status=InvoiceStatus.ISSUED,
        issue_date=today,
        issued_by=user,
        billed_ht=statement.billable,
        billed_ttc=billed_ttc,
        payable_ht=statement.total_ht,
        vat=statement.vat,
        payable_ttc=statement.total_ttc,
        seller=seller,
        buyer=buyer,
        replaces=rejected,
    )
    try:
        pdf = facturx.build_facturx_pdf(invoice_document(invoice))
    except (facturx.InvoiceDataError, ValueError) as exc:
        raise BillingError(f"La facture ne peut pas être établie : {exc}") from exc
    invoice.document.save(f"{number}_{order.number}.pdf", ContentFile(pdf), save=False)
    _as(invoice, user).save()
    transaction.on_commit(lambda: notifications.invoice_issued(invoice))
    return invoice


# --------------------------------------------------------------------------------------------
# 3. The signed invoice
# --------------------------------------------------------------------------------------------


def max_signed_bytes() -> int:
    return int(getattr(settings, "FORMARCHE_SIGNED_INVOICE_MAX_BYTES", DEFAULT_MAX_SIGNED_BYTES))


def trust_roots() -> list[bytes]:
    """Certificates (PEM or DER bytes) of the accepted certification authorities.

    ``FORMARCHE_SIGNATURE_TRUST_ROOTS``: a path to a PEM/DER file or to a directory (every
    ``.pem``, ``.crt``, ``.cer``, ``.der`` in it), or a list of such paths. Default: none, so
    every signature is refused as "non reconnue" until roots are configured.
    """
    configured = getattr(settings, "FORMARCHE_SIGNATURE_TRUST_ROOTS", None) or []
    if isinstance(configured, str | Path):
        configured = [configured]
    roots = []
    for entry in configured:
        path = Path(entry)
        files = (
            sorted(p for p in path.iterdir() if p.suffix.lower() in {".pem", ".crt", ".cer", ".der"})
            if path.is_dir()
            else [path]
        )
        roots.extend(p.read_bytes() for p in files)
    return roots


def expected_filename(invoice: Invoice) -> str:
    return signatures.expected_signed_filename(
        invoice.order.number, invoice.seller["name"], invoice.support, invoice.period.month
    )


def _report_json(report, *, checked: bool) -> dict:
    return {
        "checked": checked,
        "ok": report.ok if report else None,
        "filename": report.filename if report else "",
        "signer": report.signer_common_name if report else None,
        "signing_time": report.signing_time.isoformat() if report and report.signing_time else None,
        "covers_whole_file": report.covers_whole_file if report else None,
        "chain_valid": report.chain_valid if report else None,
        "signatures": [
            {
                "field": s.field_name,
                "signer": s.signer_common_name,
                "subject": s.signer_subject,
                "intact": s.intact,
                "valid": s.valid,
                "coverage": s.coverage,
                "chain_valid": s.chain_valid,
            }
            for s in (report.signatures if report else [])
        ],
        "checked_at": timezone.now().isoformat(),
    }


def invoice_upload_signed(
    *,
    invoice: Invoice,
    data: bytes,
    filename: str,
    user,
    today: dt.date | None = None,
    skip_signature_check_for_demo: bool = False,
) -> Invoice:
    """Store the signed invoice (Ajouter une facture signée) once every check passed; lock it.

    ``skip_signature_check_for_demo`` is for the demo world only (no certificate there): the
    file is stored unchecked and its report says so.
    """
    today = today or timezone.localdate()
    if invoice.status != InvoiceStatus.ISSUED:
        raise BillingError(_not_issued_message(invoice))
    expected = expected_filename(invoice)
    report = None
    if not skip_signature_check_for_demo:
        # Checked before the transaction: pyHanko's validation takes time, no lock is held meanwhile.
        report = signatures.check_signed_pdf(
            data,
            filename,
            expected_filename=expected,
            max_bytes=max_signed_bytes(),
            trust_roots=trust_roots(),
        )
        if not report.ok:
            raise BillingError(
                "La facture signée n'a pas été enregistrée.", errors=report.errors, report=report
            )
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if locked.status != InvoiceStatus.ISSUED:
            raise BillingError(_not_issued_message(locked))
        locked.signed_file.save(expected, ContentFile(data), save=False)
        locked.signed_filename = filename.replace("\\", "/").rsplit("/", 1)[-1]
        locked.signature_report = _report_json(report, checked=not skip_signature_check_for_demo)
        locked.status = InvoiceStatus.SIGNED
        locked.received_on = today
        locked.signed_by = user
        _as(locked, user).save()
        transaction.on_commit(lambda: notifications.invoice_signed(locked))
    return locked


def _not_issued_message(invoice: Invoice) -> str:
    if invoice.status == InvoiceStatus.REJECTED:
        return f"La facture {invoice.period.label} a été rejetée : émettez une nouvelle facture pour cette période."
    return (
        f"La facture signée de la période {invoice.period.label} est déjà enregistrée : "
        "la facture ne peut plus être modifiée. En cas d'erreur, demandez son rejet à votre référent Région."
    )


# --------------------------------------------------------------------------------------------
# 4. The Région's decisions and payments
# --------------------------------------------------------------------------------------------


def _lock(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().select_related("period", "order").get(pk=invoice.pk)


@transaction.atomic
def invoice_validate(*, invoice: Invoice, user) -> Invoice:
    invoice = _lock(invoice)
    if invoice.status != InvoiceStatus.SIGNED:
        raise BillingError("Seule une facture signée, en attente de validation, peut être validée.")
    invoice.status = InvoiceStatus.VALIDATED if invoice.payable_ttc > 0 else InvoiceStatus.PAID
    invoice.decided_at = timezone.now()
    invoice.decided_by = user
    _as(invoice, user).save()
    return invoice


@transaction.atomic
def invoice_reject(*, invoice: Invoice, user, reason: str) -> Invoice:
    reason = (reason or "").strip()
    if not reason:
        raise BillingError("Indiquez le motif du rejet : l'organisme le lira pour corriger sa facture.")
    invoice = _lock(invoice)
    if invoice.status not in {InvoiceStatus.ISSUED, InvoiceStatus.SIGNED}:
        raise BillingError(
            "Cette facture ne peut plus être rejetée : elle est déjà validée, payée ou rejetée."
        )
    invoice.status = InvoiceStatus.REJECTED
    invoice.decided_at = timezone.now()
    invoice.decided_by = user
    _as(invoice, user).save()
    rejection = _as(Rejection(invoice=invoice, reason=reason, rejected_by=user), user)
    rejection.save()
    transaction.on_commit(lambda: notifications.invoice_rejected(invoice, rejection))
    return invoice


def _check_amount(amount: Decimal) -> None:
    if not isinstance(amount, Decimal) or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise BillingError("Le montant doit être positif, en euros et centimes (par exemple 1234.56).")


@transaction.atomic
def payment_record(*, invoice: Invoice, user, date: dt.date, amount: Decimal, reference: str = "") -> Payment:
    """Record all or part of an invoice's payment; the invoice is payée once fully paid."""
    _check_amount(amount)
    invoice = _lock(invoice)
    if invoice.status not in {InvoiceStatus.VALIDATED, InvoiceStatus.PARTIALLY_PAID}:
        raise BillingError(
            "Un paiement ne s'enregistre que sur une facture validée par la Région et non soldée."
        )
    if date < invoice.issue_date:
        raise BillingError("La date de paiement précède la date d'émission de la facture.")
    paid = sum((p.amount for p in invoice.payments.all()), ZERO)
    remaining = invoice.payable_ttc - paid
    if amount > remaining:
        raise BillingError(
            f"Le paiement ({format_amount(amount)} €) dépasse le reste à payer ({format_amount(remaining)} €)."
        )
    payment = _as(
        Payment(
            order=invoice.order,
            invoice=invoice,
            kind=PaymentKind.INVOICE,
            date=date,
            amount=amount,
            reference=reference,
            recorded_by=user,
        ),
        user,
    )
    payment.save()
    invoice.status = InvoiceStatus.PAID if amount == remaining else InvoiceStatus.PARTIALLY_PAID
    _as(invoice, user).save()
    if invoice.status == InvoiceStatus.PAID:
        transaction.on_commit(lambda: notifications.invoice_paid(invoice, payment))
    return payment


@transaction.atomic
def advance_record(*, order: Order, user, date: dt.date, amount: Decimal, reference: str = "") -> Payment:
    """Record the advance the Région paid on the order (once)."""
    _check_amount(amount)
    order = Order.objects.select_for_update().get(pk=order.pk)
    if Payment.objects.filter(order=order, kind=PaymentKind.ADVANCE).exists():
        raise BillingError("L'avance de cette action est déjà enregistrée.")
    payment = _as(
        Payment(
            order=order,
            kind=PaymentKind.ADVANCE,
            date=date,
            amount=amount,
            reference=reference,
            recorded_by=user,
        ),
        user,
    )
    payment.save()
    return payment


def expected_advance(order: Order) -> Decimal:
    """The advance of the order's terms, as the engine computes it (round(α × base))."""
    terms = order_terms(order)
    statements = engine.compute_statements(
        terms, [engine.PeriodInput(period=order.planned_start.replace(day=1), realised_hours=ZERO)]
    )
    return statements[0].advance
