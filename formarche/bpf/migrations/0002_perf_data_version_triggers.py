"""Triggers raising ``organisations_dataversion`` on every write to the rows the BPF reads (ADR 0025).

The list is ``organisations.dataversion.TRACKED``. On SQLite the triggers are not created here but
after every ``migrate`` (and dropped before it) by ``organisations.apps``: SQLite rebuilds a table
for most ALTERs (Django's "remake table"), which drops the triggers of that table and fails on
the triggers of the others that name it.
"""

from django.db import migrations

from formarche.organisations.dataversion import TRACKED, drop_sql, trigger_sql

def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        return  # created after the whole migrate (organisations.apps.OrganisationsConfig)
    for tracked in TRACKED:
        for sql in trigger_sql(vendor, tracked):
            schema_editor.execute(sql, params=None)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for tracked in TRACKED:
        for sql in drop_sql(vendor, tracked):
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0002_perf_data_version"),
        ("bpf", "0001_initial"),
        ("attendance", "0004_updated_by_partial_index"),
        ("trainees", "0003_enrolment_funding"),
        ("orders", "0002_history_issue17"),
        ("billing", "0004_solde_adjustments"),
    ]

    operations = [migrations.RunPython(create, drop)]
