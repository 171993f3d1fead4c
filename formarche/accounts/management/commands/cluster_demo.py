import os

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from formarche.accounts.demo import DEMO_USERS, build_demo_world

PASSWORD_VARIABLE = "FORMARCHE_CLUSTER_DEMO_PASSWORD"


class Command(BaseCommand):
    help = (
        "Crée (ou complète) le monde de démonstration du cluster local (scripts/cluster.sh), même sans "
        f"DEBUG, avec le mot de passe donné par la variable {PASSWORD_VARIABLE} (12 caractères au moins, "
        "jamais le mot de passe public de la démonstration)."
    )

    def handle(self, *args, **options):
        password = os.environ.get(PASSWORD_VARIABLE, "")
        if not password:
            raise CommandError(f"{PASSWORD_VARIABLE} doit donner le mot de passe des comptes du cluster.")
        try:
            build_demo_world(password=password)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("Monde de démonstration du cluster prêt. Comptes :")
        for email, *_rest in DEMO_USERS:
            self.stdout.write(f"  {email}")
