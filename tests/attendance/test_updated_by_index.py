"""The index of `updated_by` on the hours table (issue #8, migration 0004, docs/performance.md
« Index des heures »).

``updated_by`` is null on every imported row: its index keeps only the rows that name someone
(a partial index), which is all the SET NULL of a deleted user needs."""

import datetime as dt
from decimal import Decimal

from django.db import connection

from formarche.attendance.models import Attendance
from tests.factories import AttendanceFactory, UserFactory


def _indexes():
    with connection.cursor() as cursor:
        return {
            name: c
            for name, c in connection.introspection.get_constraints(cursor, Attendance._meta.db_table).items()
            if c["index"] and not c["primary_key"]
        }


def test_updated_by_has_only_its_partial_index(db):
    indexes = _indexes()
    assert "attendance_updated_by" in indexes
    on_updated_by = [name for name, c in indexes.items() if c["columns"] == ["updated_by_id"]]
    assert on_updated_by == ["attendance_updated_by"]  # the foreign key's full index is gone


def test_deleting_a_user_still_clears_the_rows_naming_them(db):
    user = UserFactory()
    named = AttendanceFactory(updated_by=user, day=dt.date(2023, 3, 6), realised_hours=Decimal("7"))
    nobody = AttendanceFactory(day=dt.date(2023, 3, 7), realised_hours=Decimal("7"))
    user.delete()
    named.refresh_from_db()
    nobody.refresh_from_db()
    assert named.updated_by_id is None and nobody.updated_by_id is None
