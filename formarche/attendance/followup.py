"""Suivi des réalisations: figures and chart of one action, prepared for the template.

Queries: the order with its dispositif (done by the view), :func:`monthly_totals` (one grouped
query), the enrolments with their trainees (one) and the periods (one) — constant whatever the
number of trainees and months.

The realisation rate is r = C × p / A (sigma.md), kept exact and shown with 2 decimals (|taux).
The chart is an SVG drawn on the server: coordinates are computed here with ``Decimal`` and
rounded to 0.1 px (no float ever touches hours).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from formarche.attendance import locks
from formarche.attendance.figures import monthly_totals
from formarche.orders.terms import parse_bands
from formarche.trainees.models import Enrolment
from formarche.utils.dates import months_between
from formarche.utils.formatting import format_hours, format_month, format_rate
from formarche.utils.money import percent, round_places

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


@dataclass
class TraineeMonth:
    enrolment: Enrolment
    realised: Decimal
    counted: Decimal
    cumulative: Decimal
    # already formatted (the detail table has one line per trainee and month: hundreds of lines)
    name: str = ""
    texts: tuple[str, str, str] = ("", "", "")


@dataclass
class FollowupMonth:
    month: date
    lines: list[TraineeMonth] = field(default_factory=list)
    realised: Decimal = ZERO
    counted: Decimal = ZERO
    cumulative: Decimal = ZERO  # the action's, through this month
    rate: Decimal = ZERO  # percent of the contracted volume, exact
    status: str = ""  # period status label, if any
    has_corrections: bool = False

    @property
    def total(self) -> Decimal:
        return self.realised + self.counted


def build_followup(order) -> dict:
    totals = monthly_totals(order)
    enrolments = {e.pk: e for e in Enrolment.objects.filter(order=order).select_related("trainee")}
    period_labels = locks.month_status_labels(order)
    contracted = order.contracted_hours
    months_with_hours = sorted({m for _e, m in totals})
    months: list[FollowupMonth] = []
    trainee_cumul: dict[int, Decimal] = {}
    cumulative = ZERO
    realised_total = counted_total = ZERO
    by_month: dict[date, list] = {}
    for (enrolment_id, month), hours in totals.items():
        by_month.setdefault(month, []).append((enrolment_id, hours))
    names = {pk: str(e.trainee) for pk, e in enrolments.items()}
    order_key = {pk: (e.trainee.last_name, e.trainee.first_name, pk) for pk, e in enrolments.items()}
    formatted: dict[Decimal, str] = {}

    def fmt(value: Decimal) -> str:  # the same few values recur: format each once
        text = formatted.get(value)
        if text is None:
            text = formatted[value] = format_hours(value)
        return text

    for month in months_with_hours:
        entry = FollowupMonth(month=month)
        lines = sorted(by_month[month], key=lambda item: order_key[item[0]])
        for enrolment_id, hours in lines:
            trainee_cumul[enrolment_id] = trainee_cumul.get(enrolment_id, ZERO) + hours.total
            cumul = trainee_cumul[enrolment_id]
            entry.lines.append(
                TraineeMonth(
                    enrolments[enrolment_id],
                    hours.realised,
                    hours.counted_unrealised,
                    cumul,
                    name=names[enrolment_id],
                    texts=(fmt(hours.realised), fmt(hours.counted_unrealised), fmt(cumul)),
                )
            )
            entry.realised += hours.realised
            entry.counted += hours.counted_unrealised
        cumulative += entry.total
        realised_total += entry.realised
        counted_total += entry.counted
        entry.cumulative = cumulative
        entry.rate = percent(cumulative * order.unit_price, order.amount)
        entry.status = period_labels.get(month, "Non créée")
        months.append(entry)
    dispositif = order.dispositif
    bands = parse_bands(dispositif.resorption_bands) if order.advance_paid and dispositif.advance_rate else ()
    cap = dispositif.cap_rate * HUNDRED if dispositif.cap_rate else None
    chart_months = sorted(
        set(months_between(order.planned_start, order.real_end or order.planned_end)) | set(months_with_hours)
    )
    cumul_by_month = {m.month: m.cumulative for m in months}
    return {
        "months": months,
        "realised_total": realised_total,
        "counted_total": counted_total,
        "cumulative": cumulative,
        "contracted": contracted,
        "rate": percent(cumulative * order.unit_price, order.amount),
        "remaining": max(contracted - cumulative, ZERO),
        "chart": build_chart(chart_months, cumul_by_month, contracted, bands, cap),
    }


# ---------------------------------------------------------------------------------------------
# SVG chart
# ---------------------------------------------------------------------------------------------

WIDTH, HEIGHT = Decimal(760), Decimal(340)
LEFT, RIGHT, TOP, BOTTOM = Decimal(64), Decimal(150), Decimal(16), Decimal(56)


def _px(value: Decimal) -> str:
    return str(round_places(value, 1))


def _band_shapes(bands, contracted: Decimal, y, plot_w) -> list[dict]:
    """The grey zones of the resorption bands, labelled with their fraction of the advance."""
    band_shapes = []
    # fractions over a common denominator, as the seed says them: 1/3, 2/3, 3/3
    denominator = math.lcm(*(band.fraction.denominator for band in bands)) if bands else 1
    for band in bands:
        share = f"{band.fraction.numerator * denominator // band.fraction.denominator}/{denominator}"
        y_low, y_high = y(contracted * band.from_percent / HUNDRED), y(contracted * band.to_percent / HUNDRED)
        band_shapes.append(
            {
                "x": _px(LEFT),
                "y": _px(y_high),
                "width": _px(plot_w),
                "height": _px(y_low - y_high),
                "label_y": _px((y_low + y_high) / 2 + 4),
                "label": f"Résorption {share} : {band.from_percent:f}–{band.to_percent:f} %",
            }
        )
    return band_shapes


def build_chart(
    months: list[date], cumul_by_month: dict[date, Decimal], contracted: Decimal, bands, cap
) -> dict:
    """Cumulative hours by month against the contracted volume, with resorption bands and the cap.

    ``bands``: ``ResorptionBand`` (from_percent, to_percent, fraction); ``cap``: percent or None.
    Returns strings of coordinates for the template, the accessible description and the data
    table rows.
    """
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_value = max([contracted, *cumul_by_month.values(), Decimal(1)]) * Decimal("1.05")

    def y(hours: Decimal) -> Decimal:
        return TOP + plot_h - plot_h * hours / top_value

    count = max(len(months), 1)
    step = plot_w / count

    def x(index: int) -> Decimal:
        return LEFT + step * index + step / 2

    points, running = [], ZERO
    for index, month in enumerate(months):
        if month in cumul_by_month:
            running = cumul_by_month[month]
            points.append(
                {
                    "x": _px(x(index)),
                    "y": _px(y(running)),
                    "label": f"{format_month(month)} : {format_hours(running)} h",
                }
            )
    labels_every = 1 if count <= 12 else (2 if count <= 24 else 3)
    x_labels = [
        {"x": _px(x(i)), "y": _px(TOP + plot_h + 16), "text": f"{month.month:02d}/{month.year % 100:02d}"}
        for i, month in enumerate(months)
        if i % labels_every == 0
    ]
    y_ticks = []
    for share in (0, 25, 50, 75, 100):
        hours = contracted * share / HUNDRED
        y_ticks.append({"y": _px(y(hours)), "text": f"{format_hours(hours)}"[:-3], "percent": share})

    band_shapes = _band_shapes(bands, contracted, y, plot_w)
    cap_line = None
    if cap is not None:
        cap_line = {"y": _px(y(contracted * cap / HUNDRED)), "label": f"Plafond {format_rate(cap)}"}
    last = points[-1]["label"] if points else "aucune heure saisie"
    desc = (
        f"Heures cumulées de l'action, mois par mois, comparées au volume contractuel de "
        f"{format_hours(contracted)} h. Dernier point : {last}."
        + (" Zones grisées : seuils de résorption de l'avance." if band_shapes else "")
        + (f" Ligne pointillée : plafond à {format_rate(cap)} du volume." if cap is not None else "")
    )
    return {
        "width": _px(WIDTH),
        "height": _px(HEIGHT),
        "left": _px(LEFT),
        "right": _px(LEFT + plot_w),
        "top": _px(TOP),
        "bottom": _px(TOP + plot_h),
        "label_x": _px(LEFT + plot_w + 6),
        "contract_y": _px(y(contracted)),
        "contract_label": f"Volume contractuel {format_hours(contracted)} h",
        "inner_label_x": _px(LEFT + plot_w - 4),
        "polyline": " ".join(f"{p['x']},{p['y']}" for p in points),
        "points": points,
        "x_labels": x_labels,
        "x_title_y": _px(HEIGHT - 8),
        "y_ticks": y_ticks,
        "bands": band_shapes,
        "cap": cap_line,
        "desc": desc,
        "empty": not points,
    }
