"""Writing hours: every change to attendance goes through these keyword-only functions.

The grid (htmx), the month-totals page, the imports, the API and the émargement all call them,
so the rules are checked once, here, and every write goes through one writer
(:mod:`formarche.attendance.bulk`: plain SQL by batches, history rows included):

- hours can only change while the action is open (``order.status == "ouverte"``): a closed or
  archived action is read-only (the refusal names which, ``orders.models.write_refusal``);
- hours are ≥ 0 with at most 2 decimals; a day counts at most 24 h (réalisé + non réalisé
  comptabilisé); a month total at most 24 h per enrolled day of the month;
- non réalisé comptabilisé needs a reason (``UnrealisedReason``);
- the day (or month) must obey the rule of the date of an hour (:mod:`.rules`): within the
  trainee's enrolment (entry … exit, else the action's real end, else its planned end), never
  after today; a row without hours (a day cleared) is checked against the enrolment only;
- a trainee's month is kept either day by day or as one month total, never both;
- a change to a month whose period is already validated is accepted and marked ``is_correction``
  (rectificatif): it will be invoiced with the next period [seed: "y compris rectificatif"]. In
  such a month, setting a day to zero keeps the row (at zero, flagged) instead of deleting it, so
  that the correction stays visible to billing and to the controls.

A refusal raises :class:`AttendanceRefused` (one row) or :class:`AttendanceBulkRefused` (many
rows, each with its index) with a French message, and changes nothing. Each refusal also carries
its ``phrase`` (the message without capital nor full stop) for reports that prefix the line
(``Ligne 4 : …``). The 12-hour-a-day limit is not a refusal: it is a blocking control
(``controls.py``), so that an unusual day can be entered and then corrected before the period is
validated.
"""

from formarche.attendance.bulk import BulkResult
from formarche.attendance.services.attendance import (
    AttendanceRow,
    attendance_bulk_upsert,
    attendance_set,
    attendance_set_month_total,
)
from formarche.attendance.services.checks import parse_hours
from formarche.attendance.services.refusals import (
    CLOSED_ORDER_MESSAGE,
    AttendanceBulkRefused,
    AttendanceRefused,
)

__all__ = [
    "CLOSED_ORDER_MESSAGE",
    "AttendanceBulkRefused",
    "AttendanceRefused",
    "AttendanceRow",
    "BulkResult",
    "attendance_bulk_upsert",
    "attendance_set",
    "attendance_set_month_total",
    "parse_hours",
]
