"""Invoices: the list (the Région's, or the OF's), the detail with the Région's decisions and
payments, the PDFs, the signed upload."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from formarche.accounts.tenancy import of_required, region_required, scoped, tenant_required
from formarche.billing import perms, selectors, services
from formarche.billing.forms import PaymentForm, RejectForm, SignedInvoiceForm
from formarche.billing.models import Invoice, payment_delay_days
from formarche.billing.signatures import format_size
from formarche.billing.views._common import file_response, invoice_or_404, show_error, tab_context

INVOICES_PER_PAGE = 50

FILTERS = [
    ("a-valider", "En attente de validation"),
    ("a-signer", "À signer par l'organisme"),
    ("a-payer", "À payer"),
    ("payees", "Payées"),
    ("rejetees", "Rejetées"),
    ("toutes", "Toutes"),
]


@tenant_required()
def invoice_list(request):
    """Factures: the Région's invoices (awaiting validation first), or the OF's invoices."""
    tenant = request.tenant
    default = "a-valider" if tenant.is_region else "toutes"
    status_filter = request.GET.get("statut", default)
    invoices = selectors.tenant_invoices_queryset(scoped(Invoice, tenant), status_filter)
    # paginated: a Région receives tens of thousands of invoices a year (docs/performance.md)
    page = Paginator(invoices, INVOICES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "billing/invoice_list.html",
        {
            "nav": "invoices",
            "lines": selectors.invoice_lines(page.object_list),
            "page": page,
            "filters": FILTERS,
            "status_filter": status_filter,
            "tenant": tenant,
            "delay_days": payment_delay_days(),
        },
    )


@tenant_required()
def invoice_detail(request, invoice_id):
    invoice = invoice_or_404(request, invoice_id)
    tenant = request.tenant
    line = selectors.invoice_lines([invoice])[0]
    context = {
        "nav": "invoices",
        "invoice": invoice,
        "line": line,
        "order": invoice.order,
        "payments": list(invoice.payments.all()),
        "audit": selectors.invoice_audit(invoice),
        "tenant": tenant,
        "reject_form": RejectForm(),
        "payment_form": PaymentForm(initial={"amount": line.remaining, "date": timezone.localdate()}),
        "expected_filename": selectors.invoice_expected_filename(invoice),
        "report": invoice.signature_report,
        "may_upload_signed": perms.can_upload_signed(tenant, invoice),
        "may_reissue": perms.can_reissue_after_rejection(tenant, invoice),
        "may_decide": perms.can_decide_invoice(tenant, invoice),
        "may_validate": perms.can_validate_invoice(tenant, invoice),
        "may_pay": perms.can_pay_invoice(tenant, invoice),
    }
    return render(request, "billing/invoice_detail.html", context)


@tenant_required()
def invoice_pdf(request, invoice_id):
    invoice = invoice_or_404(request, invoice_id)
    return file_response(request, invoice.document, f"Facture_{invoice.number}_{invoice.order.number}.pdf")


@tenant_required()
def signed_pdf(request, invoice_id):
    invoice = invoice_or_404(request, invoice_id)
    if not invoice.signed_file:
        messages.info(request, "Aucune facture signée n'a encore été déposée.")
        return redirect("billing:invoice", invoice_id=invoice.pk)
    return file_response(request, invoice.signed_file, selectors.invoice_expected_filename(invoice))


def _upload(request, invoice, form) -> list[str] | None:
    """Store the uploaded signed file: ``None`` when stored, else the French errors to show."""
    upload = form.cleaned_data["signed_pdf"]
    limit = selectors.signed_invoice_max_bytes()
    if upload.size > limit:
        return [
            f"Le fichier est trop volumineux ({format_size(upload.size)}) : la taille maximale "
            f"est de {format_size(limit)}."
        ]
    try:
        services.invoice_upload_signed(
            invoice=invoice, data=upload.read(), filename=upload.name, user=request.user
        )
    except services.BillingError as exc:
        return exc.errors
    return None


@of_required
def upload_signed(request, invoice_id):
    invoice = invoice_or_404(request, invoice_id)
    form = SignedInvoiceForm()
    errors = []
    if not perms.can_upload_signed(request.tenant, invoice):
        messages.info(request, selectors.invoice_not_issued_message(invoice))
        return redirect("billing:invoice", invoice_id=invoice.pk)
    if request.method == "POST":
        form = SignedInvoiceForm(request.POST, request.FILES)
        if form.is_valid():
            errors = _upload(request, invoice, form)
            if errors is None:
                messages.success(
                    request,
                    f"La facture signée a correctement été enregistrée pour la facture {invoice.period_label}.",
                )
                return redirect("billing:invoices_tab", order_id=invoice.order_id)
    context = tab_context(request, invoice.order, "invoices")
    context.update(
        invoice=invoice,
        form=form,
        errors=errors,
        expected_filename=selectors.invoice_expected_filename(invoice),
        max_bytes=selectors.signed_invoice_max_bytes(),
    )
    return render(request, "billing/upload_signed.html", context, status=400 if errors else 200)


@region_required
@require_POST
def invoice_validate(request, invoice_id):
    invoice = invoice_or_404(request, invoice_id)
    try:
        services.invoice_validate(invoice=invoice, user=request.user)
        messages.success(request, f"La facture {invoice.number} ({invoice.period_label}) a été validée.")
    except services.BillingError as exc:
        show_error(request, exc)
    return redirect("billing:invoice", invoice_id=invoice.pk)


@region_required
@require_POST
def invoice_reject(request, invoice_id):
    invoice = invoice_or_404(request, invoice_id)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Indiquez le motif du rejet : l'organisme le lira pour corriger sa facture.")
        return redirect("billing:invoice", invoice_id=invoice.pk)
    try:
        services.invoice_reject(invoice=invoice, user=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, f"La facture {invoice.number} a été rejetée. L'organisme en est informé.")
    except services.BillingError as exc:
        show_error(request, exc)
    return redirect("billing:invoice", invoice_id=invoice.pk)


@region_required
@require_POST
def invoice_pay(request, invoice_id):
    invoice = invoice_or_404(request, invoice_id)
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
        show_error(request, exc)
    return redirect("billing:invoice", invoice_id=invoice.pk)
