"""The enrolment's index of the hours covers them (issue #8, docs/performance.md).

The foreign key's own index on ``enrolment_id`` is replaced by ``attendance_enrolment_hours``, the
same key with ``realised_hours`` and ``counted_unrealised_hours`` in INCLUDE on PostgreSQL: the
hours column of the actions list is then read from the index alone. On SQLite (no INCLUDE) it is a
plain index on ``enrolment_id``, as before. The old index is dropped by its name (the same on both
databases) rather than through AlterField, which makes SQLite copy the whole table.
"""

from django.db import migrations, models

FK_INDEX = "attendance_attendance_enrolment_id_155d0e55"


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0002_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="attendance",
                    name="enrolment",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.PROTECT,
                        related_name="attendances",
                        to="trainees.enrolment",
                        verbose_name="inscription",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{FK_INDEX}"',
                    reverse_sql=f'CREATE INDEX "{FK_INDEX}" ON "attendance_attendance" ("enrolment_id")',
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="attendance",
            index=models.Index(
                fields=["enrolment"],
                include=("realised_hours", "counted_unrealised_hours"),
                name="attendance_enrolment_hours",
            ),
        ),
    ]
