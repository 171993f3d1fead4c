"""Triggers raising ``organisations_dataversion`` on every write to the rows the BPF reads (ADR 0025).

The list is frozen here: a later migration adds or drops tables, this one never changes.
"""

from django.db import migrations

from formarche.organisations.dataversion import Tracked, drop_sql, trigger_sql

_ORDER = "orders_order o"
_ENROLMENT = "trainees_enrolment e JOIN orders_order o ON o.id = e.order_id"

TRACKED = (
    Tracked("attendance_attendance", "enrolment_id", _ENROLMENT, "e.id", "o.provider_id"),
    Tracked("trainees_enrolment", "order_id", _ORDER, "o.id", "o.provider_id"),
    Tracked("trainees_enrolmentfunding", "enrolment_id", _ENROLMENT, "e.id", "o.provider_id"),
    Tracked("trainees_trainee", "organisation_id"),
    Tracked("orders_order", "provider_id"),
    Tracked("bpf_subcontracting", "order_id", _ORDER, "o.id", "o.provider_id"),
    Tracked("bpf_otherproduct", "organisation_id"),
    Tracked("billing_invoice", "organisation_id"),
    Tracked("bpf_trainer", "organisation_id"),
    Tracked("bpf_trainerstatusperiod", "trainer_id", "bpf_trainer t", "t.id", "t.organisation_id"),
    Tracked("bpf_trainerhours", "trainer_id", "bpf_trainer t", "t.id", "t.organisation_id"),
    Tracked("bpf_fiscalyear", "organisation_id"),
    Tracked("bpf_accountline", "fiscal_year_id", "bpf_fiscalyear f", "f.id", "f.organisation_id"),
    Tracked("organisations_organisation", "id"),
)


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
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
