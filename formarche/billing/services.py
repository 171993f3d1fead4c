"""Writes of the invoicing workflow, each under ``transaction.atomic``, keyword-only.

From a validated month to a paid invoice (the seed's four tabs):

1. :func:`period_validate` — freezes the month's hours (corrections of earlier months included,
   the rectificatif part kept apart) and stores the engine's statement;
2. :func:`invoice_issue` — the next number of the organisation's yearly counter, taken inside the
   transaction (row locked), and the Factur-X PDF/A-3; one live invoice per period;
3. :func:`invoice_upload_signed` — the signed PDF, checked (content, size, name, signature)
   before anything is stored; then the invoice is locked;
4. :func:`invoice_validate` / :func:`invoice_reject` (Région) and :func:`payment_record`,
   :func:`advance_record`;
5. the CRE final: :func:`period_validate` with ``is_final=True`` once the action is closed (what
   is missing comes from ``formarche.closing.services.closing_status``);
6. Pénalités / Bonus (:func:`adjustment_add`, :func:`adjustment_remove`, Région) and the solde
   (:func:`solde_issue` by the OF once the CREF invoice is issued: a « Solde » invoice, or a titre
   de reversement when negative, that the Région records with :func:`solde_repayment_record`).

An archived action is read-only: every write here refuses it. Refusals raise
:class:`BillingError` with a French message and change nothing.
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
    SUPPORT_SOLDE,
    Adjustment,
    AdjustmentKind,
    Invoice,
    InvoiceCounter,
    InvoiceStatus,
    Payment,
    PaymentKind,
    Period,
    PeriodStatus,
    Rejection,
    Solde,
    Statement,
    payment_delay_days,
)
from formarche.billing.selectors import controls_for, period_hours
from formarche.orders.models import Order, OrderStatus
from formarche.orders.terms import order_terms
from formarche.utils.dates import month_bounds
from formarche.utils.formatting import format_amount, format_month
from formarche.utils.money import ZERO, round_cents

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


def require_not_archived(order: Order, what: str) -> None:
    """An archived action is read-only (issue #6): every billing write calls this first."""
    if order.status == OrderStatus.ARCHIVED:
        raise BillingError(f"L'action est archivée : {what}")


def final_missing(order: Order) -> list[str]:
    """What stands between ``order`` and its CRE final, one French sentence each (empty: nothing).

    The seed's three conditions come from the closing area (``closing_status``): exits on every
    component, validated bilans, a real end date; then the closing itself.
    """
    from formarche.closing.selectors import closing_status

    status = closing_status(order)
    missing = list(status.missing)
    if not status.is_closed:
        missing.append("La fermeture de l'action (menu Fermeture › Fermeture de l'action)")
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
    require_not_archived(order, "ses périodes ne peuvent plus être validées.")
    if is_final:
        missing = final_missing(order)
        if missing:
            raise BillingError(
                "La période finale (CRE final) ne peut être validée qu'une fois l'action fermée. "
                f"Il manque : {' ; '.join(missing)}."
            )
        if order.real_end and month < order.real_end.replace(day=1):
            raise BillingError(
                f"Le CRE final porte sur le mois de la fin réelle de l'action ({format_month(order.real_end)}), "
                f"pas sur {label}."
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
    if (
        not is_final
        and order.status == OrderStatus.CLOSED
        and order.real_end
        and month >= order.real_end.replace(day=1)
    ):
        raise BillingError(
            f"L'action est fermée : {label} est sa dernière période. Validez-la comme CRE final "
            "(cochez « CRE final »)."
        )
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
    """The Factur-X document of an invoice, from its frozen statement (or solde) and parties."""
    if invoice.solde_id:
        return solde_invoice_document(invoice)
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
    require_not_archived(period.order, "aucune facture ne peut plus être émise.")
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
    ``.pem``, ``.crt``, ``.cer``, ``.der`` in it), or a list of such paths; a path that does not
    exist is skipped. Default: none, so every signature is refused as "non reconnue" until roots
    are configured.
    """
    configured = getattr(settings, "FORMARCHE_SIGNATURE_TRUST_ROOTS", None) or []
    if isinstance(configured, str | Path):
        configured = [configured]
    roots = []
    for entry in configured:
        path = Path(entry)
        if not path.exists():  # e.g. the demo CA before `formarche demo` created it
            continue
        files = (
            sorted(p for p in path.iterdir() if p.suffix.lower() in {".pem", ".crt", ".cer", ".der"})
            if path.is_dir()
            else [path]
        )
        roots.extend(p.read_bytes() for p in files)
    return roots


def expected_filename(invoice: Invoice) -> str:
    """``N° BDC_ORGANISME_CRE AVRIL 2023.pdf``, ``…_CRE FINAL.pdf`` [seed], ``…_SOLDE.pdf`` [design]."""
    return signatures.expected_signed_filename(
        invoice.order.number,
        invoice.seller["name"],
        invoice.support,
        invoice.period.month if invoice.period_id else None,
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
    require_not_archived(invoice.order, "aucune facture signée ne peut plus être déposée.")
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
        locked = Invoice.objects.select_for_update().select_related("order").get(pk=invoice.pk)
        require_not_archived(locked.order, "aucune facture signée ne peut plus être déposée.")
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
        if invoice.is_solde:
            return "La facture du solde a été rejetée : émettez-la de nouveau (page VSF / Solde)."
        return f"La facture {invoice.period.label} a été rejetée : émettez une nouvelle facture pour cette période."
    return (
        f"La facture signée de la période {invoice.period_label} est déjà enregistrée : "
        "la facture ne peut plus être modifiée. En cas d'erreur, demandez son rejet à votre référent Région."
    )


# --------------------------------------------------------------------------------------------
# 4. The Région's decisions and payments
# --------------------------------------------------------------------------------------------


def _lock(invoice: Invoice) -> Invoice:
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to period
    return (
        Invoice.objects.select_for_update(of=("self",)).select_related("period", "order").get(pk=invoice.pk)
    )


@transaction.atomic
def invoice_validate(*, invoice: Invoice, user) -> Invoice:
    invoice = _lock(invoice)
    require_not_archived(invoice.order, "ses factures ne peuvent plus être validées.")
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
    require_not_archived(invoice.order, "ses factures ne peuvent plus être rejetées.")
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
    require_not_archived(invoice.order, "aucun paiement ne peut plus y être enregistré.")
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
    require_not_archived(order, "aucun paiement ne peut plus y être enregistré.")
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


# --------------------------------------------------------------------------------------------
# 5. Pénalités / Bonus (the Région)
# --------------------------------------------------------------------------------------------


def _require_adjustable(order: Order) -> None:
    require_not_archived(order, "les pénalités et bonus ne sont plus modifiables.")
    if Solde.objects.filter(order=order).exists():
        raise BillingError("Le solde est émis : les pénalités et bonus ne sont plus modifiables.")


@transaction.atomic
def adjustment_add(*, order: Order, user, kind: str, label: str, amount: Decimal, reason: str) -> Adjustment:
    """The Région enters a penalty or a bonus (label, amount > 0, reason), before the solde."""
    label = (label or "").strip()
    reason = (reason or "").strip()
    if kind not in AdjustmentKind.values:
        raise BillingError("Choisissez la nature : pénalité ou bonus.")
    if not label:
        raise BillingError("Indiquez le libellé de la pénalité ou du bonus.")
    _check_amount(amount)
    if not reason:
        raise BillingError(
            "Indiquez le motif : l'organisme le lira sur la page Pénalités / Bonus et sur le solde."
        )
    order = Order.objects.select_for_update().get(pk=order.pk)
    _require_adjustable(order)
    adjustment = _as(
        Adjustment(order=order, kind=kind, label=label, amount=amount, reason=reason, created_by=user), user
    )
    adjustment.save()
    return adjustment


@transaction.atomic
def adjustment_remove(*, adjustment: Adjustment, user) -> None:
    """The Région removes a penalty or a bonus entered by mistake, before the solde."""
    order = Order.objects.select_for_update().get(pk=adjustment.order_id)
    _require_adjustable(order)
    adjustment = Adjustment.objects.get(pk=adjustment.pk)
    _as(adjustment, user).delete()


# --------------------------------------------------------------------------------------------
# 6. The solde (VSF)
# --------------------------------------------------------------------------------------------


def solde_compute(order: Order):
    """``(engine.Solde | None, final_period, cref_invoice, missing)`` — the engine's solde over the
    frozen statements of the validated periods, with today's penalties and bonuses.

    ``missing`` (French sentences) says why the solde is not available yet: the CRE final must be
    validated and its invoice issued (« Le CREF est le dernier acompte avant le solde » [seed]).
    """
    periods = list(
        Period.objects.filter(order=order, status=PeriodStatus.VALIDATED)
        .select_related("statement")
        .order_by("month")
    )
    final = next((p for p in periods if p.is_final), None)
    missing = []
    cref_invoice = None
    if final is None:
        missing.append(
            "Le CRE final n'est pas validé : fermez l'action, puis validez la dernière période comme "
            "CRE final (Validation / Facturation)."
        )
    else:
        cref_invoice = Invoice.objects.live().filter(period=final).first()
        if cref_invoice is None:
            missing.append(
                f"La facture du CRE final ({final.label}) n'est pas émise : émettez-la (onglet A facturer)."
            )
    if missing:
        return None, final, cref_invoice, missing
    bonus, penalties = Adjustment.objects.filter(order=order).totals()
    statements = [p.statement.as_engine() for p in periods]
    try:
        solde = engine.compute_solde(order_terms(order), statements, bonus=bonus, penalties=penalties)
    except engine.EngineInputError as exc:
        return None, final, cref_invoice, [f"Le solde ne peut pas être calculé : {exc.reason}"]
    return solde, final, cref_invoice, []


def _solde_data(order, solde: engine.Solde, statements, adjustments, vat_percent) -> dict:
    from dataclasses import fields as dataclass_fields

    data = {f.name: str(getattr(solde, f.name)) for f in dataclass_fields(engine.Solde)}
    data["is_repayment_order"] = solde.is_repayment_order
    data["order_amount"] = str(order.amount)
    data["cumulative_billable"] = str(statements[-1].cumulative_billable)
    data["cumulative_hours"] = str(statements[-1].cumulative_hours)
    data["vat_rate_percent"] = str(vat_percent)
    data["statements"] = [
        {"period": st.period.isoformat(), "kind": str(st.kind), "total_ht": str(st.total_ht)}
        for st in statements
    ]
    data["adjustments"] = [
        {"kind": a.kind, "label": a.label, "amount": str(a.amount), "reason": a.reason} for a in adjustments
    ]
    return data


@transaction.atomic
def solde_issue(*, order: Order, user, today: dt.date | None = None) -> Solde:
    """The OF issues the solde: its figures are frozen; positive, a « Solde » invoice is issued
    (same numbering as the CRE); negative, a titre de reversement (PDF) is produced. Issuing again
    after the Région rejected the solde invoice issues a new invoice with the same figures."""
    today = today or timezone.localdate()
    order = (
        Order.objects.select_for_update()
        .select_related("dispositif", "provider", "region", "lot")
        .get(pk=order.pk)
    )
    require_not_archived(order, "le solde ne peut plus être émis.")
    existing = Solde.objects.filter(order=order).first()
    if existing is not None:
        if existing.balance_ttc > 0 and not Invoice.objects.live().filter(solde=existing).exists():
            _solde_invoice_issue(existing, user, today)
            return existing
        raise BillingError("Le solde de cette action est déjà émis.")
    solde, final, _cref, missing = solde_compute(order)
    if missing:
        raise BillingError("Le solde n'est pas encore disponible. " + " ".join(missing), errors=missing)
    periods = list(
        Period.objects.filter(order=order, status=PeriodStatus.VALIDATED)
        .select_related("statement")
        .order_by("month")
    )
    statements = [p.statement.as_engine() for p in periods]
    adjustments = list(Adjustment.objects.filter(order=order).order_by("created_at", "pk"))
    row = Solde(
        order=order,
        final_period=final,
        amount_due=solde.amount_due,
        bonus=solde.bonus,
        penalties=solde.penalties,
        advance=solde.advance,
        instalments_paid=solde.instalments_paid,
        total_paid=solde.total_paid,
        balance_ht=solde.balance_ht,
        vat=solde.vat,
        balance_ttc=solde.balance_ttc,
        is_repayment_order=solde.is_repayment_order,
        data=_solde_data(order, solde, statements, adjustments, statements[-1].vat_rate),
        issued_on=today,
        issued_by=user,
    )
    _as(row, user).save()
    if row.balance_ttc > 0:
        _solde_invoice_issue(row, user, today)
    elif row.is_repayment_order:
        from formarche.billing.pdf import render_repayment_order_pdf

        pdf = render_repayment_order_pdf(repayment_order_context(row))
        row.repayment_document.save(f"Titre_de_reversement_{order.number}.pdf", ContentFile(pdf), save=False)
        _as(row, user).save(update_fields=["repayment_document"])
    return row


def _solde_invoice_issue(solde: Solde, user, today: dt.date) -> Invoice:
    order = solde.order
    provider = order.provider
    rejected = Invoice.objects.filter(
        solde=solde, status=InvoiceStatus.REJECTED, replaced_by__isnull=True
    ).first()
    # « Montant facturé » of the solde = what it adds to the CRE / CREF facturable amounts B_n
    # (bonus, and any realised part the cap kept out), so that the order's invoices never count the
    # regulated part twice [design, ADR 0005]; « Montant à payer » is the solde itself.
    added = max(
        ZERO, solde.amount_due + solde.bonus - solde.penalties - Decimal(solde.data["cumulative_billable"])
    )
    billed_ttc = added + round_cents(added * Decimal(solde.data.get("vat_rate_percent", "0")) / 100)
    sequence, number = _next_number(provider, today.year)
    invoice = Invoice(
        order=order,
        solde=solde,
        organisation=provider,
        year=today.year,
        sequence=sequence,
        number=number,
        support=SUPPORT_SOLDE,
        status=InvoiceStatus.ISSUED,
        issue_date=today,
        issued_by=user,
        billed_ht=added,
        billed_ttc=billed_ttc,
        payable_ht=solde.balance_ht,
        vat=solde.vat,
        payable_ttc=solde.balance_ttc,
        seller=_party_data(provider, seller=True),
        buyer=_party_data(order.region, seller=False),
        replaces=rejected,
    )
    try:
        pdf = facturx.build_facturx_pdf(solde_invoice_document(invoice))
    except (facturx.InvoiceDataError, ValueError) as exc:
        raise BillingError(f"La facture du solde ne peut pas être établie : {exc}") from exc
    invoice.document.save(f"{number}_{order.number}_solde.pdf", ContentFile(pdf), save=False)
    _as(invoice, user).save()
    transaction.on_commit(lambda: notifications.invoice_issued(invoice))
    return invoice


def _adjustment_notes(data: dict) -> list[str]:
    notes = []
    for item in data.get("adjustments", []):
        sign = "+" if item["kind"] == AdjustmentKind.BONUS else "−"
        kind = AdjustmentKind(item["kind"]).label
        notes.append(
            f"{kind} « {item['label']} » : {sign}{format_amount(Decimal(item['amount']))} € HT — motif : {item['reason']}"
        )
    return notes


def solde_invoice_document(invoice: Invoice) -> facturx.InvoiceDocument:
    """The Factur-X document of the solde invoice, built directly (see ADR 0005, « Le solde »).

    One line « Solde de la commande » = the amount due min(B_n, A); bonus − penalties as one
    document-level charge / allowance (each item in a note); everything already paid (advance +
    every CRE / CREF total à verser) as the prepaid amount BT-113; BT-115 = the solde TTC.
    """
    solde = invoice.solde
    order = invoice.order
    data = solde.data
    end = order.real_end or order.planned_end
    line = facturx.InvoiceLine(
        label="Solde de la commande",
        quantity=Decimal(1),
        unit_price=solde.amount_due,
        net_amount=solde.amount_due,
        unit_code="C62",
    )
    notes = [
        f"Montant dû = min(montant facturable cumulé {format_amount(Decimal(data['cumulative_billable']))} ; "
        f"montant de la commande {format_amount(Decimal(data['order_amount']))}) = "
        f"{format_amount(solde.amount_due)} € HT ({format_amount(Decimal(data['cumulative_hours']))} h réalisées "
        "et comptabilisées).",
        f"Déjà versé : avance {format_amount(solde.advance)} + acomptes CRE et CREF "
        f"{format_amount(solde.instalments_paid)} = {format_amount(solde.total_paid)} € HT.",
        *_adjustment_notes(data),
    ]
    return facturx.InvoiceDocument(
        number=invoice.number,
        issue_date=invoice.issue_date,
        due_date=invoice.issue_date + dt.timedelta(days=payment_delay_days()),
        order_number=order.number,
        period_label=f"{format_month(order.planned_start)} à {format_month(end)}",
        period_start=order.planned_start,
        period_end=end,
        support=facturx.SOLDE,
        seller=_party(invoice.seller),
        buyer=_party(invoice.buyer),
        lines=(line,),
        net_billable_amount=solde.amount_due,
        cap_regulation=solde.bonus - solde.penalties,
        cap_regulation_reason="Bonus et pénalités (détail en note)",
        advance_repayment=-solde.total_paid,
        total_ht=solde.balance_ht,
        vat_rate=Decimal(data.get("vat_rate_percent", "0")),
        vat_amount=solde.vat,
        total_ttc=solde.balance_ttc,
        payment_terms=payment_terms_text(),
        contract_reference=order.lot.label if order.lot_id else None,
        notes=tuple(notes),
    )


def repayment_order_context(solde: Solde) -> dict:
    """What the titre de reversement shows (a document, not an invoice)."""
    order = solde.order
    return {
        "solde": solde,
        "order": order,
        "adjustments": solde.data.get("adjustments", []),
        "statements": solde.data.get("statements", []),
        "cumulative_billable": Decimal(solde.data["cumulative_billable"]),
        "order_amount": Decimal(solde.data["order_amount"]),
        "generated_at": timezone.now(),
    }


@transaction.atomic
def solde_repayment_record(*, solde: Solde, user, date: dt.date, reference: str = "") -> Solde:
    """The Région records the OF's repayment (titre de reversement) as received."""
    solde = Solde.objects.select_for_update().select_related("order").get(pk=solde.pk)
    require_not_archived(solde.order, "aucun reversement ne peut plus y être enregistré.")
    if not solde.is_repayment_order:
        raise BillingError("Ce solde n'est pas un ordre de reversement : il n'y a rien à recevoir.")
    if solde.repayment_received_on:
        raise BillingError("Le reversement est déjà enregistré.")
    if date < solde.issued_on:
        raise BillingError("La date de réception précède l'émission du titre de reversement.")
    solde.repayment_received_on = date
    solde.repayment_reference = (reference or "").strip()[:80]
    solde.repayment_recorded_by = user
    _as(solde, user).save()
    return solde
