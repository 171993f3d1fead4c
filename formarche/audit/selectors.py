"""Reads of the Journal: one UNION over the history tables in scope and the import jobs.

A page costs a constant number of queries whatever its size and the number of sources: the count,
the page itself, then one query each for the users, the actions and the import jobs it names.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import BigIntegerField, CharField, F, Q, Value

from formarche.accounts.models import Membership, User
from formarche.accounts.tenancy import Tenant, get_scoped_or_404, scoped
from formarche.audit.sources import IMPORT_KIND, KIND_LABELS, SOURCES, org_filter
from formarche.imports.models import ImportJob
from formarche.orders.models import Order

ACTIONS = {"+": "Création", "~": "Modification", "-": "Suppression", "i": "Import"}
COLUMNS = ("j_date", "j_type", "j_user", "j_kind", "j_object", "j_order", "j_reason", "j_id")


@dataclass(frozen=True)
class JournalFilters:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    kind: str = ""
    user_id: int | None = None
    action: str = ""  # one of ACTIONS' keys


@dataclass
class JournalEntry:
    date: dt.datetime
    action: str
    kind: str
    kind_label: str
    object_id: int
    user: User | None = None
    order: object | None = None
    detail: str = ""
    extra: dict = field(default_factory=dict)


def _order_ids(tenant: Tenant):
    return scoped(Order, tenant).values("pk")


def _when_and_who(qs, filters, *, date: str, user: str):
    """The period and user filters, on the row's own date and user fields."""
    if filters.date_from:
        qs = qs.filter(**{f"{date}__date__gte": filters.date_from})
    if filters.date_to:
        qs = qs.filter(**{f"{date}__date__lte": filters.date_to})
    if filters.user_id:
        qs = qs.filter(**{user: filters.user_id})
    return qs


def _history_rows(source, tenant, orders, order_id, filters):
    model = apps.get_model(source.model).history.model
    qs = model._default_manager.order_by()
    if order_id is not None:
        if source.order is None:
            return None
        qs = qs.filter(**{source.order: order_id})
    elif source.order is not None:
        qs = qs.filter(**{f"{source.order}__in": orders})
    else:
        qs = qs.filter(org_filter(source.org, tenant, orders))
    qs = _when_and_who(qs, filters, date="history_date", user="history_user_id")
    if filters.action:
        qs = qs.filter(history_type=filters.action)
    order = F(source.order) if source.order else Value(None, output_field=BigIntegerField())
    return qs.values(
        j_date=F("history_date"),
        j_type=F("history_type"),
        j_user=F("history_user_id"),
        j_kind=Value(source.kind, output_field=CharField()),
        j_object=F("id"),
        j_order=order,
        j_reason=F("history_change_reason"),
        j_id=F("history_id"),
    )


def _import_rows(tenant, order_id, filters):
    """Import jobs: one entry each (bulk and interchange paths write no per-row history)."""
    if order_id is not None or not tenant.is_of:
        return None
    if filters.action and filters.action != "i":
        return None
    qs = ImportJob.objects.order_by().filter(organisation_id=tenant.organisation_id)
    qs = _when_and_who(qs, filters, date="created_at", user="created_by_id")
    return qs.values(
        j_date=F("created_at"),
        j_type=Value("i", output_field=CharField()),
        j_user=F("created_by_id"),
        j_kind=Value(IMPORT_KIND, output_field=CharField()),
        j_object=F("id"),
        j_order=Value(None, output_field=BigIntegerField()),
        j_reason=F("file_name"),
        j_id=F("id"),
    )


def journal_rows(tenant: Tenant, *, order_id: int | None = None, filters: JournalFilters = JournalFilters()):
    """The Journal as one queryset of dicts (COLUMNS), newest first: an organisation's (order_id
    None) or one action's. The caller has checked the tenant may read it (perms) and, for an action,
    that the action is in its scope."""
    orders = _order_ids(tenant)
    parts = []
    if filters.kind in ("", IMPORT_KIND):
        parts.append(_import_rows(tenant, order_id, filters))
    for source in SOURCES:
        if filters.kind and filters.kind != source.kind:
            continue
        if filters.action == "i":
            continue
        parts.append(_history_rows(source, tenant, orders, order_id, filters))
    parts = [p for p in parts if p is not None]
    if not parts:
        return []
    first, *others = parts
    return first.union(*others, all=True).order_by("-j_date", "-j_id")


def journal_entries(rows) -> list[JournalEntry]:
    """Turn a page of rows into entries: users, actions and import jobs in one query each."""
    rows = list(rows)
    users = User.objects.in_bulk({r["j_user"] for r in rows if r["j_user"]})
    orders = Order.objects.only("number", "title").in_bulk({r["j_order"] for r in rows if r["j_order"]})
    job_ids = {r["j_object"] for r in rows if r["j_kind"] == IMPORT_KIND}
    jobs = ImportJob.objects.in_bulk(job_ids) if job_ids else {}
    entries = []
    for r in rows:
        entry = JournalEntry(
            date=r["j_date"],
            action=ACTIONS.get(r["j_type"], r["j_type"]),
            kind=r["j_kind"],
            kind_label=KIND_LABELS.get(r["j_kind"], r["j_kind"]),
            object_id=r["j_object"],
            user=users.get(r["j_user"]),
            order=orders.get(r["j_order"]),
            detail=r["j_reason"] or "",
        )
        job = jobs.get(r["j_object"]) if r["j_kind"] == IMPORT_KIND else None
        if job is not None:
            entry.extra = {
                "sha256": job.file_hash,
                "rows": job.total_rows,
                "status": job.get_status_display(),
                "kind": job.get_kind_display(),
            }
            entry.detail = f"{job.get_kind_display()} — {job.file_name}"
        entries.append(entry)
    return entries


def journal_users(tenant: Tenant):
    """The users a tenant may filter on: its organisation's members."""
    ids = Membership.objects.filter(organisation_id=tenant.organisation_id).values("user_id")
    return User.objects.filter(Q(id__in=ids)).order_by("last_name", "first_name", "email")


def kind_choices(*, for_order: bool):
    choices = [(s.kind, s.label) for s in SOURCES if not for_order or s.order]
    if not for_order:
        choices.insert(0, (IMPORT_KIND, KIND_LABELS[IMPORT_KIND]))
    return sorted(choices, key=lambda c: c[1])


def member_for_unlock(tenant: Tenant, membership_id: int) -> Membership:
    """A membership of the tenant's own organisation, with its user (404 otherwise)."""
    return get_scoped_or_404(Membership.objects.select_related("user"), tenant, pk=membership_id)


def journal_order(tenant: Tenant, order_id: int) -> Order:
    """An action the tenant may see, for its Journal (404 otherwise)."""
    return get_scoped_or_404(Order.objects.only("number", "title"), tenant, pk=order_id)
