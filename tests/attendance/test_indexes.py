"""The hours of an enrolment are indexed with the enrolment (issue #8, migration 0003): on
PostgreSQL the index carries them (INCLUDE), so the actions list sums them from the index alone;
the foreign key's own index, now redundant, is gone."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def indexes() -> dict[str, dict]:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, "attendance_attendance")


def test_the_enrolment_index_covers_the_hours():
    found = indexes()
    columns = found["attendance_enrolment_hours"]["columns"]
    assert "attendance_attendance_enrolment_id_155d0e55" not in found
    if connection.vendor != "postgresql":
        assert columns == ["enrolment_id"]  # no INCLUDE: a plain index, as the foreign key's was
    else:
        assert columns == ["enrolment_id", "realised_hours", "counted_unrealised_hours"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'attendance_enrolment_hours'")
            (definition,) = cursor.fetchone()
        assert "INCLUDE (realised_hours, counted_unrealised_hours)" in definition
