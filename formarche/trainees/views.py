"""Trainee pages: the OF's registry, and the action's Inscription menu (Liste, Enregistrement, Inscription)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from formarche.accounts.models import OF_ROLES
from formarche.accounts.tenancy import get_scoped_or_404, scoped, tenant_required
from formarche.orders.action_menu import action_menu
from formarche.orders.models import Order
from formarche.organisations.models import Organisation
from formarche.trainees import perms, selectors, services
from formarche.trainees.forms import (
    EnrolForm,
    EnrolmentForm,
    EnrolmentFundingForm,
    TraineeForm,
    TraineeSearchForm,
)
from formarche.trainees.models import Enrolment, EnrolmentFunding, Trainee

of_only = tenant_required(*OF_ROLES)
PAGE_SIZE = 50
SEARCH_LIMIT = 50


def _order(request, order_id) -> Order:
    return get_scoped_or_404(selectors.orders_with_labels(), request.tenant, pk=order_id)


def _fundings_prefetch(request) -> Prefetch:
    """The co-fundings of each enrolment, in one query, scoped like everything else."""
    return Prefetch("fundings", queryset=scoped(EnrolmentFunding, request.tenant).order_by("pk"))


def _action_context(request, order, nav, **extra):
    return {
        "order": order,
        "action_menu": action_menu(order, request.tenant),
        "action_nav": nav,
        "nav": "actions",
        "can_edit": perms.can_edit_trainees(request.tenant),
        **extra,
    }


# --- the OF's registry --------------------------------------------------------------------------


@tenant_required()
def trainee_list(request):
    """Registry: an OF sees its own trainees, a Région the trainees of its orders (read-only)."""
    search = TraineeSearchForm(request.GET or None)
    text = search.cleaned_data["q"] if search.is_valid() else ""
    trainees = selectors.trainee_registry(request.tenant, text)
    page = Paginator(trainees, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "trainees/trainee_list.html",
        {
            "page": page,
            "search": search,
            "q": text,
            "nav": "trainees",
            "can_edit": perms.can_edit_trainees(request.tenant),
        },
    )


@tenant_required()
def trainee_detail(request, trainee_id):
    trainee = get_scoped_or_404(Trainee, request.tenant, pk=trainee_id)
    enrolments = (
        scoped(Enrolment, request.tenant)
        .filter(trainee=trainee)
        .select_related("order")
        .prefetch_related(_fundings_prefetch(request))
        .with_hours()
        .order_by("-entry_date")
    )
    return render(
        request,
        "trainees/trainee_detail.html",
        {
            "trainee": trainee,
            "enrolments": enrolments,
            "nav": "trainees",
            "can_edit": perms.can_edit_trainees(request.tenant),
        },
    )


def _registration(request, order=None):
    """Create a trainee, with the duplicate check. Shared by the registry and the action page."""
    confirming = request.method == "POST" and "confirm_duplicate" in request.POST
    form = TraineeForm(request.POST or None, show_confirmation=confirming)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        organisation = get_scoped_or_404(Organisation, request.tenant, pk=request.tenant.organisation_id)
        data = dict(form.cleaned_data)
        confirm = data.pop("confirm_duplicate", False)
        try:
            trainee = services.trainee_create(organisation=organisation, confirm_duplicate=confirm, **data)
        except services.DuplicateSuspected as exc:
            duplicates = exc.duplicates
            form = TraineeForm(request.POST, show_confirmation=True)
            form.is_valid()
            form.add_error("confirm_duplicate", exc.message)
        except services.TraineeError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"{trainee} a été enregistré(e) dans le registre des stagiaires.")
            if order is not None:
                return redirect(
                    f"{reverse('trainees:enrol', kwargs={'order_id': order.pk})}?stagiaire={trainee.pk}"
                )
            return redirect("trainees:trainee_detail", trainee_id=trainee.pk)
    return form, duplicates


@of_only
def trainee_create(request):
    result = _registration(request)
    if not isinstance(result, tuple):
        return result
    form, duplicates = result
    return render(
        request,
        "trainees/register.html",
        {"form": form, "duplicates": duplicates, "nav": "trainees", "order": None},
    )


@of_only
def trainee_edit(request, trainee_id):
    trainee = get_scoped_or_404(Trainee, request.tenant, pk=trainee_id)
    form = TraineeForm(request.POST or None, instance=trainee)
    if request.method == "POST" and form.is_valid():
        try:
            services.trainee_update(trainee=trainee, **form.cleaned_data)
        except services.TraineeError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "La fiche du stagiaire a été enregistrée.")
            return redirect("trainees:trainee_detail", trainee_id=trainee.pk)
    return render(
        request, "trainees/trainee_edit.html", {"form": form, "trainee": trainee, "nav": "trainees"}
    )


# --- the action's Inscription menu --------------------------------------------------------------


@tenant_required()
def action_trainees(request, order_id):
    """Liste des stagiaires: enrolled trainees, dates, planned hours, hours so far, payer."""
    order = _order(request, order_id)
    enrolments = (
        scoped(Enrolment, request.tenant)
        .filter(order=order)
        .select_related("trainee")
        .prefetch_related(_fundings_prefetch(request))
        .with_hours()
        .order_by("trainee__last_name", "trainee__first_name", "pk")
    )
    return render(
        request,
        "trainees/action_trainees.html",
        _action_context(request, order, "trainee_list", enrolments=enrolments),
    )


@of_only
def register(request, order_id):
    """Enregistrement des stagiaires, from the action page."""
    order = _order(request, order_id)
    result = _registration(request, order)
    if not isinstance(result, tuple):
        return result
    form, duplicates = result
    return render(
        request,
        "trainees/register.html",
        _action_context(request, order, "trainee_register", form=form, duplicates=duplicates),
    )


@of_only
def enrol(request, order_id):
    """Inscription des stagiaires: pick trainees from the registry, then entry date, hours, payer."""
    order = _order(request, order_id)
    registry = scoped(Trainee, request.tenant)
    enrolled_ids = selectors.enrolled_trainee_ids(order)
    search = TraineeSearchForm(request.GET or None)
    text = search.cleaned_data["q"] if search.is_valid() else ""
    preselected = request.GET.get("stagiaire", "")
    initial = {"entry_date": order.actual_start or order.planned_start}
    if preselected.isdigit():
        initial["trainees"] = [int(preselected)]
    form = EnrolForm(
        request.POST or None,
        registry=registry,
        headcount_label=selectors.headcount_confirmation_label(order),
        initial=initial,
    )
    over_headcount = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            enrolments = services.enrolment_create_many(
                order=order,
                trainees=list(data["trainees"]),
                entry_date=data["entry_date"],
                planned_hours=data["planned_hours"],
                payer=data["payer"],
                scheme=data["scheme"],
                confirm_over_headcount=data["confirm_over_headcount"],
            )
        except services.TraineeError as exc:
            over_headcount = isinstance(exc, services.HeadcountExceeded)
            form.add_error("confirm_over_headcount" if over_headcount else None, exc.message)
        else:
            names = ", ".join(str(e.trainee) for e in enrolments)
            messages.success(request, f"Inscription enregistrée : {names}.")
            return redirect("trainees:action_trainees", order_id=order.pk)
    # Candidates: the search results, plus whatever was ticked or preselected.
    ticked = set()
    if form.is_bound:
        ticked = {int(v) for v in request.POST.getlist("trainees") if v.isdigit()}
    elif preselected.isdigit():
        ticked = {int(preselected)}
    candidates = (
        list(registry.search(text).order_by("last_name", "first_name", "pk")[:SEARCH_LIMIT]) if text else []
    )
    shown = {t.pk for t in candidates}
    missing = ticked - shown
    if missing:
        candidates = list(registry.filter(pk__in=missing)) + candidates
    enrolled_count = len(enrolled_ids)
    return render(
        request,
        "trainees/enrol.html",
        _action_context(
            request,
            order,
            "trainee_enrol",
            form=form,
            search=search,
            q=text,
            candidates=candidates,
            ticked=ticked,
            enrolled_ids=enrolled_ids,
            enrolled_count=enrolled_count,
            show_headcount_confirmation=over_headcount
            or (order.planned_headcount and enrolled_count >= order.planned_headcount)
            or bool(form.data.get("confirm_over_headcount")),
        ),
    )


def _enrolment(request, order, enrolment_id) -> Enrolment:
    return get_scoped_or_404(
        selectors.enrolments_with_trainee(), request.tenant, pk=enrolment_id, order=order
    )


def _enrolment_form(order, enrolment, data=None) -> EnrolmentForm:
    return EnrolmentForm(data, instance=enrolment, exit_by_component=order.components.exists())


FUNDINGS_FROZEN = "les cofinancements ne sont plus modifiables."


def _enrolment_page(request, order, enrolment, *, form=None, funding_form=None, days=()):
    """The enrolment page: its form, and its co-fundings with their add and delete forms."""
    fundings = scoped(EnrolmentFunding, request.tenant).filter(enrolment=enrolment).order_by("pk")
    return render(
        request,
        "trainees/enrolment_edit.html",
        _action_context(
            request,
            order,
            "trainee_list",
            form=form or _enrolment_form(order, enrolment),
            enrolment=enrolment,
            days=days,
            fundings=fundings,
            funding_form=funding_form or EnrolmentFundingForm(),
            fundings_refusal=order.write_refusal(FUNDINGS_FROZEN),
        ),
    )


def _fundings_anchor(order, enrolment) -> str:
    url = reverse("trainees:enrolment_edit", kwargs={"order_id": order.pk, "enrolment_id": enrolment.pk})
    return f"{url}#cofinancements"


@of_only
def enrolment_edit(request, order_id, enrolment_id):
    """Entry date, planned hours, payer, and the exit (date and reason) of one enrolment; its co-fundings."""
    order = _order(request, order_id)
    enrolment = _enrolment(request, order, enrolment_id)
    form = _enrolment_form(order, enrolment, request.POST or None)
    days = []
    if request.method == "POST" and form.is_valid():
        try:
            services.enrolment_change(enrolment=enrolment, **form.cleaned_data)
        except services.TraineeError as exc:
            days = exc.days
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"L'inscription de {enrolment.trainee} a été enregistrée.")
            return redirect("trainees:action_trainees", order_id=order.pk)
    return _enrolment_page(request, order, enrolment, form=form, days=days)


@of_only
@require_POST
def enrolment_funding_add(request, order_id, enrolment_id):
    """Cofinancements › Ajouter: another payer of the enrolment (flat amount or hourly rate)."""
    order = _order(request, order_id)
    enrolment = _enrolment(request, order, enrolment_id)
    form = EnrolmentFundingForm(request.POST)
    if form.is_valid():
        try:
            funding = services.enrolment_funding_add(enrolment=enrolment, **form.cleaned_data)
        except services.TraineeError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                f"Cofinancement « {funding.get_payer_display()} » ajouté à l'inscription de {enrolment.trainee}.",
            )
            return redirect(_fundings_anchor(order, enrolment))
    return _enrolment_page(request, order, enrolment, funding_form=form)


@of_only
@require_POST
def enrolment_funding_delete(request, order_id, enrolment_id, funding_id):
    """Cofinancements › Supprimer. A second POST (already deleted) only says so."""
    order = _order(request, order_id)
    enrolment = _enrolment(request, order, enrolment_id)
    funding = scoped(EnrolmentFunding, request.tenant).filter(enrolment=enrolment, pk=funding_id).first()
    if funding is None:
        messages.info(request, "Ce cofinancement a déjà été supprimé.")
        return redirect(_fundings_anchor(order, enrolment))
    try:
        services.enrolment_funding_delete(funding=funding)
    except services.TraineeError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Cofinancement « {funding.get_payer_display()} » supprimé.")
    return redirect(_fundings_anchor(order, enrolment))
