from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate, pre_migrate


def _drop_sqlite_triggers(sender, using, **kwargs):
    from formarche.organisations.dataversion import sqlite_triggers_drop

    sqlite_triggers_drop(connections[using])


def _create_sqlite_triggers(sender, using, **kwargs):
    from formarche.organisations.dataversion import sqlite_triggers_create

    sqlite_triggers_create(connections[using])


class OrganisationsConfig(AppConfig):
    name = "formarche.organisations"
    verbose_name = "Organisations"

    def ready(self):
        # SQLite: the data-version triggers (ADR 0025) live outside the migrations' table rebuilds
        pre_migrate.connect(_drop_sqlite_triggers, sender=self, dispatch_uid="dataversion_sqlite_drop")
        post_migrate.connect(_create_sqlite_triggers, sender=self, dispatch_uid="dataversion_sqlite_create")
