"""Data versions: a counter per organisation raised by the database on every write (ADR 0025).

    version = data_version(organisation_id)     # one query; 0 before the first write
    key = (organisation_id, fiscal_year_id, version)

The counter (``organisations_dataversion``) is raised by **triggers**, not by the services: every
write path is covered the same way — the ORM, ``bulk_create``/``bulk_update``, raw SQL, the import's
``COPY``, the admin, a migration's data fix. A cache keyed on it can never serve a figure older than
the rows: the write and the raise commit (or roll back) together.

- PostgreSQL: one trigger per table and event, ``FOR EACH STATEMENT`` with a transition table
  (``REFERENCING NEW TABLE``/``OLD TABLE``): one grouped upsert per statement, whatever its number
  of rows (a ``COPY`` of 500 000 hour rows raises it once).
- SQLite (no statement-level triggers): ``FOR EACH ROW``, one indexed upsert per row.

A tracked table says how a row reaches its organisation (:data:`Tracked`): a column holding it, or
a key column and a lookup through the parent tables. The triggers are created by a migration from
a list frozen in that migration (``bpf/migrations/0002_perf_data_version_triggers.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import router

__all__ = [
    "TRACKED",
    "Tracked",
    "data_version",
    "drop_sql",
    "sqlite_triggers_create",
    "sqlite_triggers_drop",
    "trigger_sql",
]

TABLE = "organisations_dataversion"


@dataclass(frozen=True)
class Tracked:
    """A table whose writes raise the version of the organisation a row belongs to.

    ``key``: the row's column; without ``lookup`` it is the organisation's id, with it the id the
    lookup's ``match`` column is compared with (``lookup``: a FROM clause over the parent tables,
    ``org``: the organisation's column in it)."""

    table: str
    key: str
    lookup: str = ""
    match: str = ""
    org: str = ""


_ORDER = "orders_order o"
_ENROLMENT = "trainees_enrolment e JOIN orders_order o ON o.id = e.order_id"

#: the tables the BPF reads, and how a row reaches its organisation
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


#: the migration that brings the triggers (on SQLite they follow it, see sqlite_triggers_create)
TRIGGERS_MIGRATION = ("bpf", "0002_perf_data_version_triggers")


def sqlite_triggers_drop(connection) -> None:
    """Before a ``migrate`` on SQLite: drop every trigger, so that a table rebuilt by a migration
    neither loses its own triggers silently nor breaks on the triggers of the tables naming it."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for tracked in TRACKED:
            for sql in drop_sql("sqlite", tracked):
                cursor.execute(sql)


def sqlite_triggers_create(connection) -> bool:
    """After a ``migrate`` on SQLite: (re)create every trigger once the triggers' migration is
    applied and every tracked table exists. True when they were created."""
    if connection.vendor != "sqlite":
        return False
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connection)
    if not recorder.has_table() or TRIGGERS_MIGRATION not in recorder.applied_migrations():
        return False
    tables = set(connection.introspection.table_names())
    if TABLE not in tables or any(t.table not in tables for t in TRACKED):
        return False
    with connection.cursor() as cursor:
        for tracked in TRACKED:
            for sql in drop_sql("sqlite", tracked) + trigger_sql("sqlite", tracked):
                cursor.execute(sql)
    return True


def data_version(organisation_id: int, *, using: str | None = None) -> int:
    """The organisation's data version, read where the figures it guards are read (the router's
    database for reads, a replica under ``reads_from_replica``)."""
    from formarche.organisations.models import DataVersion

    db = using or router.db_for_read(DataVersion)
    row = DataVersion.objects.using(db).filter(pk=organisation_id).values_list("version", flat=True).first()
    return row or 0


def _name(tracked: Tracked, suffix: str) -> str:
    return f"dv_{tracked.table}_{suffix}"[:60]


def _upsert(select: str, alias: bool = True) -> str:
    # SQLite's triggers take no alias on the target table: ``version`` is the existing row's
    into = f"{TABLE} AS d" if alias else TABLE
    current = "d.version" if alias else "version"
    return (
        f"INSERT INTO {into} (organisation_id, version) {select} "
        f"ON CONFLICT (organisation_id) DO UPDATE SET version = {current} + 1"
    )


def _pg_select(tracked: Tracked, rows: str) -> str:
    if not tracked.lookup:
        return f"SELECT DISTINCT {tracked.key}, 1 FROM {rows} WHERE {tracked.key} IS NOT NULL"
    return (
        f"SELECT DISTINCT {tracked.org}, 1 FROM (SELECT DISTINCT {tracked.key} AS k FROM {rows}) r "
        f"JOIN {tracked.lookup} ON {tracked.match} = r.k WHERE {tracked.org} IS NOT NULL"
    )


def _sqlite_select(tracked: Tracked, row: str) -> str:
    if not tracked.lookup:
        return f"SELECT {row}.{tracked.key}, 1 WHERE {row}.{tracked.key} IS NOT NULL"
    return (
        f"SELECT {tracked.org}, 1 FROM {tracked.lookup} "
        f"WHERE {tracked.match} = {row}.{tracked.key} AND {tracked.org} IS NOT NULL"
    )


def trigger_sql(vendor: str, tracked: Tracked) -> list[str]:
    """The statements creating the triggers of one table."""
    if vendor == "postgresql":
        fn = _name(tracked, "fn")
        body = {
            "INSERT": _upsert(_pg_select(tracked, "dv_new")),
            "UPDATE": _upsert(
                f"SELECT u.o, 1 FROM (SELECT o FROM ({_pg_select(tracked, 'dv_new')}) n(o, one) "
                f"UNION SELECT o FROM ({_pg_select(tracked, 'dv_old')}) p(o, one)) u"
            ),
            "DELETE": _upsert(_pg_select(tracked, "dv_old")),
        }
        out = [
            f"CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $dv$ BEGIN "
            f"IF TG_OP = 'INSERT' THEN {body['INSERT']}; "
            f"ELSIF TG_OP = 'UPDATE' THEN {body['UPDATE']}; "
            f"ELSE {body['DELETE']}; END IF; RETURN NULL; END $dv$"
        ]
        refs = {
            "INSERT": "REFERENCING NEW TABLE AS dv_new",
            "UPDATE": "REFERENCING NEW TABLE AS dv_new OLD TABLE AS dv_old",
            "DELETE": "REFERENCING OLD TABLE AS dv_old",
        }
        for event, ref in refs.items():
            out.append(
                f"CREATE TRIGGER {_name(tracked, event.lower())} AFTER {event} ON {tracked.table} "
                f"{ref} FOR EACH STATEMENT EXECUTE FUNCTION {fn}()"
            )
        return out
    if vendor == "sqlite":
        rows = {"INSERT": ("NEW",), "UPDATE": ("OLD", "NEW"), "DELETE": ("OLD",)}
        out = []
        for event, names in rows.items():
            statements = " ".join(_upsert(_sqlite_select(tracked, n), alias=False) + ";" for n in names)
            out.append(
                f"CREATE TRIGGER {_name(tracked, event.lower())} AFTER {event} ON {tracked.table} "
                f"FOR EACH ROW BEGIN {statements} END"
            )
        return out
    raise NotImplementedError(f"versions des données : base {vendor} non prise en charge")


def drop_sql(vendor: str, tracked: Tracked) -> list[str]:
    on = f" ON {tracked.table}" if vendor == "postgresql" else ""
    out = [f"DROP TRIGGER IF EXISTS {_name(tracked, e)}{on}" for e in ("insert", "update", "delete")]
    if vendor == "postgresql":
        out.append(f"DROP FUNCTION IF EXISTS {_name(tracked, 'fn')}()")
    return out
