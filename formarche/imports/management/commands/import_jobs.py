"""Run the import jobs still waiting (after a restart, or on a machine dedicated to jobs)."""

from django.core.management.base import BaseCommand

from formarche.imports.models import ImportJob, ImportStatus
from formarche.imports.services import import_job_run


class Command(BaseCommand):
    help = "Exécute les imports en attente (et, avec --resume, ceux interrompus en cours d'exécution)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--resume",
            action="store_true",
            help="reprend aussi les imports restés « en cours » (redémarrage)",
        )

    def handle(self, *args, resume=False, **options):
        if resume:
            # nothing of an interrupted job was written (one transaction): it can start again
            ImportJob.objects.filter(status=ImportStatus.RUNNING).update(
                status=ImportStatus.PENDING, processed_rows=0, phase=""
            )
        count = 0
        for job in ImportJob.objects.filter(status=ImportStatus.PENDING).order_by("created_at"):
            job = import_job_run(job=job)
            count += 1
            self.stdout.write(f"Import {job.pk} ({job.file_name}) : {job.get_status_display()}")
        self.stdout.write(f"{count} import(s) exécuté(s).")
