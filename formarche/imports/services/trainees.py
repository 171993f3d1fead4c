"""Import of trainees (with their enrolment on an action of the OF, and a co-funding): the ingest
pipeline's three stages for them.

parse: each row → the trainee's values, which trainee of the registry it is, its enrolment
(:mod:`formarche.imports.trainee_rows`); check: the headcount of each action, the co-fundings
under the trainee pages' rules, no hours after an exit date; write: trainees, enrolments and
co-fundings by the pipeline's bulk writer, with their history rows, in one transaction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from formarche.attendance.models import Attendance
from formarche.imports import pipeline
from formarche.imports.cells import Registry, lower_first, orders_by_number
from formarche.imports.pipeline import Counts, Outcome, refused_summary
from formarche.imports.pipeline.bulk import bulk_change, bulk_insert
from formarche.imports.trainee_rows import ENROLMENT_ATTRS, TRAINEE_ATTRS, PlannedRow, plan_row
from formarche.trainees.models import Enrolment, EnrolmentFunding, Payer, Trainee, trainee_name_key
from formarche.trainees.services import enrolment_funding_check
from formarche.utils.formatting import format_date
from formarche.utils.parsing import ParseError, RowErrors, Table

#: Rows per ``bulk_create``/``bulk_update`` batch (each with its history rows).
BATCH = 500


@dataclass
class _Known:
    """What the file's rows are checked against, read once."""

    orders: dict
    registry: Registry
    enrolments: dict[tuple[int, int], Enrolment] = field(default_factory=dict)
    headcount: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    funded: dict[int, dict[str, EnrolmentFunding]] = field(default_factory=lambda: defaultdict(dict))

    @classmethod
    def load(cls, organisation, table: Table) -> _Known:
        known = cls(
            orders=orders_by_number(organisation, {r.text("numero_action") for r in table.rows}),
            registry=Registry().load(organisation, objects=True),
        )
        for enrolment in Enrolment.objects.filter(order__in=list(known.orders.values())):
            known.enrolments[(enrolment.order_id, enrolment.trainee_id)] = enrolment
            known.headcount[enrolment.order_id] += 1
        return known

    def current(self, row: PlannedRow) -> Enrolment | None:
        if row.pk is None or row.enrolment is None:
            return None
        return self.enrolments.get((row.enrolment["order"].pk, row.pk))


def import_trainees(
    *, organisation, table: Table, confirm_over_headcount: bool = False, progress=None, on_written=None
) -> Outcome:
    """Trainees keyed by external id or name + birth date; optional enrolment on an action of the OF.

    ``on_written(outcome)`` runs inside the write's transaction, the outcome complete."""
    outcome = Outcome()
    errors = outcome.errors
    known = _Known.load(organisation, table)

    def check(planned: list[PlannedRow]) -> None:
        _check_headcount(planned, known, errors, confirm_over_headcount)
        _check_fundings(planned, known, errors)
        _check_exits(planned, known, errors)

    def written(counts) -> None:
        _written(outcome, counts, len(table.rows))
        if on_written is not None:
            on_written(outcome)

    counts = pipeline.run(
        table,
        parse=lambda t: _parse_trainees(t, known, outcome, progress),
        check=check,
        write=lambda planned: _write(organisation, planned, known),
        errors=errors,
        written=written,
    )
    if counts is None:
        outcome.summary = refused_summary(errors, len(table.rows))
    return outcome


def _written(outcome: Outcome, counts, rows: int) -> None:
    trainee_counts, enrolment_counts, funding_counts = counts
    outcome.counts = {"stagiaires": trainee_counts, "inscriptions": enrolment_counts}
    if any(vars(funding_counts).values()):
        outcome.counts["cofinancements"] = funding_counts
    summary = f"{rows} lignes importées — {trainee_counts.masculine('stagiaires')}"
    if any(vars(enrolment_counts).values()):
        summary += f" ; {enrolment_counts.text('inscriptions')}"
    if any(vars(funding_counts).values()):
        summary += f" ; {funding_counts.masculine('cofinancements')}"
    outcome.summary = summary + "."


# --- parse ------------------------------------------------------------------------------------


def _parse_trainees(table: Table, known: _Known, outcome: Outcome, progress) -> list[PlannedRow]:
    seen_trainees: dict[object, int] = {}
    planned: list[PlannedRow] = []
    rows = table.rows
    for position, row in enumerate(rows):
        if progress is not None and position % 1000 == 0:
            progress(position)
        try:
            item = plan_row(row, known.registry, outcome.warnings)
            if item.key in seen_trainees:
                raise ParseError(f"même stagiaire que la ligne {seen_trainees[item.key]}")
            item.enrolment = item.read_enrolment(row, known.orders)
        except ParseError as exc:
            outcome.errors.add(row.line, str(exc))
            continue
        seen_trainees[item.key] = row.line
        planned.append(item)
    if progress is not None:
        progress(len(rows))
        progress.phase("Enregistrement")
    return planned


# --- check ------------------------------------------------------------------------------------


def _check_headcount(planned: list[PlannedRow], known: _Known, errors: RowErrors, confirmed: bool) -> None:
    """Existing enrolments + new ones of the file, per action, against the planned headcount."""
    over: dict[int, list[int]] = defaultdict(list)
    headcount = known.headcount
    for item in planned:
        enrolment = item.enrolment
        if enrolment is None:
            continue
        order = enrolment["order"]
        if item.pk is not None and (order.pk, item.pk) in known.enrolments:
            continue
        if enrolment["planned_hours"] is None:
            errors.add(item.line, "les heures prévues sont obligatoires pour inscrire le stagiaire")
        headcount[order.pk] += 1
        if order.planned_headcount and headcount[order.pk] > order.planned_headcount:
            over[order.pk].append(item.line)
    if over and not confirmed:
        for order_id, lines_over in over.items():
            order = next(o for o in known.orders.values() if o.pk == order_id)
            for line in lines_over:
                errors.add(
                    line,
                    f"l'effectif prévu de l'action « {order.number} » ({order.planned_headcount}) serait dépassé : "
                    "cochez « Je confirme les inscriptions au-delà de l'effectif prévu » pour importer quand même",
                )


def _check_fundings(planned: list[PlannedRow], known: _Known, errors: RowErrors) -> None:
    """The trainee pages' rules, against the enrolment's existing co-fundings (one query)."""
    for funding in EnrolmentFunding.objects.filter(enrolment__order__in=list(known.orders.values())):
        known.funded[funding.enrolment_id][funding.payer] = funding
    for item in planned:
        e = item.enrolment
        if e is None:
            continue
        current = known.current(item)
        existing = known.funded.get(current.pk, {}) if current is not None else {}
        f = e["funding"]
        planned_hours = (
            e["planned_hours"] if e["planned_hours"] is not None else getattr(current, "planned_hours", None)
        )
        if e["payer"] in existing and (f is None or f["payer"] != e["payer"]):
            errors.add(
                item.line,
                f"« {Payer(e['payer']).label} » cofinance déjà cette inscription : il ne peut pas en être aussi "
                "le financeur principal",
            )
            continue
        kept = {p: x for p, x in existing.items() if f is None or p != f["payer"]}
        if not planned_hours and any(x.amount is not None for x in kept.values()):
            errors.add(
                item.line,
                "cette inscription a un cofinancement forfaitaire, réparti au prorata des heures prévues : "
                "les heures prévues ne peuvent pas être nulles",
            )
            continue
        if f is not None:
            refusal = enrolment_funding_check(
                payer=f["payer"],
                amount=f["amount"],
                hourly_rate=f["hourly_rate"],
                label=f["label"],
                principal_payer=e["payer"],
                planned_hours=planned_hours,
                other_payers=set(kept),
            )
            if refusal:
                errors.add(item.line, lower_first(refusal.rstrip(".")))


def _check_exits(planned: list[PlannedRow], known: _Known, errors: RowErrors) -> None:
    """No hours after the exit date (one query for the enrolments concerned)."""
    exits = {}
    for item in planned:
        current = known.current(item)
        if current is not None and item.enrolment["exit_date"]:
            exits[current.pk] = (item.line, item.enrolment["exit_date"])
    if not exits:
        return
    late = defaultdict(list)
    for enrolment_id, day in (
        Attendance.objects.filter(enrolment_id__in=list(exits))
        .exclude(realised_hours=0, counted_unrealised_hours=0)
        .values_list("enrolment_id", "day")
        .order_by("day")
    ):
        line, exit_date = exits[enrolment_id]
        if day > exit_date:
            late[line].append(day)
    for line, days in late.items():
        errors.add(
            line,
            "des heures sont enregistrées après la date de sortie : "
            + ", ".join(format_date(d) for d in days),
        )


# --- write ------------------------------------------------------------------------------------


def _write(organisation, planned: list[PlannedRow], known: _Known) -> tuple[Counts, Counts, Counts]:
    """Trainees, then enrolments, then co-fundings (inside the pipeline's transaction)."""
    by_key, trainee_counts = _write_trainees(organisation, planned, known.registry)
    funding_rows, enrolment_counts = _write_enrolments(planned, by_key, known)
    funding_counts = _write_fundings(funding_rows, known)
    return trainee_counts, enrolment_counts, funding_counts


def _write_trainees(organisation, planned: list[PlannedRow], registry: Registry) -> tuple[dict, Counts]:
    counts = Counts()
    to_create: list[Trainee] = []
    to_update: list[Trainee] = []
    by_key: dict[object, Trainee] = {}
    for item in planned:
        if item.pk is None:
            trainee = Trainee(organisation=organisation, external_ref=item.ref, **item.values)
            trainee.name_key = trainee_name_key(trainee.last_name, trainee.first_name)
            to_create.append(trainee)
        else:
            trainee = registry.rows[item.pk]
            if _update_trainee(trainee, item):
                to_update.append(trainee)
            else:
                counts.unchanged += 1
        by_key[item.key] = trainee
    bulk_insert(Trainee, to_create, BATCH, history=True)
    bulk_change(Trainee, to_update, [*TRAINEE_ATTRS, "external_ref", "name_key"], BATCH)
    counts.created, counts.updated = len(to_create), len(to_update)
    return by_key, counts


def _update_trainee(trainee: Trainee, item: PlannedRow) -> bool:
    """Apply the row's values to a known trainee; an empty optional cell keeps what is known."""
    changed = False
    for attr in TRAINEE_ATTRS:
        new = item.values[attr]
        if new in ("", None) and attr in ("email", "phone", "city"):
            continue
        if getattr(trainee, attr) != new:
            setattr(trainee, attr, new)
            changed = True
    if item.ref and trainee.external_ref != item.ref:
        trainee.external_ref = item.ref
        changed = True
    if changed:
        trainee.name_key = trainee_name_key(trainee.last_name, trainee.first_name)
    return changed


def _write_enrolments(planned: list[PlannedRow], by_key: dict, known: _Known) -> tuple[list, Counts]:
    counts = Counts()
    new_enrolments: list[Enrolment] = []
    changed_enrolments: list[Enrolment] = []
    funding_rows: list[tuple[tuple[int, Trainee], dict]] = []
    for item in planned:
        values = item.enrolment
        if values is None:
            continue
        trainee = by_key[item.key]
        order = values.pop("order")
        funding = values.pop("funding")
        if funding is not None:
            funding_rows.append(((order.pk, trainee), funding))
        current = known.enrolments.get((order.pk, trainee.pk))
        if current is None:
            new_enrolments.append(Enrolment(order=order, trainee=trainee, **values))
        elif _update_enrolment(current, values):
            changed_enrolments.append(current)
        else:
            counts.unchanged += 1
    bulk_insert(Enrolment, new_enrolments, BATCH, history=True)
    bulk_change(Enrolment, changed_enrolments, list(ENROLMENT_ATTRS), BATCH)
    counts.created, counts.updated = len(new_enrolments), len(changed_enrolments)
    return funding_rows, counts


def _update_enrolment(current: Enrolment, values: dict) -> bool:
    changed = False
    for attr in ENROLMENT_ATTRS:
        new = values[attr]
        if attr == "planned_hours" and new is None:
            continue
        if getattr(current, attr) != new:
            setattr(current, attr, new)
            changed = True
    if changed and not current.exit_date:
        current.exit_reason = ""
    return changed


def _write_fundings(funding_rows, known: _Known) -> Counts:
    """Create or update the rows' co-fundings, keyed by (enrolment, payer); the enrolment's other
    co-fundings are kept. Called inside the import's transaction, after the enrolments."""
    counts = Counts()
    if not funding_rows:
        return counts
    enrolment_ids = {
        (o, t): pk
        for pk, o, t in Enrolment.objects.filter(order__in=list(known.orders.values())).values_list(
            "pk", "order_id", "trainee_id"
        )
    }
    to_create, to_update = [], []
    for (order_id, trainee), f in funding_rows:
        enrolment_id = enrolment_ids[(order_id, trainee.pk)]
        current = known.funded.get(enrolment_id, {}).get(f["payer"])
        if current is not None and not f["label"]:
            f = {**f, "label": current.label}  # an empty optional cell keeps what is known
        if current is None:
            to_create.append(EnrolmentFunding(enrolment_id=enrolment_id, **f))
        elif (current.amount, current.hourly_rate, current.label) != (
            f["amount"],
            f["hourly_rate"],
            f["label"],
        ):
            current.amount, current.hourly_rate, current.label = f["amount"], f["hourly_rate"], f["label"]
            to_update.append(current)
        else:
            counts.unchanged += 1
    bulk_insert(EnrolmentFunding, to_create, BATCH, history=True)
    bulk_change(EnrolmentFunding, to_update, ["amount", "hourly_rate", "label"], BATCH)
    counts.created, counts.updated = len(to_create), len(to_update)
    return counts
