"""The site's public address, for every link that leaves the site (e-mails, QR codes, links to
copy): ``FORMARCHE_SITE_URL`` (e.g. ``https://formarche.region.fr``: scheme, host and port only;
a path prefix comes from ``FORCE_SCRIPT_NAME`` through ``reverse()``, as for every page).

A link in an e-mail is read outside any request, so it cannot come from the request's Host
header: it comes from this one setting (docs/adr/0024-outcome-charts-and-site-url.md). Dev and
demo default to ``http://127.0.0.1:8000``; production must set it, in https (``check --deploy``,
:mod:`formarche.accounts.checks`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

DEFAULT_SITE_URL = "http://127.0.0.1:8000"


def site_url() -> str:
    """``scheme://host[:port]`` without the trailing slash."""
    return (getattr(settings, "FORMARCHE_SITE_URL", "") or DEFAULT_SITE_URL).rstrip("/")


def absolute_url(path: str) -> str:
    """``/factures/2/`` → ``https://formarche.region.fr/factures/2/`` (an absolute URL is kept)."""
    if urlsplit(path).scheme:
        return path
    return site_url() + "/" + path.lstrip("/")


def absolute_reverse(viewname: str, **kwargs) -> str:
    """``reverse()`` made absolute with the site's address."""
    return absolute_url(reverse(viewname, kwargs=kwargs or None))


def site_parts() -> tuple[str, str]:
    """``(protocol, domain)`` for Django's password reset e-mail."""
    parts = urlsplit(site_url())
    return parts.scheme, parts.netloc
