"""The cells of the month grid, rendered in Python: the grid has two cells per trainee and day
(about 1 000 for 17 trainees), and an ``{% include %}`` per cell spent most of the page's time
resolving template variables (issue #8, docs/performance.md). The markup is the one the former
``_r_cell.html`` / ``_u_cell.html`` produced, byte for byte; those templates now call these tags,
so the grid and the htmx cell responses share one renderer.

Every value is escaped with ``conditional_escape``, as the template's autoescape did.
"""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape as esc
from django.utils.safestring import mark_safe

from formarche.utils.formatting import format_hours

register = template.Library()


def _hours(value) -> str:
    return "—" if value is None else format_hours(value)


def _post(cell, cell_url) -> str:
    key = esc(cell.key)
    return (
        f' hx-post="{esc(cell_url)}" hx-include=".k{key}" hx-vals=\'{{"enrolment": "{esc(cell.enrolment_id)}", '
        f'"day": "{cell.day.isoformat()}"}}\''
    )


@register.simple_tag(takes_context=True)
def realised_cell(context):
    cell = context["cell"]
    editable = context.get("editable")
    key = esc(cell.key)
    out = [f'<td id="r-{key}" data-d="{cell.day.day}" class="fm-cell']
    if cell.weekend:
        out.append(" fm-weekend")
    if cell.is_correction:
        out.append(" fm-correction")
    out.append('"')
    if context.get("oob"):
        out.append(' hx-swap-oob="true"')
    out.append(">")
    invalid = cell.realised_invalid
    if editable and cell.enabled:
        out.append(
            f'<input type="text" inputmode="decimal" autocomplete="off" class="form-control form-control-sm fm-in k{key}'
        )
        if invalid:
            out.append(" is-invalid")
        out.append(
            f'" id="in-r-{key}" name="realised" value="{esc(cell.realised_value)}" aria-label="{esc(cell.realised_label)}"'
        )
        if invalid:
            out.append(f' aria-invalid="true" aria-describedby="err-{key}"')
        out.append(_post(cell, context.get("cell_url", "")) + ">")
    elif editable:
        out.append(
            f'<input type="text" class="form-control form-control-sm fm-in" disabled value="{esc(cell.realised_value)}" '
            f'aria-label="{esc(cell.realised_label)} (hors inscription)">'
        )
    elif cell.realised:
        out.append(esc(_hours(cell.realised)))
    if cell.is_correction:
        out.append(
            '<span class="fm-flag" title="Rectificatif">R<span class="visually-hidden"> : rectificatif</span></span>'
        )
    if invalid:
        out.append(f'<span class="fm-cell-error" id="err-{key}">{esc(cell.error)}</span>')
    out.append("</td>\n")
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


@register.simple_tag(takes_context=True)
def counted_cell(context):
    cell = context["cell"]
    editable = context.get("editable")
    key = esc(cell.key)
    out = [f'<td id="u-{key}" data-d="{cell.day.day}" class="fm-cell']
    if cell.weekend:
        out.append(" fm-weekend")
    out.append('"')
    if context.get("oob"):
        out.append(' hx-swap-oob="true"')
    out.append(">")
    invalid = cell.counted_invalid
    if editable and cell.enabled:
        post = _post(cell, context.get("cell_url", ""))
        out.append(
            f'<input type="text" inputmode="decimal" autocomplete="off" class="form-control form-control-sm fm-in k{key}'
        )
        if invalid:
            out.append(" is-invalid")
        out.append(
            f'" id="in-u-{key}" name="counted" value="{esc(cell.counted_value)}" aria-label="{esc(cell.counted_label)}"'
        )
        if invalid:
            out.append(f' aria-invalid="true" aria-describedby="err-{key}"')
        out.append(post + ">")
        if cell.needs_reason_select:
            out.append(
                f'<select class="form-select form-select-sm fm-reason k{key}" name="reason" '
                f'aria-label="{esc(cell.reason_label)}"{post}><option value="">Motif…</option>'
            )
            for value, label in context.get("reasons") or ():
                selected = " selected" if value == cell.reason else ""
                out.append(f'<option value="{esc(value)}"{selected}>{esc(label)}</option>')
            out.append("</select>")
    elif editable:
        out.append(
            f'<input type="text" class="form-control form-control-sm fm-in" disabled value="{esc(cell.counted_value)}" '
            f'aria-label="{esc(cell.counted_label)} (hors inscription)">'
        )
    elif cell.counted:
        out.append(esc(_hours(cell.counted)))
        if cell.reason:
            out.append(f" <small>({esc(cell.reason_display)})</small>")
    if invalid:
        out.append(f'<span class="fm-cell-error" id="err-{key}">{esc(cell.error)}</span>')
    out.append("</td>\n")
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
