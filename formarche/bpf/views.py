"""BPF pages (OF users only): fiscal years, the form with its sources, accounts, trainers, exports."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from formarche.accounts.tenancy import get_scoped_or_404, of_required
from formarche.bpf import documents, perms, selectors, services
from formarche.bpf import jobs as bpf_jobs
from formarche.bpf.cerfa import get_edition
from formarche.bpf.exports import from_json
from formarche.bpf.fec import FecError
from formarche.bpf.forms import (
    AccountLineForm,
    AccountsUploadForm,
    FiledForm,
    FiscalYearForm,
    ManualAccountsForm,
    OtherProductForm,
    SubcontractingForm,
    TrainerForm,
    TrainerHoursForm,
    TrainerStatusForm,
)
from formarche.bpf.home import bpf_status
from formarche.bpf.models import FiscalYear, Trainer
from formarche.bpf.presentation import identity_rows, layout
from formarche.bpf.records import cell_records
from formarche.bpf.selectors import account_figures, previous_fiscal_year
from formarche.orders.models import Order, ProviderRole
from formarche.organisations.models import Organisation
from formarche.utils.dbrouter import reads_from_replica

NAV = "bpf"


def _fy(request, fiscal_year_id) -> FiscalYear:
    return get_scoped_or_404(selectors.fiscal_years_with_organisation(), request.tenant, pk=fiscal_year_id)


def _organisation(request) -> Organisation:
    return selectors.tenant_organisation(request.tenant)


def _compute(request, fiscal_year):
    try:
        return selectors.bpf_compute_cached(fiscal_year=fiscal_year)
    except services.BpfError as exc:
        messages.error(request, str(exc))
        return None


@of_required
def index(request):
    years = selectors.fiscal_years_of(request.tenant)
    for fy in years:
        fy.status_code, fy.status_label = bpf_status(fy)
    form = FiscalYearForm()
    return render(request, "bpf/index.html", {"nav": NAV, "years": years, "form": form})


@of_required
@require_POST
def fiscal_year_create(request):
    form = FiscalYearForm(request.POST)
    if form.is_valid():
        try:
            fy = services.fiscal_year_create(organisation=_organisation(request), **form.cleaned_data)
        except services.BpfError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Exercice {fy.label} enregistré.")
            return redirect("bpf:report", fiscal_year_id=fy.pk)
    else:
        messages.error(request, "Indiquez le début et la fin de l'exercice.")
    return redirect("bpf:index")


def _previous_report(previous_fy):
    """The right-hand column: the previous year's BPF as validated (its frozen cells, the figures
    declared, read without computing anything: issue #8) or, not validated yet, computed."""
    if previous_fy is None:
        return None
    if previous_fy.is_validated and previous_fy.validated_data:
        try:
            return from_json(previous_fy.validated_data)
        except (KeyError, TypeError, ValueError):
            pass  # a stored document this version cannot read: compute the year instead
    try:
        return selectors.bpf_compute_cached(fiscal_year=previous_fy).report
    except services.BpfError:
        return None


@of_required
@reads_from_replica()
def report(request, fiscal_year_id):
    fy = _fy(request, fiscal_year_id)
    computed = _compute(request, fy)
    if computed is None:
        return redirect("bpf:index")
    previous_fy = previous_fiscal_year(fy)
    previous = _previous_report(previous_fy)
    rep = computed.report
    status_code, status_label = bpf_status(fy)
    return render(
        request,
        "bpf/report.html",
        {
            "nav": NAV,
            "fy": fy,
            "report": rep,
            "edition": get_edition(rep.edition),
            "cadres": layout(rep, previous),
            "identity": identity_rows(rep),
            "previous_fy": previous_fy,
            "status_code": status_code,
            "status_label": status_label,
            "filed_form": FiledForm(),
            "excluded": rep.excluded[:50],
            "can_validate": perms.can_validate(fy),
            "can_record_filing": perms.can_record_filing(fy),
        },
    )


@of_required
@reads_from_replica()
def cell(request, fiscal_year_id, cell_key):
    fy = _fy(request, fiscal_year_id)
    computed = _compute(request, fy)
    if computed is None:
        return redirect("bpf:index")
    rep = computed.report
    if cell_key not in rep.cells:
        raise Http404("Case inconnue.")
    edition = get_edition(rep.edition)
    # the records behind the cell read only tables the data version guards (ADR 0025): once per
    # computed BPF and cell, shared read-only like the report
    records = computed.derive(f"records:{cell_key}", lambda: cell_records(fy, rep, cell_key))
    checks = [c for c in rep.checks if cell_key in c.cells]
    value = computed.derive("json", lambda: documents.to_json(rep))["cells"][cell_key]
    return render(
        request,
        "bpf/cell.html",
        {
            "nav": NAV,
            "fy": fy,
            "key": cell_key,
            "label": edition.label(cell_key),
            "value": value,
            "records": records,
            "checks": checks,
        },
    )


@of_required
@reads_from_replica()
def enrolment_hours(request, fiscal_year_id, enrolment_id):
    fy = _fy(request, fiscal_year_id)
    enrolment = get_scoped_or_404(selectors.enrolments_with_trainee(), request.tenant, pk=enrolment_id)
    rows = selectors.enrolment_attendance(request.tenant, enrolment, fy)
    return render(
        request, "bpf/enrolment_hours.html", {"nav": NAV, "fy": fy, "enrolment": enrolment, "rows": rows}
    )


@of_required
@reads_from_replica()
def export(request, fiscal_year_id, fmt):
    fy = _fy(request, fiscal_year_id)
    computed = _compute(request, fy)
    if computed is None:
        return redirect("bpf:index")
    name, body, ctype = bpf_jobs.export_file(request.tenant, fy, computed, fmt)
    response = HttpResponse(body, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@of_required
@require_POST
def validate(request, fiscal_year_id):
    fy = _fy(request, fiscal_year_id)
    try:
        services.bpf_validate(fiscal_year=fy, user=request.user)
    except services.BpfError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, "BPF validé : ses cases sont figées. Déposez-le sur Mon Activité Formation."
        )
    return redirect("bpf:report", fiscal_year_id=fy.pk)


@of_required
@require_POST
def mark_filed(request, fiscal_year_id):
    fy = _fy(request, fiscal_year_id)
    form = FiledForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Indiquez la date du dépôt.")
    else:
        try:
            services.bpf_mark_filed(fiscal_year=fy, filed_on=form.cleaned_data["filed_on"])
        except services.BpfError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Dépôt enregistré.")
    return redirect("bpf:report", fiscal_year_id=fy.pk)


@of_required
@require_POST
def reopen(request, fiscal_year_id):
    fy = _fy(request, fiscal_year_id)
    if perms.can_reopen(fy):
        services.bpf_reopen(fiscal_year=fy)
        messages.success(request, "BPF rouvert : il sera recalculé à partir des données.")
    return redirect("bpf:report", fiscal_year_id=fy.pk)


# --- accounts ---------------------------------------------------------------------------------


@of_required
def accounts(request, fiscal_year_id):
    fy = _fy(request, fiscal_year_id)
    if request.method == "POST":
        form = ManualAccountsForm(request.POST)
        if form.is_valid():
            try:
                services.fiscal_year_set_manual(fiscal_year=fy, **form.cleaned_data)
            except services.BpfError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, "Montants enregistrés.")
                return redirect("bpf:accounts", fiscal_year_id=fy.pk)
    else:
        form = ManualAccountsForm(
            initial={
                "total_turnover": fy.total_turnover,
                "training_charges": fy.training_charges,
                "trainer_salaries": fy.trainer_salaries,
                "training_purchases": fy.training_purchases,
                "allocation_rate": fy.allocation_rate,
            }
        )
    lines = selectors.account_lines(request.tenant, fy)
    return render(
        request,
        "bpf/accounts.html",
        {
            "nav": NAV,
            "fy": fy,
            "form": form,
            "upload_form": AccountsUploadForm(),
            "line_form": AccountLineForm(),
            "lines": lines,
            "figures": account_figures(fy, lines),
        },
    )


@of_required
@require_POST
def accounts_import(request, fiscal_year_id):
    fy = _fy(request, fiscal_year_id)
    form = AccountsUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choisissez un fichier.")
        return redirect("bpf:accounts", fiscal_year_id=fy.pk)
    upload = form.cleaned_data["file"]
    if upload.size > 50 * 1024 * 1024:
        messages.error(request, "Le fichier dépasse 50 Mo.")
        return redirect("bpf:accounts", fiscal_year_id=fy.pk)
    try:
        count = services.accounts_import(fiscal_year=fy, raw=upload.read(), filename=upload.name)
    except FecError as exc:
        messages.error(request, "Fichier refusé, rien n'a été enregistré. " + " ; ".join(exc.messages()[:20]))
    except services.BpfError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{count} comptes des classes 6 et 7 importés.")
    return redirect("bpf:accounts", fiscal_year_id=fy.pk)


@of_required
@require_POST
def account_line(request, fiscal_year_id):
    fy = _fy(request, fiscal_year_id)
    form = AccountLineForm(request.POST)
    if form.is_valid():
        try:
            services.account_line_save(fiscal_year=fy, **form.cleaned_data)
        except services.BpfError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Compte enregistré.")
    else:
        messages.error(request, "Compte incomplet : numéro, débit et crédit sont obligatoires.")
    return redirect("bpf:accounts", fiscal_year_id=fy.pk)


# --- other products ---------------------------------------------------------------------------


@of_required
def products(request, fiscal_year_id):
    fy = _fy(request, fiscal_year_id)
    orders = selectors.orders_of(request.tenant)
    if request.method == "POST":
        form = OtherProductForm(request.POST, orders=orders)
        if form.is_valid():
            try:
                services.other_product_create(organisation=fy.organisation, **form.cleaned_data)
            except services.BpfError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, "Produit enregistré.")
                return redirect("bpf:products", fiscal_year_id=fy.pk)
    else:
        form = OtherProductForm(orders=orders, initial={"on": fy.end})
    rows = selectors.other_products_of_year(request.tenant, fy)
    return render(request, "bpf/products.html", {"nav": NAV, "fy": fy, "form": form, "rows": rows})


# --- trainers ---------------------------------------------------------------------------------


@of_required
def trainers(request):
    if request.method == "POST":
        form = TrainerForm(request.POST)
        if form.is_valid():
            try:
                trainer = services.trainer_create(organisation=_organisation(request), **form.cleaned_data)
            except services.BpfError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, "Formateur enregistré : indiquez son statut.")
                return redirect("bpf:trainer", trainer_id=trainer.pk)
    else:
        form = TrainerForm()
    rows = selectors.trainers_of(request.tenant)
    return render(request, "bpf/trainers.html", {"nav": NAV, "form": form, "rows": rows})


@of_required
def trainer(request, trainer_id):
    trainer_obj = get_scoped_or_404(Trainer, request.tenant, pk=trainer_id)
    orders = selectors.orders_of(request.tenant)
    status_form = TrainerStatusForm()
    hours_form = TrainerHoursForm(orders=orders)
    if request.method == "POST":
        try:
            if request.POST.get("form") == "statut":
                status_form = TrainerStatusForm(request.POST)
                if status_form.is_valid():
                    services.trainer_status_add(trainer=trainer_obj, **status_form.cleaned_data)
                    messages.success(request, "Statut enregistré.")
                    return redirect("bpf:trainer", trainer_id=trainer_obj.pk)
            elif request.POST.get("form") == "heures":
                hours_form = TrainerHoursForm(request.POST, orders=orders)
                if hours_form.is_valid():
                    services.trainer_hours_add(trainer=trainer_obj, **hours_form.cleaned_data)
                    messages.success(request, "Heures enregistrées.")
                    return redirect("bpf:trainer", trainer_id=trainer_obj.pk)
        except services.BpfError as exc:
            messages.error(request, str(exc))
    return render(
        request,
        "bpf/trainer.html",
        {
            "nav": NAV,
            "trainer": trainer_obj,
            "periods": trainer_obj.status_periods.all(),
            "hours": selectors.trainer_hours(trainer_obj),
            "status_form": status_form,
            "hours_form": hours_form,
        },
    )


# --- sub-contracting of an action ------------------------------------------------------------


@of_required
def subcontracting(request, order_id):
    order = get_scoped_or_404(Order, request.tenant, pk=order_id)
    current = selectors.subcontracting_of(request.tenant, order)
    if request.method == "POST":
        form = SubcontractingForm(request.POST)
        if form.is_valid():
            try:
                services.subcontracting_set(order=order, **form.cleaned_data)
            except services.BpfError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, "Sous-traitance enregistrée.")
                return redirect("bpf:subcontracting", order_id=order.pk)
    else:
        initial = {}
        if current:
            initial = {
                "direction": current.direction,
                "partner_name": current.partner_name,
                "partner_siret": current.partner_siret,
            }
        form = SubcontractingForm(initial=initial)
    return render(
        request,
        "bpf/subcontracting.html",
        {
            "nav": NAV,
            "order": order,
            "current": current,
            "form": form,
            "is_subcontractor": order.provider_role == ProviderRole.SOUS_TRAITANT,
        },
    )
