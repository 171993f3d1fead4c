"""Menu Imports: upload a file, follow the job (htmx progress bar), read the report, get templates;
and the Région's orders import (``actions/import/``, all or nothing, errors row by row)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from formarche.accounts.models import OF_ROLES
from formarche.accounts.tenancy import region_required, tenant_required
from formarche.imports import order_rows, perms, selectors, services
from formarche.imports.columns import TEMPLATES, template_content
from formarche.imports.forms import ImportForm, OrderImportForm
from formarche.utils.parsing import TableError, write_csv_template, write_xlsx_template

of_only = tenant_required(*OF_ROLES)
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _template_links():
    return [
        {
            "title": title,
            "columns": columns,
            "csv": reverse(f"imports:template_{name}_csv"),
            "xlsx": reverse(f"imports:template_{name}_xlsx"),
        }
        for name, (title, columns) in TEMPLATES.items()
    ]


@tenant_required()
def index(request):
    """The Imports menu: the upload form, the templates, the OF's last imports."""
    if not perms.can_upload(request.tenant):
        return render(
            request, "imports/index.html", {"nav": "imports", "region": True, "templates": _template_links()}
        )
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        organisation = selectors.tenant_organisation(request.tenant)
        upload = form.cleaned_data["file"]
        if upload.size > services.MAX_UPLOAD_SIZE:
            form.add_error(
                "file", f"Le fichier dépasse {services.MAX_UPLOAD_SIZE // (1024 * 1024)} Mo : découpez-le."
            )
        else:
            try:
                job = services.import_job_create(
                    organisation=organisation,
                    user=request.user,
                    kind=form.cleaned_data["kind"],
                    file_name=upload.name,
                    content=upload.read(),
                    confirm_over_headcount=form.cleaned_data["confirm_over_headcount"],
                )
            except services.ImportRefused as exc:
                form.add_error("file", exc.message)
            else:
                if job.is_finished:
                    level = messages.success if job.is_done else messages.error
                    level(request, job.summary)
                return redirect("imports:job", job_id=job.pk)
    jobs = selectors.recent_jobs(request.tenant)
    return render(
        request,
        "imports/index.html",
        {"nav": "imports", "form": form, "jobs": jobs, "templates": _template_links()},
    )


@of_only
def job_detail(request, job_id):
    job = selectors.job_of(request.tenant, job_id, with_author=True)
    return render(request, "imports/job.html", {"nav": "imports", "job": job})


@of_only
def job_status(request, job_id):
    """The progress partial, polled by htmx every second while the job runs."""
    job = selectors.job_of(request.tenant, job_id)
    response = render(request, "imports/_job_status.html", {"job": job})
    if job.is_finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # show the full report
    return response


@tenant_required()
def download_template(request, name, ext):
    content = template_content(name, ext)
    response = HttpResponse(content, content_type=CONTENT_TYPES[ext])
    response["Content-Disposition"] = f'attachment; filename="modele-import-{name}.{ext}"'
    return response


@region_required
@require_http_methods(["GET", "POST"])
def order_import(request):
    """Import of orders from CSV or XLSX: all or nothing, errors row by row."""
    form = OrderImportForm(request.POST or None, request.FILES or None)
    report = None
    file_error = None
    if request.method == "POST" and form.is_valid():
        try:
            table = order_rows.read_orders_file(form.cleaned_data["file"])
        except TableError as exc:
            file_error = str(exc)
        else:
            report = services.orders_import(
                region=request.membership.organisation, table=table, by=request.user
            )
            if report.ok:
                messages.success(
                    request,
                    f"Import terminé : {len(report.created)} commande(s) créée(s), "
                    f"{len(report.unchanged)} déjà présente(s) et inchangée(s).",
                )
            else:
                messages.error(request, "Le fichier contient des erreurs : aucune commande n'a été importée.")
    context = {
        "nav": "actions",
        "form": form,
        "report": report,
        "file_error": file_error,
        "columns": order_rows.COLUMNS,
        "required": set(order_rows.REQUIRED),
        "for_new_lot": set(order_rows.NEW_LOT),
    }
    return render(request, "imports/order_import.html", context)


@region_required
def orders_template_csv(request):
    response = HttpResponse(
        write_csv_template(order_rows.COLUMNS, order_rows.EXAMPLE), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="modele_import_commandes.csv"'
    return response


@region_required
def orders_template_xlsx(request):
    response = HttpResponse(
        write_xlsx_template(order_rows.COLUMNS, order_rows.EXAMPLE, title="Commandes"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="modele_import_commandes.xlsx"'
    return response
