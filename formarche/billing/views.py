"""Validation / Facturation (the seed's four tabs), the statement, invoices and the Région's side.

Views only read through ``selectors`` and write through ``services``; every object is reached
through the tenancy helpers (404 for another organisation's object).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from formarche.accounts.tenancy import (
    get_scoped_or_404,
    of_required,
    region_required,
    scoped,
    tenant_required,
)
from formarche.billing import selectors, services
from formarche.billing.forms import (
    AdjustmentForm,
    PaymentForm,
    RejectForm,
    RepaymentForm,
    SignedInvoiceForm,
    ValidatePeriodForm,
)
from formarche.billing.models import (
    Adjustment,
    AdjustmentKind,
    Invoice,
    InvoiceStatus,
    Period,
    Solde,
    Statement,
    payment_delay_days,
)
from formarche.billing.pdf import render_statement_pdf
from formarche.orders.action_menu import action_menu
from formarche.orders.models import Order, OrderStatus
from formarche.utils.dates import parse_period
from formarche.utils.formatting import format_month
from formarche.utils.money import ZERO

TABS = [
    ("validations", "Suivi des validations", "billing:validations"),
    ("to_issue", "A facturer", "billing:to_issue"),
    ("invoices", "Suivi des factures", "billing:invoices_tab"),
    ("payments", "Suivi des paiements", "billing:payments"),
]


def _order(request, order_id) -> Order:
    return get_scoped_or_404(Order.objects.with_labels(), request.tenant, pk=order_id)


def _month(period: str):
    try:
        return parse_period(period)
    except ValueError as exc:
        raise Http404("Période inconnue.") from exc


def _tab_context(request, order, active: str) -> dict:
    return {
        "order": order,
        "action_menu": action_menu(order, request.tenant),
        "action_nav": "billing",
        "tabs": [
            {
                "key": key,
                "label": label,
                "url": reverse(name, kwargs={"order_id": order.pk}),
                "active": key == active,
            }
            for key, label, name in TABS
        ],
        "tenant": request.tenant,
    }


def _error(request, exc: services.BillingError) -> None:
    messages.error(request, " ".join([str(exc)] + [e for e in exc.errors if e != str(exc)]))


# --------------------------------------------------------------------------------------------
# The four tabs
# --------------------------------------------------------------------------------------------


@tenant_required()
def validations(request, order_id):
    order = _order(request, order_id)
    context = _tab_context(request, order, "validations")
    rows = selectors.validation_rows(order)
    final_done = any(row.period and row.period.is_validated and row.period.is_final for row in rows)
    context.update(
        rows=rows,
        final_done=final_done,
        final_missing=[] if final_done else services.final_missing(order),
        is_closed=order.status != OrderStatus.OPEN,
        form=ValidatePeriodForm(),
        audit=selectors.order_audit(order)[:30],
    )
    return render(request, "billing/tab_validations.html", context)


@tenant_required()
def to_issue(request, order_id):
    order = _order(request, order_id)
    context = _tab_context(request, order, "to_issue")
    periods = selectors.periods_to_invoice(order)
    rejected = {
        inv.period_id: inv
        for inv in Invoice.objects.filter(order=order, status=InvoiceStatus.REJECTED).select_related(
            "rejection"
        )
    }
    context.update(
        periods=[{"period": p, "statement": p.statement, "rejected": rejected.get(p.pk)} for p in periods],
        total_ht=sum((p.statement.billable for p in periods), 0),
        total_ttc=sum((p.statement.billed_ttc for p in periods), 0),
    )
    return render(request, "billing/tab_to_issue.html", context)


@tenant_required()
def invoices_tab(request, order_id):
    order = _order(request, order_id)
    context = _tab_context(request, order, "invoices")
    lines = selectors.invoice_lines(selectors.order_invoices(order))
    live = [line for line in lines if line.invoice.status != InvoiceStatus.REJECTED]
    context.update(
        lines=lines,
        total_ht=sum((line.invoice.billed_ht for line in live), 0),
        total_ttc=sum((line.invoice.billed_ttc for line in live), 0),
        total_payable=sum((line.invoice.payable_ttc for line in live), 0),
    )
    return render(request, "billing/tab_invoices.html", context)


@tenant_required()
def payments(request, order_id):
    order = _order(request, order_id)
    context = _tab_context(request, order, "payments")
    lines = [
        line
        for line in selectors.invoice_lines(selectors.order_invoices(order))
        if line.invoice.status != InvoiceStatus.REJECTED
    ]
    advance = selectors.order_advance(order)
    context.update(
        lines=lines,
        advance=advance,
        expected_advance=services.expected_advance(order),
        advance_form=PaymentForm(initial={"amount": services.expected_advance(order)})
        if not advance
        else None,
        total_paid=sum((line.paid for line in lines), 0) + (advance.amount if advance else 0),
    )
    return render(request, "billing/tab_payments.html", context)


@region_required
@require_POST
def advance(request, order_id):
    order = _order(request, order_id)
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            services.advance_record(
                order=order,
                user=request.user,
                date=form.cleaned_data["date"],
                amount=form.cleaned_data["amount"],
                reference=form.cleaned_data["reference"],
            )
            messages.success(request, "Le paiement de l'avance a été enregistré.")
        except services.BillingError as exc:
            _error(request, exc)
    else:
        messages.error(request, "Paiement de l'avance non enregistré : vérifiez la date et le montant.")
    return redirect("billing:payments", order_id=order.pk)


# --------------------------------------------------------------------------------------------
# Validating a period, the statement
# --------------------------------------------------------------------------------------------


@of_required
@require_POST
def validate_period(request, order_id, period):
    order = _order(request, order_id)
    month = _month(period)
    form = ValidatePeriodForm(request.POST)
    is_final = form.is_valid() and form.cleaned_data["is_final"]
    try:
        services.period_validate(order=order, month=month, user=request.user, is_final=is_final)
    except services.BillingError as exc:
        _error(request, exc)
        return redirect("billing:validations", order_id=order.pk)
    messages.success(request, f"La période {format_month(month)} a été validée : la facture est à émettre.")
    return redirect("billing:to_issue", order_id=order.pk)


def statement_context(order, month) -> dict:
    """The statement of a month: the frozen one when validated, else a preview (not stored)."""
    period = Period.objects.filter(order=order, month=month).select_related("statement").first()
    frozen = None
    if period and period.is_validated:
        try:
            frozen = period.statement
        except Statement.DoesNotExist:
            frozen = None
    if frozen is not None:
        st = frozen.as_engine()
        corrections = (period.realised_correction_hours, period.counted_unrealised_correction_hours)
        preview = False
    else:
        st, hours = services.statement_preview(order, month)
        corrections = (hours.realised_correction, hours.counted_unrealised_correction)
        preview = True
    provider_code = order.provider.provider_code or order.provider.name
    return {
        "order": order,
        "st": st,
        "period": period,
        "period_label": format_month(month),
        "month": month,
        "preview": preview,
        "corrections": corrections,
        "has_corrections": any(corrections),
        "providers": [
            {"code": line.provider or provider_code, "line": line} for line in (st.providers if st else ())
        ],
        "billed_ttc": sum((line.ttc for line in st.providers), 0) if st else 0,
        "generated_at": timezone.now(),
    }


@tenant_required()
def statement(request, order_id, period):
    order = _order(request, order_id)
    month = _month(period)
    context = _tab_context(request, order, "validations")
    context.update(statement_context(order, month))
    return render(request, "billing/statement.html", context)


@tenant_required()
def statement_pdf(request, order_id, period):
    order = _order(request, order_id)
    month = _month(period)
    context = statement_context(order, month)
    if context["preview"] or context["st"] is None:
        messages.info(request, "Le relevé PDF est disponible une fois la période validée.")
        return redirect("billing:statement", order_id=order.pk, period=period)
    pdf = render_statement_pdf(context)
    name = f"{order.number}_{context['st'].kind}_{period}.pdf".replace(" ", "_")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


# --------------------------------------------------------------------------------------------
# Issuing
# --------------------------------------------------------------------------------------------


@of_required
def issue(request, order_id, period):
    order = _order(request, order_id)
    month = _month(period)
    period_obj = Period.objects.filter(order=order, month=month).first()
    if period_obj is None or not period_obj.is_validated:
        messages.error(request, f"La période {format_month(month)} n'est pas validée.")
        return redirect("billing:validations", order_id=order.pk)
    if request.method == "POST":
        try:
            services.invoice_issue(period=period_obj, user=request.user)
        except services.BillingError as exc:
            _error(request, exc)
            return redirect("billing:to_issue", order_id=order.pk)
        messages.success(request, "La facture a été validée.")
        return redirect("billing:to_issue", order_id=order.pk)
    live = Invoice.objects.live().filter(period=period_obj).first()
    if live:
        messages.info(
            request, f"La facture de la période {period_obj.label} est déjà émise (n° {live.number})."
        )
        return redirect("billing:invoices_tab", order_id=order.pk)
    context = _tab_context(request, order, "to_issue")
    context.update(period=period_obj)
    return render(request, "billing/issue_confirm.html", context)


# --------------------------------------------------------------------------------------------
# Invoices
# --------------------------------------------------------------------------------------------


def _invoice(request, invoice_id) -> Invoice:
    return get_scoped_or_404(
        Invoice.objects.with_labels().select_related("rejection", "rejection__rejected_by", "replaces"),
        request.tenant,
        pk=invoice_id,
    )


INVOICES_PER_PAGE = 50


@tenant_required()
def invoice_list(request):
    """Factures: the Région's invoices (awaiting validation first), or the OF's invoices."""
    tenant = request.tenant
    default = "a-valider" if tenant.is_region else "toutes"
    status_filter = request.GET.get("statut", default)
    invoices = selectors.tenant_invoices_queryset(scoped(Invoice, tenant), status_filter)
    # paginated: a Région receives tens of thousands of invoices a year (docs/performance.md)
    page = Paginator(invoices, INVOICES_PER_PAGE).get_page(request.GET.get("page"))
    filters = [
        ("a-valider", "En attente de validation"),
        ("a-signer", "À signer par l'organisme"),
        ("a-payer", "À payer"),
        ("payees", "Payées"),
        ("rejetees", "Rejetées"),
        ("toutes", "Toutes"),
    ]
    return render(
        request,
        "billing/invoice_list.html",
        {
            "nav": "invoices",
            "lines": selectors.invoice_lines(page.object_list),
            "page": page,
            "filters": filters,
            "status_filter": status_filter,
            "tenant": tenant,
            "delay_days": payment_delay_days(),
        },
    )


@tenant_required()
def invoice_detail(request, invoice_id):
    invoice = _invoice(request, invoice_id)
    line = selectors.invoice_lines([invoice])[0]
    context = {
        "nav": "invoices",
        "invoice": invoice,
        "line": line,
        "order": invoice.order,
        "payments": list(invoice.payments.all()),
        "audit": selectors.invoice_audit(invoice),
        "tenant": request.tenant,
        "reject_form": RejectForm(),
        "payment_form": PaymentForm(initial={"amount": line.remaining, "date": timezone.localdate()}),
        "expected_filename": services.expected_filename(invoice),
        "report": invoice.signature_report,
    }
    return render(request, "billing/invoice_detail.html", context)


def _file_response(field, filename):
    if not field:
        raise Http404("Fichier absent.")
    return FileResponse(
        field.open("rb"), content_type="application/pdf", as_attachment=True, filename=filename
    )


@tenant_required()
def invoice_pdf(request, invoice_id):
    invoice = _invoice(request, invoice_id)
    return _file_response(invoice.document, f"Facture_{invoice.number}_{invoice.order.number}.pdf")


@tenant_required()
def signed_pdf(request, invoice_id):
    invoice = _invoice(request, invoice_id)
    if not invoice.signed_file:
        messages.info(request, "Aucune facture signée n'a encore été déposée.")
        return redirect("billing:invoice", invoice_id=invoice.pk)
    return _file_response(invoice.signed_file, services.expected_filename(invoice))


@of_required
def upload_signed(request, invoice_id):
    invoice = _invoice(request, invoice_id)
    form = SignedInvoiceForm()
    errors = []
    if invoice.status != InvoiceStatus.ISSUED:
        messages.info(request, services._not_issued_message(invoice))
        return redirect("billing:invoice", invoice_id=invoice.pk)
    if request.method == "POST":
        form = SignedInvoiceForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["signed_pdf"]
            limit = services.max_signed_bytes()
            if upload.size > limit:
                from formarche.billing.signatures import _format_size

                errors = [
                    f"Le fichier est trop volumineux ({_format_size(upload.size)}) : la taille maximale "
                    f"est de {_format_size(limit)}."
                ]
            else:
                try:
                    services.invoice_upload_signed(
                        invoice=invoice, data=upload.read(), filename=upload.name, user=request.user
                    )
                except services.BillingError as exc:
                    errors = exc.errors
                else:
                    messages.success(
                        request,
                        f"La facture signée a correctement été enregistrée pour la facture {invoice.period_label}.",
                    )
                    return redirect("billing:invoices_tab", order_id=invoice.order_id)
    context = _tab_context(request, invoice.order, "invoices")
    context.update(
        invoice=invoice,
        form=form,
        errors=errors,
        expected_filename=services.expected_filename(invoice),
        max_bytes=services.max_signed_bytes(),
    )
    return render(request, "billing/upload_signed.html", context, status=400 if errors else 200)


@region_required
@require_POST
def invoice_validate(request, invoice_id):
    invoice = _invoice(request, invoice_id)
    try:
        services.invoice_validate(invoice=invoice, user=request.user)
        messages.success(request, f"La facture {invoice.number} ({invoice.period_label}) a été validée.")
    except services.BillingError as exc:
        _error(request, exc)
    return redirect("billing:invoice", invoice_id=invoice.pk)


@region_required
@require_POST
def invoice_reject(request, invoice_id):
    invoice = _invoice(request, invoice_id)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Indiquez le motif du rejet : l'organisme le lira pour corriger sa facture.")
        return redirect("billing:invoice", invoice_id=invoice.pk)
    try:
        services.invoice_reject(invoice=invoice, user=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, f"La facture {invoice.number} a été rejetée. L'organisme en est informé.")
    except services.BillingError as exc:
        _error(request, exc)
    return redirect("billing:invoice", invoice_id=invoice.pk)


@region_required
@require_POST
def invoice_pay(request, invoice_id):
    invoice = _invoice(request, invoice_id)
    form = PaymentForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "Paiement non enregistré : vérifiez la date et le montant (par exemple 1234.56)."
        )
        return redirect("billing:invoice", invoice_id=invoice.pk)
    try:
        services.payment_record(
            invoice=invoice,
            user=request.user,
            date=form.cleaned_data["date"],
            amount=form.cleaned_data["amount"],
            reference=form.cleaned_data["reference"],
        )
        messages.success(request, "Le paiement a été enregistré.")
    except services.BillingError as exc:
        _error(request, exc)
    return redirect("billing:invoice", invoice_id=invoice.pk)


# --------------------------------------------------------------------------------------------
# Pénalités / Bonus (issue #6)
# --------------------------------------------------------------------------------------------


def _action_context(request, order, nav: str) -> dict:
    return {
        "order": order,
        "action_menu": action_menu(order, request.tenant),
        "action_nav": nav,
        "tenant": request.tenant,
        "is_archived": order.status == OrderStatus.ARCHIVED,
    }


@tenant_required()
def penalties(request, order_id, form=None):
    order = _order(request, order_id)
    adjustments = list(
        scoped(Adjustment, request.tenant)
        .filter(order=order)
        .select_related("created_by")
        .order_by("created_at", "pk")
    )
    solde_issued = Solde.objects.filter(order=order).exists()
    editable = request.tenant.is_region and not solde_issued and order.status != OrderStatus.ARCHIVED
    bonus = sum((a.amount for a in adjustments if a.kind == AdjustmentKind.BONUS), ZERO)
    penalty_total = sum((a.amount for a in adjustments if a.kind == AdjustmentKind.PENALTY), ZERO)
    context = _action_context(request, order, "penalties")
    context.update(
        adjustments=adjustments,
        bonus=bonus,
        penalty_total=penalty_total,
        net=bonus - penalty_total,
        solde_issued=solde_issued,
        editable=editable,
        form=(form or AdjustmentForm()) if editable else None,
    )
    return render(request, "billing/penalties.html", context, status=400 if form is not None else 200)


@region_required
@require_POST
def penalty_add(request, order_id):
    order = _order(request, order_id)
    form = AdjustmentForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "La pénalité ou le bonus n'a pas été enregistré : vérifiez les champs signalés."
        )
        return penalties(request, order_id, form=form)
    try:
        item = services.adjustment_add(order=order, user=request.user, **form.cleaned_data)
    except services.BillingError as exc:
        _error(request, exc)
        return redirect("billing:penalties", order_id=order.pk)
    messages.success(request, f"{item.get_kind_display()} « {item.label} » enregistré(e).")
    return redirect("billing:penalties", order_id=order.pk)


@region_required
@require_POST
def penalty_remove(request, order_id, penalty_id):
    order = _order(request, order_id)
    item = get_scoped_or_404(Adjustment.objects.filter(order=order), request.tenant, pk=penalty_id)
    try:
        services.adjustment_remove(adjustment=item, user=request.user)
    except services.BillingError as exc:
        _error(request, exc)
    else:
        messages.success(request, f"{item.get_kind_display()} « {item.label} » supprimé(e).")
    return redirect("billing:penalties", order_id=order.pk)


# --------------------------------------------------------------------------------------------
# VSF / Solde (issue #6)
# --------------------------------------------------------------------------------------------


@tenant_required()
def solde(request, order_id):
    order = _order(request, order_id)
    frozen = Solde.objects.filter(order=order).select_related("issued_by", "repayment_recorded_by").first()
    context = _action_context(request, order, "solde")
    if frozen is not None:
        figures, missing = frozen.as_engine(), []
        final = frozen.final_period
        invoices = list(Invoice.objects.filter(solde=frozen).select_related("rejection").order_by("sequence"))
        adjustments = frozen.data.get("adjustments", [])
    else:
        figures, final, _cref, missing = services.solde_compute(order)
        invoices = []
        adjustments = [
            {"kind": a.kind, "label": a.label, "amount": a.amount, "reason": a.reason}
            for a in Adjustment.objects.filter(order=order).order_by("created_at", "pk")
        ]
    live_invoice = next((i for i in invoices if i.status != InvoiceStatus.REJECTED), None)
    writable = order.status != OrderStatus.ARCHIVED
    can_issue = (
        request.tenant.is_of
        and writable
        and not missing
        and (frozen is None or (frozen.balance_ttc > 0 and live_invoice is None))
    )
    context.update(
        figures=figures,
        frozen=frozen,
        missing=missing,
        final=final,
        invoices=invoices,
        live_invoice=live_invoice,
        expected_filename=services.expected_filename(live_invoice) if live_invoice else "",
        adjustments=adjustments,
        can_issue=can_issue,
        reissue=frozen is not None and can_issue,
        repayment_form=RepaymentForm(initial={"date": timezone.localdate()})
        if request.tenant.is_region
        and writable
        and frozen is not None
        and frozen.is_repayment_order
        and not frozen.repayment_received_on
        else None,
    )
    return render(request, "billing/solde.html", context)


@of_required
@require_POST
def solde_issue(request, order_id):
    order = _order(request, order_id)
    try:
        row = services.solde_issue(order=order, user=request.user)
    except services.BillingError as exc:
        _error(request, exc)
        return redirect("billing:solde", order_id=order.pk)
    if row.balance_ttc > 0:
        messages.success(request, "Le solde a été émis : la facture du solde est à signer et à déposer.")
    elif row.is_repayment_order:
        messages.success(
            request, "Le solde a été émis : il est négatif, un titre de reversement a été établi."
        )
    else:
        messages.success(request, "Le solde a été émis : il est nul, rien n'est dû de part et d'autre.")
    return redirect("billing:solde", order_id=order.pk)


@tenant_required()
def repayment_pdf(request, order_id):
    order = _order(request, order_id)
    frozen = Solde.objects.filter(order=order).first()
    if frozen is None or not frozen.repayment_document:
        messages.info(request, "Aucun titre de reversement n'a été établi pour cette action.")
        return redirect("billing:solde", order_id=order.pk)
    return _file_response(frozen.repayment_document, f"Titre_de_reversement_{order.number}.pdf")


@region_required
@require_POST
def repayment_received(request, order_id):
    order = _order(request, order_id)
    frozen = Solde.objects.filter(order=order).first()
    form = RepaymentForm(request.POST)
    if frozen is None:
        messages.error(request, "Le solde n'est pas émis.")
    elif not form.is_valid():
        messages.error(request, "Reversement non enregistré : indiquez la date de réception.")
    else:
        try:
            services.solde_repayment_record(
                solde=frozen,
                user=request.user,
                date=form.cleaned_data["date"],
                reference=form.cleaned_data["reference"],
            )
            messages.success(request, "Le reversement a été enregistré comme reçu.")
        except services.BillingError as exc:
            _error(request, exc)
    return redirect("billing:solde", order_id=order.pk)
