"""``formarche manage replica_status``: the read replica's replay lag, in seconds and bytes.

Exit status 0 when the reports read the replica (or none is configured), 1 when they fall back to
the primary (replica down or too far behind): usable by a monitoring probe.
"""

from django.core.management.base import BaseCommand

from formarche.audit.platform import database_lines
from formarche.utils.dbrouter import replica_status


class Command(BaseCommand):
    help = "État de la réplique en lecture : retard de rejeu en secondes et en octets."

    def handle(self, *args, **options):
        status = replica_status()
        for line in database_lines(status):
            mark = "" if line.ok else "  ← attention"
            self.stdout.write(f"{line.label} : {line.value}{mark}")
        if status.configured and not status.reports_on_replica:
            raise SystemExit(1)
