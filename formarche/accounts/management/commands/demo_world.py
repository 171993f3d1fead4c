from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from formarche.accounts.demo import DEMO_USERS, build_demo_world


class Command(BaseCommand):
    help = "Crée (ou complète) le monde de démonstration. Refusé quand DEBUG est désactivé."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Les comptes de démonstration ne sont créés qu'avec DEBUG activé.")
        world = build_demo_world()
        self.stdout.write("Monde de démonstration prêt.")
        self.stdout.write(f"Comptes (mot de passe : {settings.DEMO_PASSWORD}) :")
        labels = {"of1": world.of1, "of2": world.of2, "region": world.region}
        for email, _first, _last, key, role in DEMO_USERS:
            self.stdout.write(f"  {email:28} {labels[key].name} — {role.label}")
