"""Sortie des stagiaires: the table of exits, and one trainee's exits per component."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from formarche.accounts.tenancy import tenant_required
from formarche.closing import perms, selectors, services
from formarche.closing.forms import ExitRowForm, SameExitForm
from formarche.closing.views._common import action_context


@tenant_required()
def exits(request, order_id):
    """Each trainee × component: exit date and reason, and the certification result."""
    order = selectors.order_for_page(request.tenant, order_id)
    enrolments, components, exit_map = selectors.order_exit_table(order)
    certifications = selectors.certification_labels(order)
    rows = []
    for e in enrolments:
        cells = [exit_map.get((e.pk, c.pk)) for c in components]
        rows.append(
            {
                "enrolment": e,
                "cells": cells,
                "certification": certifications.get(e.pk, "Non renseigné"),
                "complete": all(cells) if components else e.exit_date is not None,
            }
        )
    context = action_context(request, order, "exits", rows=rows, components=components)
    return render(request, "closing/exits.html", context)


def _initial_rows(enrolment, components) -> list:
    """The forms of each component, filled with the exit recorded (or the enrolment's own exit)."""
    current = {x.component_id: x for x in enrolment.component_exits.all()}
    rows = []
    for c in components:
        x = current.get(c.pk)
        initial = (
            {"exit_date": x.exit_date, "reason": x.reason, "reason_detail": x.reason_detail}
            if x
            else {
                # the enrolment page may already carry an exit: offer it
                "exit_date": enrolment.exit_date,
                "reason": enrolment.exit_reason,
                "reason_detail": enrolment.exit_reason_detail,
            }
        )
        rows.append((c, ExitRowForm(prefix=f"c{c.pk}", initial=initial)))
    return rows


def _save_exits(request, enrolment, same, rows) -> None:
    """Record what the forms say (the same exit everywhere, or one per component); ClosingError if refused."""
    data = same.cleaned_data
    if data["same_for_all"]:
        services.exits_set_for_all_components(
            enrolment=enrolment,
            entry=services.ExitEntry(data["exit_date"], data["reason"], data["reason_detail"]),
            certification_result=data["certification_result"],
            by=request.user,
        )
        return
    services.trainee_exits_set(
        enrolment=enrolment,
        exits={
            c: services.ExitEntry(
                f.cleaned_data["exit_date"], f.cleaned_data["reason"], f.cleaned_data["reason_detail"]
            )
            for c, f in rows
        },
        certification_result=data["certification_result"],
        by=request.user,
    )


@tenant_required()
@require_http_methods(["GET", "POST"])
def exit_edit(request, order_id, enrolment_id):
    order = selectors.order_for_page(request.tenant, order_id)
    enrolment = selectors.enrolment_for_page(request.tenant, order, enrolment_id)
    components = selectors.order_components(order)
    error = None
    if request.method == "POST":
        if not perms.can_edit_closing(request.tenant, order):
            raise PermissionDenied("Seul l'organisme de formation saisit les sorties d'une action ouverte.")
        same = SameExitForm(request.POST, prefix="toutes")
        rows = [(c, ExitRowForm(request.POST, prefix=f"c{c.pk}")) for c in components]
        if same.is_valid() and (same.cleaned_data["same_for_all"] or all(f.is_valid() for _, f in rows)):
            try:
                _save_exits(request, enrolment, same, rows)
            except services.ClosingError as exc:
                error = exc.message
            else:
                messages.success(request, f"La sortie de {enrolment.trainee} est enregistrée.")
                return redirect("closing:exits", order_id=order.pk)
    else:
        outcome = selectors.exit_outcome(enrolment)
        same = SameExitForm(
            prefix="toutes",
            initial={"certification_result": outcome.certification_result if outcome else ""},
        )
        rows = _initial_rows(enrolment, components)
    context = action_context(
        request,
        order,
        "closing",
        enrolment=enrolment,
        same=same,
        rows=rows,
        error=error,
        components=components,
    )
    return render(request, "closing/exit_edit.html", context)
