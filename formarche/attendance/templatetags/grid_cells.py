"""The cells of the month grid, rendered in Python: the grid has two cells per trainee and day
(about 1 000 for 17 trainees), and an ``{% include %}`` per cell spent most of the page's time
resolving template variables (issue #8, docs/performance.md). The markup is the one the former
``_r_cell.html`` / ``_u_cell.html`` produced, byte for byte (tests/attendance/test_grid_render.py
keeps that markup and compares); those templates now call these tags, so the grid and the htmx
cell responses share one renderer.

``{% realised_cells row.cells %}`` / ``{% counted_cells row.cells %}`` render a whole line of the
grid at once (the same bytes as a ``{% for %}`` over ``{% realised_cell %}``), without a template
loop per cell. Every value is escaped as the template's autoescape did
(:func:`formarche.utils.html.esc`).
"""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

from formarche.utils.formatting import format_hours
from formarche.utils.html import esc as _esc

register = template.Library()


def _hours(value) -> str:
    return "—" if value is None else format_hours(value)


def _post(cell, key: str, url: str) -> str:
    """The htmx attributes of an input (``url`` already escaped)."""
    return (
        f' hx-post="{url}" hx-include=".k{key}" hx-vals=\'{{"enrolment": "{cell.enrolment_id}", '
        f'"day": "{cell.day.isoformat()}"}}\''
    )


def _realised(cell, editable, url: str, oob) -> str:
    key = cell.key  # digits and a hyphen: nothing to escape
    out = [f'<td id="r-{key}" data-d="{cell.day.day}" class="fm-cell']
    if cell.weekend:
        out.append(" fm-weekend")
    if cell.is_correction:
        out.append(" fm-correction")
    out.append('"')
    if oob:
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
            f'" id="in-r-{key}" name="realised" value="{_esc(cell.realised_value)}" aria-label="{_esc(cell.realised_label)}"'
        )
        if invalid:
            out.append(f' aria-invalid="true" aria-describedby="err-{key}"')
        out.append(_post(cell, key, url) + ">")
    elif editable:
        out.append(
            f'<input type="text" class="form-control form-control-sm fm-in" disabled value="{_esc(cell.realised_value)}" '
            f'aria-label="{_esc(cell.realised_label)} (hors inscription)">'
        )
    elif cell.realised:
        out.append(_esc(_hours(cell.realised)))
    if cell.is_correction:
        out.append(
            '<span class="fm-flag" title="Rectificatif">R<span class="visually-hidden"> : rectificatif</span></span>'
        )
    if invalid:
        out.append(f'<span class="fm-cell-error" id="err-{key}">{_esc(cell.error)}</span>')
    out.append("</td>\n")
    return "".join(out)


def _reason_options(reasons) -> list[tuple[str, str, str]]:
    """(value, ``<option value="…"``, ``>label</option>``) of each reason, escaped once."""
    return [
        (value, f'<option value="{_esc(value)}"', f">{_esc(label)}</option>")
        for value, label in reasons or ()
    ]


def _counted(cell, editable, url: str, oob, options) -> str:
    key = cell.key  # digits and a hyphen: nothing to escape
    out = [f'<td id="u-{key}" data-d="{cell.day.day}" class="fm-cell']
    if cell.weekend:
        out.append(" fm-weekend")
    out.append('"')
    if oob:
        out.append(' hx-swap-oob="true"')
    out.append(">")
    invalid = cell.counted_invalid
    if editable and cell.enabled:
        post = _post(cell, key, url)
        out.append(
            f'<input type="text" inputmode="decimal" autocomplete="off" class="form-control form-control-sm fm-in k{key}'
        )
        if invalid:
            out.append(" is-invalid")
        out.append(
            f'" id="in-u-{key}" name="counted" value="{_esc(cell.counted_value)}" aria-label="{_esc(cell.counted_label)}"'
        )
        if invalid:
            out.append(f' aria-invalid="true" aria-describedby="err-{key}"')
        out.append(post + ">")
        if cell.needs_reason_select:
            out.append(
                f'<select class="form-select form-select-sm fm-reason k{key}" name="reason" '
                f'aria-label="{_esc(cell.reason_label)}"{post}><option value="">Motif…</option>'
            )
            for value, start, end in options:
                out.append(f"{start} selected{end}" if value == cell.reason else start + end)
            out.append("</select>")
    elif editable:
        out.append(
            f'<input type="text" class="form-control form-control-sm fm-in" disabled value="{_esc(cell.counted_value)}" '
            f'aria-label="{_esc(cell.counted_label)} (hors inscription)">'
        )
    elif cell.counted:
        out.append(_esc(_hours(cell.counted)))
        if cell.reason:
            out.append(f" <small>({_esc(cell.reason_display)})</small>")
    if invalid:
        out.append(f'<span class="fm-cell-error" id="err-{key}">{_esc(cell.error)}</span>')
    out.append("</td>\n")
    return "".join(out)


@register.simple_tag(takes_context=True)
def realised_cell(context):
    """The « réalisé » cell of ``cell`` (the htmx response of a saved cell)."""
    html = _realised(
        context["cell"], context.get("editable"), _esc(context.get("cell_url", "")), context.get("oob")
    )
    return mark_safe(html)  # noqa: S308 - every value is escaped by _realised


@register.simple_tag(takes_context=True)
def counted_cell(context):
    """The « non réalisé comptabilisé » cell of ``cell``."""
    options = _reason_options(context.get("reasons"))
    html = _counted(
        context["cell"],
        context.get("editable"),
        _esc(context.get("cell_url", "")),
        context.get("oob"),
        options,
    )
    return mark_safe(html)  # noqa: S308 - every value is escaped by _counted


@register.simple_tag(takes_context=True)
def realised_cells(context, cells):
    """The « réalisé » cells of a grid line, one after the other."""
    editable, url, oob = context.get("editable"), _esc(context.get("cell_url", "")), context.get("oob")
    return mark_safe("".join([_realised(cell, editable, url, oob) for cell in cells]))  # noqa: S308


@register.simple_tag(takes_context=True)
def counted_cells(context, cells):
    """The « non réalisé comptabilisé » cells of a grid line."""
    editable, url, oob = context.get("editable"), _esc(context.get("cell_url", "")), context.get("oob")
    options = _reason_options(context.get("reasons"))
    return mark_safe("".join([_counted(cell, editable, url, oob, options) for cell in cells]))  # noqa: S308
