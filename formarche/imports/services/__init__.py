"""Imports of trainees (with their enrolment), of hours and of the Région's orders: all or
nothing, row-by-row French report, through the ingest pipeline (:mod:`formarche.imports.pipeline`).

- :mod:`.jobs` — :func:`import_job_create` checks the upload before anything is stored, records an
  :class:`~formarche.imports.models.ImportJob`, runs it inline (small files) or enqueues it;
  :func:`import_job_run` (in `.job_run`, with the background task `run_import_job`) runs it to its end and stores the report.
- :mod:`.trainees` — :func:`import_trainees`; :mod:`.hours` — :func:`import_hours` (through
  :func:`formarche.attendance.services.attendance_bulk_upsert`); :mod:`.orders` —
  :func:`orders_import`.

Re-importing the same file changes nothing: trainees are keyed by external id (or name + birth
date), enrolments by (trainee, action), hours by (enrolment, day, kind), orders by number.
"""

from formarche.imports.readers import MAX_UPLOAD_SIZE
from formarche.imports.services.hours import import_hours
from formarche.imports.services.job_run import import_job_run
from formarche.imports.services.jobs import ImportRefused, import_job_create
from formarche.imports.services.orders import ImportReport, orders_import
from formarche.imports.services.trainees import import_trainees

__all__ = [
    "MAX_UPLOAD_SIZE",
    "ImportRefused",
    "ImportReport",
    "import_hours",
    "import_job_create",
    "import_job_run",
    "import_trainees",
    "orders_import",
]
