"""Writes on trainees and enrolments: keyword-only, atomic, French refusals.

Every function raises :class:`TraineeError` (a French message, and ``duplicates`` or ``days`` when
the caller should show them) and changes nothing when it refuses. One module per entity:
:mod:`.trainee`, :mod:`.enrolment`, :mod:`.funding` (co-fundings); :mod:`.common` holds the
refusals and the guards (an action closed or archived).
"""

from formarche.trainees.services.common import DuplicateSuspected, HeadcountExceeded, TraineeError
from formarche.trainees.services.enrolment import (
    enrolment_change,
    enrolment_create,
    enrolment_create_many,
    enrolment_update,
    enrolment_update_exit,
)
from formarche.trainees.services.funding import (
    enrolment_funding_add,
    enrolment_funding_check,
    enrolment_funding_delete,
)
from formarche.trainees.services.trainee import TRAINEE_FIELDS, trainee_create, trainee_update

__all__ = [
    "TRAINEE_FIELDS",
    "DuplicateSuspected",
    "HeadcountExceeded",
    "TraineeError",
    "enrolment_change",
    "enrolment_create",
    "enrolment_create_many",
    "enrolment_funding_add",
    "enrolment_funding_check",
    "enrolment_funding_delete",
    "enrolment_update",
    "enrolment_update_exit",
    "trainee_create",
    "trainee_update",
]
