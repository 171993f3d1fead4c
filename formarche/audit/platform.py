"""« État de la plateforme »: what an operator reads about the database — the read replica and its
replay lag (formarche/utils/dbrouter.py). Shown to Région managers and to platform staff
(``perms.can_see_platform_status``) and printed by ``formarche manage replica_status``."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from formarche.utils.dbrouter import ReplicaStatus, replica_status


@dataclass(frozen=True)
class StatusLine:
    label: str
    value: str
    ok: bool = True


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}".replace(".", ",") + " s"


def _bytes(value: int | None) -> str:
    return "—" if value is None else f"{value:,}".replace(",", "\u202f") + " octets"


def replica_summary(status: ReplicaStatus) -> str:
    """One French sentence: where the reports read now, and why."""
    if not status.configured:
        return "Pas de réplique configurée : toutes les lectures vont au primaire."
    if not status.reachable:
        return "Réplique injoignable : les rapports lisent le primaire."
    if not status.in_recovery:
        return "L'alias réplique vise une base qui n'est pas en réplication : elle est lue comme le primaire."
    if not status.reports_on_replica:
        return (
            f"Réplique en retard de {_seconds(status.lag_seconds)} (plus de "
            f"{_seconds(status.max_lag_seconds)}) : les rapports lisent le primaire."
        )
    return "Les rapports (BPF, résultats, questionnaires dus, relevés en lot) lisent la réplique."


def database_lines(status: ReplicaStatus | None = None) -> list[StatusLine]:
    status = status or replica_status()
    lines = [
        StatusLine("Regroupeur de connexions", "PgBouncer (mode transaction)" if pooled() else "aucun"),
        StatusLine(
            "Réplique en lecture",
            replica_summary(status),
            ok=status.reports_on_replica or not status.configured,
        ),
    ]
    if status.configured and status.reachable:
        lines += [
            StatusLine(
                "Retard de rejeu (âge du dernier commit rejoué)",
                _seconds(status.lag_seconds),
                ok=status.reports_on_replica,
            ),
            StatusLine("Retard en octets de WAL", _bytes(status.lag_bytes)),
            StatusLine("Retard de rejeu mesuré par le primaire", _seconds(status.primary_replay_lag)),
            StatusLine("Retard toléré", _seconds(status.max_lag_seconds)),
            StatusLine("Position du primaire", status.primary_lsn or "—"),
            StatusLine("Position rejouée par la réplique", status.replay_lsn or "—"),
        ]
    elif status.error:
        lines.append(StatusLine("Erreur", status.error, ok=False))
    return lines


def pooled() -> bool:
    return getattr(settings, "DATABASE_POOLER", "") == "pgbouncer"
