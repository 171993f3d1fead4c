"""Pages of the hours: month grid, month totals, follow-up (Suivi des réalisations), controls.

Views only fetch (scoped), call the services or builders, and render.
"""

from __future__ import annotations

from datetime import date

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from formarche.accounts.tenancy import get_scoped_or_404, of_required, tenant_required
from formarche.attendance import grid as grid_data
from formarche.attendance import locks, perms, selectors
from formarche.attendance.controls import run_controls
from formarche.attendance.followup import build_followup
from formarche.attendance.services import AttendanceRefused, attendance_set, attendance_set_month_total
from formarche.orders.action_menu import action_menu
from formarche.orders.models import Order
from formarche.utils.dates import month_bounds, month_start, parse_period, period_key
from formarche.utils.formatting import format_date, format_hours, format_month


def _order(request, order_id) -> Order:
    return get_scoped_or_404(selectors.orders_for_pages(), request.tenant, pk=order_id)


def _month(period: str) -> date:
    try:
        return parse_period(period)
    except ValueError as exc:
        raise Http404("Mois introuvable.") from exc


def _context(request, order, nav, **extra) -> dict:
    return {"order": order, "action_menu": action_menu(order, request.tenant), "action_nav": nav, **extra}


def _default_month(order) -> date:
    first = month_start(order.planned_start)
    last = month_start(order.real_end or order.planned_end)
    today = month_start(timezone.localdate())
    return min(max(today, first), last)


# ---------------------------------------------------------------------------------------------
# Month grid
# ---------------------------------------------------------------------------------------------


@tenant_required()
def grid(request, order_id):
    order = _order(request, order_id)
    return redirect("attendance:grid_month", order_id=order.pk, period=period_key(_default_month(order)))


@tenant_required()
def grid_month(request, order_id, period):
    order = _order(request, order_id)
    month = _month(period)
    data = grid_data.build_month_grid(order, month)
    context = _context(
        request,
        order,
        "grid",
        grid=data,
        editable=perms.can_edit_hours(request.tenant, order),
        validated=locks.is_month_validated(order, month),
        cell_url=reverse("attendance:cell", kwargs={"order_id": order.pk, "period": period_key(month)}),
        reasons=grid_data.UnrealisedReason.choices,  # the options of each cell's reason select
    )
    return render(request, "attendance/grid.html", context)


def _parse_day(value: str, month: date) -> date:
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return None
    first, last = month_bounds(month)
    return day if first <= day <= last else None


@of_required
@require_POST
def cell(request, order_id, period):
    """Save one (trainee, day) of the grid; answers the cell and the totals (htmx out-of-band swaps)."""
    order = _order(request, order_id)
    month = _month(period)
    day = _parse_day(request.POST.get("day"), month)
    try:
        enrolment = get_scoped_or_404(
            selectors.enrolments_with_trainee(),
            request.tenant,
            pk=request.POST.get("enrolment"),
            order=order,
        )
    except Http404:
        enrolment = None
    if enrolment is None or day is None:
        return HttpResponse(
            "Cellule inconnue : rechargez la page.", status=400, content_type="text/plain; charset=utf-8"
        )
    realised = request.POST.get("realised", "")
    counted = request.POST.get("counted", "")
    reason = request.POST.get("reason", "")
    error, error_field = "", ""
    try:
        attendance_set(
            enrolment=enrolment,
            day=day,
            realised_hours=realised,
            counted_unrealised_hours=counted,
            unrealised_reason=reason,
            by=request.user,
        )
    except AttendanceRefused as exc:
        error, error_field = exc.message, exc.field or ""
    data = grid_data.cell_update(order, enrolment, day)
    cell_data = data["cell"]
    if error:
        cell_data.error, cell_data.error_field = error, error_field
        cell_data.realised_input, cell_data.counted_input = realised, counted
        cell_data.reason = reason if reason in dict(grid_data.UnrealisedReason.choices) else cell_data.reason
        cell_data.show_reason = True if error_field == "reason" or counted.strip() not in ("", "0") else False
        status_message = f"Non enregistré — {error}"
    else:
        status_message = (
            f"Enregistré : {enrolment.trainee} le {format_date(day)}, "
            f"{format_hours(cell_data.realised)} h réalisées"
            + (
                f", {format_hours(cell_data.counted)} h non réalisées comptabilisées"
                if cell_data.counted
                else ""
            )
            + "."
        )
    context = {
        **data,
        "editable": True,
        "cell_url": reverse("attendance:cell", kwargs={"order_id": order.pk, "period": period_key(month)}),
        "reasons": grid_data.UnrealisedReason.choices,
        "status_message": status_message,
        "is_error": bool(error),
    }
    return render(request, "attendance/_cell_response.html", context, status=422 if error else 200)


# ---------------------------------------------------------------------------------------------
# Month totals
# ---------------------------------------------------------------------------------------------


@tenant_required()
def month_totals(request, order_id):
    order = _order(request, order_id)
    context = _context(
        request,
        order,
        "grid",
        editable=perms.can_edit_hours(request.tenant, order),
        cell_url=reverse("attendance:month_total_cell", kwargs={"order_id": order.pk}),
        **grid_data.build_month_totals(order),
    )
    return render(request, "attendance/month_totals.html", context)


@of_required
@require_POST
def month_total_cell(request, order_id):
    order = _order(request, order_id)
    try:
        month = parse_period(request.POST.get("month", ""))
        enrolment = get_scoped_or_404(
            selectors.enrolments_with_trainee(),
            request.tenant,
            pk=request.POST.get("enrolment"),
            order=order,
        )
    except (ValueError, Http404):
        return HttpResponse(
            "Cellule inconnue : rechargez la page.", status=400, content_type="text/plain; charset=utf-8"
        )
    realised = request.POST.get("realised", "")
    counted = request.POST.get("counted", "")
    reason = request.POST.get("reason", "")
    error = ""
    try:
        attendance_set_month_total(
            enrolment=enrolment,
            month=month,
            realised_hours=realised,
            counted_unrealised_hours=counted,
            unrealised_reason=reason,
            by=request.user,
        )
    except AttendanceRefused as exc:
        error = exc.message
    data = grid_data.month_cell_update(order, enrolment, month)
    cell_data = data["cell"]
    if error:
        cell_data.error = error
        cell_data.realised_input, cell_data.counted_input = realised, counted
        cell_data.show_reason = counted.strip() not in ("", "0")
        if reason in dict(grid_data.UnrealisedReason.choices):
            cell_data.reason = reason
        status_message = f"Non enregistré — {error}"
    else:
        status_message = f"Enregistré : {enrolment.trainee}, {format_month(month)}, {format_hours(cell_data.total)} h au total."
    context = {
        **data,
        "order": order,
        "editable": True,
        "cell_url": reverse("attendance:month_total_cell", kwargs={"order_id": order.pk}),
        "reasons": grid_data.UnrealisedReason.choices,
        "status_message": status_message,
        "is_error": bool(error),
    }
    return render(request, "attendance/_month_cell_response.html", context, status=422 if error else 200)


# ---------------------------------------------------------------------------------------------
# Follow-up and controls
# ---------------------------------------------------------------------------------------------


@tenant_required()
def followup(request, order_id):
    order = _order(request, order_id)
    return render(
        request, "attendance/followup.html", _context(request, order, "followup", **build_followup(order))
    )


@tenant_required()
def controls(request, order_id):
    order = _order(request, order_id)
    report = run_controls(order)
    context = _context(request, order, "controls", report=report, months=report.by_month())
    return render(request, "attendance/controls.html", context)


__all__ = ["cell", "controls", "followup", "grid", "grid_month", "month_total_cell", "month_totals"]
