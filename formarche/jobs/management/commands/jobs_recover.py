"""Hand the jobs whose worker died (lease expired) to a live worker, or refuse them after 3 attempts.

The same recovery every ``formarche worker`` runs on its own (formarche/jobs/recovery.py); useful
after a restart of a single-server installation (``FORMARCHE_TASKS=thread``)."""

from django.core.management.base import BaseCommand

from formarche.jobs.recovery import jobs_recover


class Command(BaseCommand):
    help = "Reprend les travaux interrompus (travailleur arrêté) ; refuse ceux interrompus trois fois."

    def handle(self, *args, **options):
        out = jobs_recover()
        self.stdout.write(
            f"{out.requeued} travail(aux) repris, {out.refused} refusé(s), "
            f"{out.tasks_failed} tâche(s) orpheline(s) close(s), {out.tasks_requeued} tâche(s) remise(s) en file."
        )
