"""The read replica: which database a query reads (issue #15, docs/adr/0013-read-replica-and-pooling.md).

Everything reads and writes the primary (``default``), except the blocks marked
:func:`reads_from_replica` — the heavy read-only reports (BPF and its exports, the Région's
outcomes and follow-up lists, bulk statement previews). Inside such a block, the first read decides
once, with one query on the replica, whether the replica may answer:

- the ``replica`` alias exists (``DATABASE_REPLICA_URL``) and ``DATABASE_REPLICA_READS`` is on;
- no transaction is open on the primary (a transaction reads its own writes);
- the caller's position is known: in a request, the session's last write position (``pg_current_wal_lsn()``
  stored by :class:`ReadYourWritesMiddleware` after a request that wrote); without a session (API,
  command line, tasks) nothing is known, so the primary answers unless :func:`known_position` says so;
- the replica answers, has replayed that position (``pg_last_wal_replay_lsn()``), and its replay lag is
  under ``DATABASE_REPLICA_MAX_LAG`` seconds.

Otherwise the primary answers (a log line on ``formarche.replica`` says why when the replica is down
or behind), never an error page. Writes always go to the primary; the replica is never migrated.

No table of formarche is known here: the router is generic, and no pure engine imports this module.
"""

from __future__ import annotations

import contextvars
import logging
import time
from contextlib import ContextDecorator
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connections

logger = logging.getLogger("formarche.replica")

DEFAULT = "default"
REPLICA = "replica"
#: The session key holding the primary's WAL position after the user's last write.
SESSION_KEY = "_formarche_primary_lsn"
#: Stored instead of a position when the primary's could not be read: the next reports read the primary.
UNKNOWN = "inconnue"
#: After a failed probe, the replica is not asked again for this many seconds (a down replica
#: would otherwise cost its connect timeout on every report).
RETRY_AFTER_SECONDS = 10.0

_WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE", "COPY", "TRUNCATE", "CREATE", "ALTER", "DROP", "WITH")


@dataclass
class _Position:
    """What the caller needs the replica to have replayed: ``known`` False means « we cannot tell »."""

    known: bool
    lsn: str | None = None


@dataclass
class _Block:
    """One :func:`reads_from_replica` block: its decision, taken at its first read."""

    alias: str | None = None


_position: contextvars.ContextVar[_Position | None] = contextvars.ContextVar("replica_position", default=None)
_block: contextvars.ContextVar[_Block | None] = contextvars.ContextVar("replica_block", default=None)
_last_failure = {"at": 0.0}


# --------------------------------------------------------------------------- positions


def parse_lsn(lsn: str | None) -> int | None:
    """``"16/B374D848"`` → a comparable integer (PostgreSQL's ``pg_lsn`` text form)."""
    if not lsn:
        return None
    high, _, low = lsn.partition("/")
    return (int(high, 16) << 32) | int(low, 16)


def _is_postgresql(alias: str) -> bool:
    return connections[alias].vendor == "postgresql"


def primary_lsn() -> str | None:
    """The primary's current WAL position (None on SQLite)."""
    if not _is_postgresql(DEFAULT):
        return None
    with connections[DEFAULT].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return cursor.fetchone()[0]


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES and bool(getattr(settings, "DATABASE_REPLICA_READS", True))


class known_position(ContextDecorator):  # noqa: N801 - used as a function, like contextlib's helpers
    """Declare what the replica must have replayed for this block: ``lsn`` (a position returned by
    :func:`primary_lsn`), or None for « no write of ours to wait for » (a command, a benchmark, a
    task that knows its inputs are older than the lag)."""

    def __init__(self, lsn: str | None = None, *, known: bool = True):
        self.position = _Position(known=known, lsn=lsn)
        self._tokens: list[contextvars.Token] = []

    def _recreate_cm(self):
        # as a decorator, one instance serves every thread: each call gets its own token stack
        return type(self)(self.position.lsn, known=self.position.known)

    def __enter__(self):
        self._tokens.append(_position.set(self.position))
        return self

    def __exit__(self, *exc):
        _position.reset(self._tokens.pop())
        return False


class reads_from_replica(ContextDecorator):  # noqa: N801 - a view decorator and a context manager
    """Mark a heavy read-only report: its reads may go to the replica (see the module docstring)."""

    def __init__(self):
        self._tokens: list[contextvars.Token] = []

    def _recreate_cm(self):
        # as a decorator, one instance serves every thread (gunicorn gthread): a shared token stack
        # had one thread reset another's token — « created in a different Context », a 500 under
        # load on the BPF pages. Each call gets its own instance.
        return type(self)()

    def __enter__(self):
        self._tokens.append(_block.set(_Block()))
        return self

    def __exit__(self, *exc):
        _block.reset(self._tokens.pop())
        return False


def current_read_alias() -> str | None:
    """The alias the current :func:`reads_from_replica` block reads (None outside a block or before
    its first read)."""
    block = _block.get()
    return block.alias if block else None


# --------------------------------------------------------------------------- probing the replica


@dataclass(frozen=True)
class ReplicaProbe:
    """The replica's answer to one query: its replayed position and replay lag in seconds.

    The seconds are 0 when everything received is replayed, else the age of the last replayed
    commit. During one long transaction on the primary (an import) there is no commit to replay,
    so this age grows although the replica keeps up: it may overstate the lag (the reports then
    read the primary, which is safe), never understate it while commits wait to be replayed. The
    primary's own measure, ``pg_stat_replication.replay_lag``, is shown beside it by
    :func:`replica_status`.
    """

    in_recovery: bool
    replay_lsn: str | None
    lag_seconds: float


PROBE_SQL = """
SELECT pg_is_in_recovery(),
       pg_last_wal_replay_lsn()::text,
       CASE WHEN NOT pg_is_in_recovery() THEN 0
            WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
       END::float
"""


def probe_replica() -> ReplicaProbe:
    """One query on the replica; raises :class:`django.db.DatabaseError` when it does not answer.
    A replica that is not PostgreSQL (a test mirror on SQLite) or not in recovery (a mirror of the
    primary) is the primary's own data: caught up by definition."""
    if not _is_postgresql(REPLICA):
        return ReplicaProbe(in_recovery=False, replay_lsn=None, lag_seconds=0.0)
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(PROBE_SQL)
        in_recovery, replay_lsn, lag = cursor.fetchone()
    return ReplicaProbe(in_recovery=bool(in_recovery), replay_lsn=replay_lsn, lag_seconds=float(lag or 0))


def _probe_or_none() -> ReplicaProbe | None:
    if time.monotonic() - _last_failure["at"] < RETRY_AFTER_SECONDS:
        return None
    try:
        return probe_replica()
    except DatabaseError as exc:
        _last_failure["at"] = time.monotonic()
        connections[REPLICA].close()
        logger.warning("Réplique injoignable, lecture sur le primaire : %s", str(exc).strip())
        return None


def replica_caught_up(probe: ReplicaProbe, lsn: str | None) -> bool:
    if not probe.in_recovery or lsn is None:
        return True
    replayed = parse_lsn(probe.replay_lsn)
    return replayed is not None and replayed >= parse_lsn(lsn)


def choose_read_alias() -> str:
    """The decision of a report block (module docstring), taken at its first read."""
    if not replica_configured() or connections[DEFAULT].in_atomic_block:
        return DEFAULT
    position = _position.get()
    if position is None or not position.known:
        return DEFAULT  # no session, no declared position: in doubt, the primary
    probe = _probe_or_none()
    if probe is None:
        return DEFAULT
    max_lag = float(getattr(settings, "DATABASE_REPLICA_MAX_LAG", 30))
    if probe.in_recovery and probe.lag_seconds > max_lag:
        logger.warning(
            "Réplique en retard de %.1f s (plus de %.0f s), lecture sur le primaire",
            probe.lag_seconds,
            max_lag,
        )
        return DEFAULT
    if not replica_caught_up(probe, position.lsn):
        logger.info("Réplique pas encore à la dernière écriture de la session, lecture sur le primaire")
        return DEFAULT
    return REPLICA


class ReplicaRouter:
    """``DATABASE_ROUTERS``: reads of a report block as decided above, everything else on the primary."""

    def db_for_read(self, model, **hints):
        if REPLICA not in settings.DATABASES:
            return None
        block = _block.get()
        if block is None:
            return DEFAULT
        if block.alias is None:
            block.alias = choose_read_alias()
        return block.alias

    def db_for_write(self, model, **hints):
        return DEFAULT if REPLICA in settings.DATABASES else None

    def allow_relation(self, obj1, obj2, **hints):
        if {obj1._state.db, obj2._state.db} <= {DEFAULT, REPLICA, None}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA else None


# --------------------------------------------------------------------------- read your writes


def _is_write(sql: str) -> bool:
    return sql.lstrip(" (\n\t").split(None, 1)[0].upper() in _WRITES if sql.strip() else False


class ReadYourWritesMiddleware:
    """Gives each request the position its session last wrote, and records the primary's position
    after a request that wrote, so that the next report reads the replica only once it has replayed
    that write. Requests without a session (the API's tokens) stay « position unknown »."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_configured():
            return self.get_response(request)
        session = getattr(request, "session", None)
        known = session is not None and session.session_key is not None
        lsn = session.get(SESSION_KEY) if known else None
        known = known and lsn != UNKNOWN
        token = _position.set(_Position(known=known, lsn=lsn if known else None))
        wrote = []

        def watch(execute, sql, params, many, context):
            if not wrote and _is_write(sql):
                wrote.append(True)
            return execute(sql, params, many, context)

        try:
            with connections[DEFAULT].execute_wrapper(watch):
                response = self.get_response(request)
        finally:
            _position.reset(token)
        if wrote and session is not None and session.session_key is not None:
            self._remember(session)
        return response

    @staticmethod
    def _remember(session) -> None:
        try:
            lsn = primary_lsn()
        except DatabaseError:
            logger.exception("Position du primaire illisible après une écriture")
            lsn = UNKNOWN
        if lsn is not None:
            session[SESSION_KEY] = lsn


# --------------------------------------------------------------------------- the lag, for people


@dataclass(frozen=True)
class ReplicaStatus:
    """What ``formarche manage replica_status`` and the « État de la plateforme » page show."""

    configured: bool
    reachable: bool = False
    in_recovery: bool = False
    primary_lsn: str | None = None
    replay_lsn: str | None = None
    lag_seconds: float | None = None
    lag_bytes: int | None = None
    #: the primary's ``pg_stat_replication.replay_lag`` (None when idle or not a streaming replica)
    primary_replay_lag: float | None = None
    max_lag_seconds: float = 30.0
    error: str = ""

    @property
    def reports_on_replica(self) -> bool:
        """Would a report read the replica now (for a session with nothing to wait for)?"""
        if not (self.configured and self.reachable):
            return False
        return not self.in_recovery or (self.lag_seconds or 0) <= self.max_lag_seconds


def primary_replay_lag() -> float | None:
    """The largest ``replay_lag`` of the primary's streaming replicas, in seconds."""
    if not _is_postgresql(DEFAULT):
        return None
    with connections[DEFAULT].cursor() as cursor:
        cursor.execute("SELECT max(EXTRACT(EPOCH FROM replay_lag))::float FROM pg_stat_replication")
        row = cursor.fetchone()
    return None if row is None or row[0] is None else float(row[0])


def replica_status() -> ReplicaStatus:
    """The replica's replay lag in seconds and in bytes behind the primary's current position."""
    max_lag = float(getattr(settings, "DATABASE_REPLICA_MAX_LAG", 30))
    if not replica_configured():
        return ReplicaStatus(configured=False, max_lag_seconds=max_lag)
    try:
        current = primary_lsn()
        probe = probe_replica()
        measured = primary_replay_lag()
    except DatabaseError as exc:
        connections[REPLICA].close()
        return ReplicaStatus(configured=True, max_lag_seconds=max_lag, error=str(exc).strip())
    lag_bytes = None
    if probe.in_recovery and current and probe.replay_lsn:
        lag_bytes = max(0, parse_lsn(current) - parse_lsn(probe.replay_lsn))
    elif not probe.in_recovery:
        lag_bytes = 0
    return ReplicaStatus(
        configured=True,
        reachable=True,
        in_recovery=probe.in_recovery,
        primary_lsn=current,
        replay_lsn=probe.replay_lsn,
        lag_seconds=probe.lag_seconds,
        lag_bytes=lag_bytes,
        primary_replay_lag=measured,
        max_lag_seconds=max_lag,
    )
