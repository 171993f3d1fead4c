"""System checks of the accounts app.

``formarche.W024`` (tag ``deploy``, so ``manage.py check --deploy``): ``FORMARCHE_SITE_URL`` must be
set to an ``https://`` address with a host: every e-mail's links are built from it
(:mod:`formarche.accounts.site`). Errors, not warnings: a production without it sends links to
``127.0.0.1``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register

SITE_URL_MISSING = "E024"
SITE_URL_NOT_HTTPS = "E025"


@register(Tags.security, deploy=True)
def check_site_url(app_configs=None, **kwargs):
    value = getattr(settings, "FORMARCHE_SITE_URL", "") or ""
    if not value:
        return [
            Error(
                "FORMARCHE_SITE_URL n'est pas défini : les liens des e-mails n'auraient pas d'adresse.",
                hint="Définissez FORMARCHE_SITE_URL=https://votre-domaine (l'adresse publique du site).",
                id=f"formarche.{SITE_URL_MISSING}",
            )
        ]
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.netloc or parts.path.strip("/"):
        return [
            Error(
                "FORMARCHE_SITE_URL doit être une adresse https:// avec un nom d'hôte et sans chemin "
                f"(reçu : {value!r}).",
                hint="Exemple : FORMARCHE_SITE_URL=https://formarche.region.fr",
                id=f"formarche.{SITE_URL_NOT_HTTPS}",
            )
        ]
    return []
