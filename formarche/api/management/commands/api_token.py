"""``manage.py api_token <email>``: create an API token for a manager (the page does the same).

Since ADR 0022 tokens are created on the page Gestion organisme → Jetons d'API; this command is
for the platform's administrators (a first integration, a script). The key is printed once.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from formarche.accounts.models import Membership, User
from formarche.api import scopes as api_scopes
from formarche.api.models import ApiToken
from formarche.api.services import ApiTokenError, api_token_create, api_token_revoke


class Command(BaseCommand):
    help = "Crée un jeton d'API pour un responsable (affiché une seule fois) ; --list, --revoke."

    def add_arguments(self, parser):
        parser.add_argument("email", help="Adresse électronique du responsable.")
        parser.add_argument("--name", default="Jeton créé en ligne de commande", help="Nom du jeton.")
        parser.add_argument(
            "--scope", action="append", dest="scopes", help="Portée, par exemple hours:write (répétable)."
        )
        parser.add_argument("--days", type=int, default=90, help="Durée de validité en jours (au plus 365).")
        parser.add_argument("--membership", type=int, help="Rattachement (si la personne en a plusieurs).")
        parser.add_argument("--list", action="store_true", help="Liste les jetons de ses organisations.")
        parser.add_argument("--revoke", metavar="DEBUT", help="Révoque le jeton qui commence ainsi (fmk_…).")

    def handle(self, *args, email, name, scopes, days, membership, list=False, revoke=None, **options):
        try:
            user = User.objects.get(email=email.strip().lower(), is_active=True)
        except User.DoesNotExist as exc:
            raise CommandError(f"Aucun utilisateur actif n'a l'adresse « {email} ».") from exc
        memberships = (
            Membership.objects.active().filter(user=user).select_related("organisation").order_by("pk")
        )
        if membership is not None:
            memberships = memberships.filter(pk=membership)
        chosen = memberships.first()
        if chosen is None:
            raise CommandError(
                "Cet utilisateur n'est rattaché à aucune organisation : l'API lui serait inutile."
            )
        tokens = ApiToken.objects.filter(organisation_id__in=[m.organisation_id for m in memberships])
        if list:
            for token in tokens.order_by("-created_at"):
                state = "révoqué" if token.is_revoked else ("expiré" if token.is_expired() else "actif")
                self.stdout.write(f"{token.prefix}…  {token.name}  {state}  {', '.join(token.scopes)}")
            return
        if revoke:
            token = tokens.filter(prefix=revoke[:12]).first()
            if token is None:
                raise CommandError(f"Aucun jeton de ses organisations ne commence par « {revoke} ».")
            try:
                api_token_revoke(token=token, by=user)
            except ApiTokenError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write("Jeton révoqué.")
            return
        wanted = scopes or [
            value
            for value, _ in api_scopes.choices_for(is_region=chosen.organisation.is_region)
            if value.endswith(":read")
        ]
        try:
            _token, key = api_token_create(
                membership=chosen,
                name=name,
                scopes=wanted,
                expires_on=timezone.localdate() + dt.timedelta(days=days),
            )
        except ApiTokenError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(key)
        self.stderr.write(f"{chosen.organisation.name} — {chosen.get_role_display()} — {', '.join(wanted)}")
