"""Cached figures of an action, shared by every server through the cache (Redis with ``REDIS_URL``).

The hours of an action summed per trainee and month (:func:`monthly_totals`) feed the follow-up
page; they are cached under a key carrying the action's *generation*, a counter every write of hours
raises once its transaction has committed (:func:`hours_changed`, called by the one write path
``attendance.bulk.write`` and, for the rows written outside it — fixtures, the demo —, by the
``Attendance`` save and delete signals). A server that reads after another server's write sees the
new generation, so a new key: the figure is recomputed, never served stale. An old key is never read
again and expires.

Cache down: the figure is computed from the database (nothing cached, nothing refused). An
invalidation lost while the cache was unreachable can leave a stale figure in a cache that kept its
data: ``FORMARCHE_FIGURE_CACHE_SECONDS`` bounds how long (the cluster's Redis keeps nothing across a
restart).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from formarche.attendance import selectors

logger = logging.getLogger("formarche.figures")


def _generation_key(order_id: int) -> str:
    return f"formarche:fig:order:{order_id}:gen"


def monthly_totals(order) -> dict:
    """:func:`formarche.attendance.selectors.monthly_totals`, through the shared cache."""
    try:
        generation = cache.get(_generation_key(order.pk)) or 0
        key = f"formarche:fig:order:{order.pk}:{generation}:monthly-totals"
        totals = cache.get(key)
    except Exception:
        logger.warning("Cache injoignable : chiffres de l'action %s lus dans la base.", order.pk)
        return selectors.monthly_totals(order)
    if totals is None:
        totals = selectors.monthly_totals(order)
        try:
            cache.set(key, totals, timeout=settings.FORMARCHE_FIGURE_CACHE_SECONDS)
        except Exception:
            logger.warning("Cache injoignable : chiffres de l'action %s non mis en cache.", order.pk)
    return totals


def _bump(order_ids) -> None:
    for order_id in sorted(order_ids):
        key = _generation_key(order_id)
        try:
            if not cache.add(key, 1, timeout=None):
                cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=None)
        except Exception:
            logger.warning("Cache injoignable : chiffres de l'action %s non invalidés.", order_id)


def hours_changed(order_ids) -> None:
    """The hours of these actions changed: new figures once the current transaction commits."""
    ids = frozenset(order_ids)
    if ids:
        transaction.on_commit(lambda: _bump(ids))
