"""The index of ``updated_by`` keeps only the rows that name someone (issue #8, docs/performance.md).

``updated_by`` is null on every imported row (the interchange import, the attendance imports of
an OF's tool): the foreign key's full index holds mostly nulls, and is never searched — it serves
only the SET NULL when a user is deleted. It is replaced by ``attendance_updated_by``, the same key
restricted to ``updated_by_id IS NOT NULL`` (a partial index, on PostgreSQL and SQLite alike),
which still serves that SET NULL. The old index is dropped by its name (the same on both
databases) rather than through AlterField, which makes SQLite copy the whole table.
"""

from django.conf import settings
from django.db import migrations, models

FK_INDEX = "attendance_attendance_updated_by_id_a2f4acfd"


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0003_enrolment_hours_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="attendance",
                    name="updated_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="modifié par",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{FK_INDEX}"',
                    reverse_sql=f'CREATE INDEX "{FK_INDEX}" ON "attendance_attendance" ("updated_by_id")',
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="attendance",
            index=models.Index(
                condition=models.Q(("updated_by__isnull", False)),
                fields=["updated_by"],
                name="attendance_updated_by",
            ),
        ),
    ]
