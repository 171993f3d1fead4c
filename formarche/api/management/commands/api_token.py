"""``manage.py api_token <email>``: show (or create) a user's API token; ``--reset`` replaces it."""

from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token

from formarche.accounts.models import Membership, User


class Command(BaseCommand):
    help = "Affiche le jeton d'API d'un utilisateur (le crée au besoin). --reset : en crée un nouveau."

    def add_arguments(self, parser):
        parser.add_argument("email", help="Adresse électronique de l'utilisateur.")
        parser.add_argument(
            "--reset", action="store_true", help="Révoque l'ancien jeton et en crée un nouveau."
        )
        parser.add_argument("--revoke", action="store_true", help="Révoque le jeton sans en créer.")

    def handle(self, *args, email, reset=False, revoke=False, **options):
        try:
            user = User.objects.get(email=email.strip().lower(), is_active=True)
        except User.DoesNotExist as exc:
            raise CommandError(f"Aucun utilisateur actif n'a l'adresse « {email} ».") from exc
        if revoke or reset:
            Token.objects.filter(user=user).delete()
            if revoke:
                self.stdout.write("Jeton révoqué.")
                return
        memberships = (
            Membership.objects.active().filter(user=user).select_related("organisation").order_by("pk")
        )
        if not memberships:
            raise CommandError(
                "Cet utilisateur n'est rattaché à aucune organisation : l'API lui serait inutile."
            )
        token, _ = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
        for membership in memberships:
            self.stderr.write(
                f"rattachement {membership.pk} : {membership.organisation.name} — {membership.get_role_display()}"
            )
