"""Generated documents (WeasyPrint, French): the monthly attendance sheet, the attestation
d'assiduité, the certificat de réalisation. Data builders here; templates under templates/documents/.

The attendance sheet is paginated by construction, not by luck: trainees are cut into chunks of
``ROWS_PER_PAGE`` and the month's working days into ISO weeks (at most 5 days, 10 half-day
columns); each (week, chunk of trainees) is one landscape A4 page with its own header, and the
row height is fixed so that a full chunk fits. Pages = weeks × ceil(trainees / ROWS_PER_PAGE).

The cost of a WeasyPrint page grows with its boxes (style, layout and drawing of each one, ~0.5 ms
each), so the sheet is drawn with few: on a page where every half-day of every row is a box to
sign (no greyed one), the rows are one table row of three cells — the numbers, the names (one line
each, a line per row) and the boxes — whose backgrounds rule the rows and the half-day columns;
elsewhere a row whose half-days are all to sign is one cell ruled by its background, and only a
row with a greyed half-day has a cell per half-day (docs/performance.md, « PDF en masse »). The
printed sheet is the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.template.loader import render_to_string

from formarche.attendance.models import AttendanceKind
from formarche.documents import selectors
from formarche.documents.workdays import weeks, working_days
from formarche.utils.dates import month_bounds
from formarche.utils.formatting import format_date, format_month
from formarche.utils.money import ZERO
from formarche.utils.pdf import html_to_pdf

ROWS_PER_PAGE = 12
DAYS_FR = ("Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche")


def render_pdf(template: str, context: dict) -> bytes:
    return html_to_pdf(render_to_string(template, context), base_url=str(settings.BASE_DIR))


# ---------------------------------------------------------------------------------------------
# Monthly attendance sheet
# ---------------------------------------------------------------------------------------------


@dataclass
class SheetRow:
    number: int
    name: str
    cells: list[bool]  # one per half-day column: True = enrolled (a box to sign), False = greyed

    @property
    def all_enrolled(self) -> bool:
        """Every half-day is a box to sign: the row is drawn as one cell whose background rules
        the columns (a cell per half-day only where some are greyed; see the template)."""
        return all(self.cells)


@dataclass
class SheetPage:
    days: list[date]
    rows: list[SheetRow]
    week_label: str
    number: int = 0
    filler: list[int] = field(default_factory=list)

    @property
    def day_labels(self) -> list[str]:
        return [f"{DAYS_FR[d.weekday()]} {d.day:02d}/{d.month:02d}" for d in self.days]

    @property
    def columns(self) -> int:
        """Half-day columns of the page (two per working day)."""
        return 2 * len(self.days)

    @property
    def all_enrolled(self) -> bool:
        """No greyed half-day on the page: its rows are drawn as one block (see the module)."""
        return all(row.all_enrolled for row in self.rows)

    @property
    def line_count(self) -> int:
        """Rows of the page, the empty filler lines included."""
        return len(self.rows) + len(self.filler)

    @property
    def numbers_text(self) -> str:
        return "\n".join(str(row.number) for row in self.rows)

    @property
    def names_text(self) -> str:
        return "\n".join(row.name for row in self.rows)

    @property
    def first_number(self) -> int:
        return self.rows[0].number if self.rows else 0

    @property
    def last_number(self) -> int:
        return self.rows[-1].number if self.rows else 0


def attendance_sheet_pages(order, month: date, enrolments=None) -> list[SheetPage]:
    first, last = month_bounds(month)
    days = working_days(first, last)
    enrolments = list(enrolments if enrolments is not None else selectors.enrolments_in_month(order, month))
    chunks = [enrolments[i : i + ROWS_PER_PAGE] for i in range(0, len(enrolments), ROWS_PER_PAGE)] or [[]]
    pages = []
    for week in weeks(days):
        label = f"Semaine du {format_date(week[0])} au {format_date(week[-1])}"
        for chunk_index, chunk in enumerate(chunks):
            rows = []
            for offset, enrolment in enumerate(chunk):
                cells = []
                for day in week:
                    cells.extend([enrolment.covers(day)] * 2)
                rows.append(
                    SheetRow(
                        number=chunk_index * ROWS_PER_PAGE + offset + 1,
                        name=str(enrolment.trainee),
                        cells=cells,
                    )
                )
            page = SheetPage(days=week, rows=rows, week_label=label)
            # with one trainee, leave a few empty lines (late entries are written by hand)
            page.filler = list(range(max(0, min(3, ROWS_PER_PAGE - len(rows)))))
            pages.append(page)
    for number, page in enumerate(pages, start=1):
        page.number = number
    return pages


def attendance_sheet_pdf(order, month: date, enrolments=None) -> bytes:
    pages = attendance_sheet_pages(order, month, enrolments)
    return render_pdf(
        "documents/attendance_sheet_pdf.html",
        {
            "order": order,
            "provider": order.provider,
            "month_label": format_month(month),
            "pages": pages,
            "page_count": len(pages),
            "trainee_count": max((p.last_number for p in pages), default=0),
            "columns": max((len(p.days) * 2 for p in pages), default=10),
        },
    )


def expected_sheet_pages(order, month: date, trainee_count: int) -> int:
    first, last = month_bounds(month)
    return len(weeks(working_days(first, last))) * max(1, math.ceil(trainee_count / ROWS_PER_PAGE))


# ---------------------------------------------------------------------------------------------
# Attestation d'assiduité (one trainee, one month)
# ---------------------------------------------------------------------------------------------


def attendance_certificate_context(enrolment, month: date) -> dict:
    first, last = month_bounds(month)
    rows = selectors.month_attendance(enrolment, first, last)
    realised = sum((r.realised_hours for r in rows), ZERO)
    counted = sum((r.counted_unrealised_hours for r in rows), ZERO)
    return {
        "order": enrolment.order,
        "provider": enrolment.order.provider,
        "enrolment": enrolment,
        "trainee": enrolment.trainee,
        "month_label": format_month(month),
        "first": first,
        "last": last,
        "rows": rows,
        "AttendanceKind": AttendanceKind,
        "realised": realised,
        "counted": counted,
        "total": realised + counted,
    }


def attendance_certificate_pdf(enrolment, month: date, *, today: date) -> bytes:
    context = attendance_certificate_context(enrolment, month)
    context["today"] = today
    return render_pdf("documents/attendance_certificate_pdf.html", context)


# ---------------------------------------------------------------------------------------------
# Attestation de fin de formation / certificat de réalisation (at exit)
# ---------------------------------------------------------------------------------------------


def completion_certificate_context(enrolment) -> dict:
    totals = selectors.attendance_totals(enrolment)
    realised = totals["realised"] or ZERO
    counted = totals["counted"] or ZERO
    order = enrolment.order
    return {
        "order": order,
        "provider": order.provider,
        "enrolment": enrolment,
        "trainee": enrolment.trainee,
        "realised": realised,
        "counted": counted,
        "planned": enrolment.planned_hours,
    }


def completion_certificate_pdf(enrolment, *, today: date) -> bytes:
    context = completion_certificate_context(enrolment)
    context["today"] = today
    return render_pdf("documents/completion_certificate_pdf.html", context)
