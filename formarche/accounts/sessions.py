"""Sessions of a multi-server install: read from the shared cache (Redis), kept in the database too.

``SESSION_ENGINE = "formarche.accounts.sessions"`` when ``REDIS_URL`` is set (config/settings/base.py).
It is Django's ``cached_db`` engine, which already survives a Redis restart or flush (the database
holds every session), made to survive Redis being *down* as well: a read that cannot reach the cache
reads the database, a write that cannot reach it is written to the database alone (Django already
logs and goes on). One exception, on purpose: logging out deletes the cached copy first, and when the
cache cannot be reached the logout fails (503, « service momentanément indisponible ») instead of
leaving a copy that would log the user back in once Redis answers again.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbStore

logger = logging.getLogger("formarche.sessions")


class SessionStore(CachedDbStore):
    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:
            logger.warning("Cache des sessions injoignable : session lue dans la base.")
            return self._load_from_db(cache=False)
        if data is None:
            return self._load_from_db(cache=True)
        return data

    def _load_from_db(self, *, cache: bool):
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        if cache:
            try:
                self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date))
            except Exception:
                logger.warning("Cache des sessions injoignable : session non recopiée dans le cache.")
        return data

    def exists(self, session_key):
        try:
            if session_key and (self.cache_key_prefix + session_key) in self._cache:
                return True
        except Exception:
            logger.warning("Cache des sessions injoignable : existence vérifiée dans la base.")
        return bool(session_key) and super(CachedDbStore, self).exists(session_key)

    def delete(self, session_key=None):
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        # the cached copy first: if the cache is down this raises and the session stays whole
        self._cache.delete(self.cache_key_prefix + session_key)
        super(CachedDbStore, self).delete(session_key)
