"""The rows of an interchange document, one function per kind: what :func:`.exporter.export_document`
assembles. Amounts with 2 decimals, rates without trailing zeros, moments in UTC to the second."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist

from formarche.billing.models import Adjustment, Payment, PaymentKind, Period, PeriodStatus, Solde
from formarche.interchange.chorus import export_chorus
from formarche.interchange.credit_notes import credit_note_row
from formarche.interchange.figures import SOLDE_FIGURES, STATEMENT_FIGURES
from formarche.orders.models import Dispositif
from formarche.trainees.models import EnrolmentFunding


def _d(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _rate(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _when(value: datetime | None) -> str | None:
    """A moment as ISO 8601 in UTC, to the second (what the import stores back)."""
    return None if value is None else value.astimezone(UTC).replace(microsecond=0).isoformat()


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def region_code(region) -> str:
    return region.provider_code or f"REGION-{region.pk}"


def trainee_ref(t) -> str:
    return t.external_ref or f"T{t.pk}"


def organisation_row(org) -> dict:
    return {
        "code": org.provider_code,
        "name": org.name,
        "legal_form": org.legal_form,
        "siret": org.siret,
        "nda": org.nda,
        "naf_code": org.naf_code,
        "address": org.address,
        "postcode": org.postcode,
        "city": org.city,
        "address_public": org.address_public,
        "phone": org.phone,
        "email": org.email,
        "director_name": org.director_name,
        "director_role": org.director_role,
    }


def fiscal_year_row(fy) -> dict:
    return {
        "start": fy.start.isoformat(),
        "end": fy.end.isoformat(),
        "total_turnover": _d(fy.total_turnover),
        "training_charges": _d(fy.training_charges),
        "trainer_salaries": _d(fy.trainer_salaries),
        "training_purchases": _d(fy.training_purchases),
        "allocation_rate": _rate(fy.allocation_rate),
        "accounts": [
            {
                "account": a.account,
                "label": a.label,
                "debit": _d(a.debit),
                "credit": _d(a.credit),
                "training_share": _rate(a.training_share),
                "source": a.source,
            }
            for a in fy.account_lines.all()
        ],
    }


def trainer_row(t, hours: list) -> dict:
    return {
        "ref": t.external_ref or f"F{t.pk}",
        "last_name": t.last_name,
        "first_name": t.first_name,
        "email": t.email,
        "statuses": [
            {
                "start": s.start.isoformat(),
                "end": s.end.isoformat() if s.end else None,
                "status": s.status,
            }
            for s in t.status_periods.all()
        ],
        "hours": [
            {
                "day": h.day.isoformat(),
                "kind": h.kind,
                "hours": _d(h.hours),
                "order": h.order.number if h.order_id else None,
            }
            for h in hours
        ],
    }


def order_row(o, subs: dict, history: dict) -> dict:
    """An order with its market, lot, dispositif, subcontracting and billing history."""
    return {
        "number": o.number,
        "title": o.title,
        "region": region_code(o.region),
        "market": {
            "reference": o.lot.market.reference,
            "title": o.lot.market.title,
            "year": o.lot.market.year,
        },
        "lot": {
            "number": o.lot.number,
            "sector": o.lot.sector,
            "trade_family": o.lot.trade_family,
            "territory": o.lot.territory,
            "pricing_unit": o.lot.pricing_unit,
        },
        "dispositif": {
            "code": o.dispositif.code,
            "name": o.dispositif.name,
            "advance_rate": _rate(o.dispositif.advance_rate),
            "cap_rate": _rate(o.dispositif.cap_rate),
            "vat_rate": _rate(o.dispositif.vat_rate),
            "resorption_bands": [[str(x) for x in band] for band in o.dispositif.resorption_bands or []],
        },
        "provider_role": o.provider_role,
        "unit_price": format(o.unit_price, "f"),
        "amount": _d(o.amount),
        "planned_headcount": o.planned_headcount,
        "planned_start": o.planned_start.isoformat(),
        "planned_end": o.planned_end.isoformat(),
        "duration_months": o.duration_months,
        "certification_type": o.certification_type,
        "certification_code": o.certification_code,
        "certification_level": o.certification_level,
        "nsf_code": o.nsf_code,
        "training_kind": o.training_kind,
        "distance_part": o.distance_part,
        "chorus_pro": export_chorus(o),
        "subcontracting": (
            {
                "direction": subs[o.pk].direction,
                "partner_name": subs[o.pk].partner_name,
                "partner_siret": subs[o.pk].partner_siret,
            }
            if o.pk in subs
            else None
        ),
        "status": o.status,
        "real_end": _day(o.real_end),
        "advance_paid": o.advance_paid,
        **history.get(o.pk, NO_HISTORY),
    }


def _params_of(row) -> dict:
    """The billing parameters of a dispositif (or of one of its history rows), as the format writes them."""
    return {
        "advance_rate": _rate(row.advance_rate),
        "cap_rate": _rate(row.cap_rate),
        "vat_rate": _rate(row.vat_rate),
        "resorption_bands": [[str(x) for x in band] for band in row.resorption_bands or []],
    }


def dispositif_billing_history(dispositif_ids) -> dict[int, list]:
    """Per dispositif whose billing parameters changed: each set of parameters with the moment it
    came into force (``since``), oldest first — read from the dispositif's history (issue #18, ADR
    0021). A dispositif never edited is absent (its documents stay as before)."""
    out: dict[int, list] = {}
    rows = Dispositif.history.filter(id__in=dispositif_ids).order_by("id", "history_date", "history_id")
    for row in rows:
        sets = out.setdefault(row.id, [])
        params = _params_of(row)
        if not sets or {k: v for k, v in sets[-1].items() if k != "since"} != params:
            sets.append({"since": _when(row.history_date), **params})
    return {pk: sets for pk, sets in out.items() if len(sets) > 1}


def with_dispositif_history(rows: list[dict], orders) -> list[dict]:
    """The order rows, each dispositif edited after its creation carrying ``billing_history``:
    the parameters in force when each period was validated, which the import recomputes with."""
    history = dispositif_billing_history({o.dispositif_id for o in orders})
    for row, order in zip(rows, orders, strict=True):
        if order.dispositif_id in history:
            row["dispositif"]["billing_history"] = history[order.dispositif_id]
    return rows


def trainee_row(t) -> dict:
    return {
        "ref": trainee_ref(t),
        "civility": t.civility,
        "last_name": t.last_name,
        "first_name": t.first_name,
        "birth_date": t.birth_date.isoformat(),
        "entry_status": t.entry_status,
        "email": t.email,
        "phone": t.phone,
        "city": t.city,
    }


def enrolment_row(e, ref: str, fundings: dict) -> dict:
    return {
        "ref": ref,
        "trainee": trainee_ref(e.trainee),
        "order": e.order.number,
        "entry_date": e.entry_date.isoformat(),
        "planned_hours": _d(e.planned_hours),
        "payer": e.payer,
        "scheme": e.scheme,
        "exit_date": e.exit_date.isoformat() if e.exit_date else None,
        "exit_reason": e.exit_reason,
        "fundings": fundings.get(e.pk, []),
    }


def attendance_row(ref: str, day, kind, realised, counted, reason) -> dict:
    return {
        "enrolment": ref,
        "day": day.isoformat(),
        "kind": kind,
        "realised": _d(realised),
        "counted_unrealised": _d(counted),
        **({"reason": reason} if reason else {}),
    }


def product_row(p) -> dict:
    return {
        "on": p.on.isoformat(),
        "label": p.label,
        "kind": p.kind,
        "other_kind": p.other_kind,
        "payer": p.payer,
        "amount": _d(p.amount),
        "order": p.order.number if p.order_id else None,
    }


def invoice_row(invoice) -> dict:
    """An invoice as a historical record: its number, figures, state, payments and rejection."""
    try:
        rejection = invoice.rejection
    except ObjectDoesNotExist:
        rejection = None
    return {
        "number": invoice.number,
        "order": invoice.order.number,
        "period": invoice.period.month.strftime("%Y-%m") if invoice.period_id else None,
        "support": invoice.support,
        "issue_date": invoice.issue_date.isoformat(),
        "status": invoice.status,
        "received_on": _day(invoice.received_on),
        "billed_ht": _d(invoice.billed_ht),
        "billed_ttc": _d(invoice.billed_ttc),
        "payable_ht": _d(invoice.payable_ht),
        "vat": _d(invoice.vat),
        "payable_ttc": _d(invoice.payable_ttc),
        "payments": [
            {"date": pay.date.isoformat(), "amount": _d(pay.amount), "reference": pay.reference}
            for pay in sorted(invoice.payments.all(), key=lambda pay: (pay.date, pay.pk))
        ],
        "decided_at": _when(invoice.decided_at),
        "rejection": (
            {"reason": rejection.reason, "rejected_at": _when(rejection.rejected_at)}
            if rejection is not None
            else None
        ),
        "replaces": invoice.replaces.number if invoice.replaces_id else None,
        "credit_note": credit_note_row(invoice),
    }


NO_HISTORY = {"advance": None, "periods": [], "adjustments": [], "solde": None}


def billing_history(order_ids) -> dict[int, dict]:
    """Per order: the advance payment, the validated periods with their frozen hours and statement,
    the penalties and bonuses, the frozen solde. Users (who validated, entered, issued) stay out."""
    out: dict[int, dict] = {}

    def entry(order_id):
        return out.setdefault(order_id, {**NO_HISTORY, "periods": [], "adjustments": []})

    for pay in Payment.objects.filter(order_id__in=order_ids, kind=PaymentKind.ADVANCE):
        entry(pay.order_id)["advance"] = {
            "date": pay.date.isoformat(),
            "amount": _d(pay.amount),
            "reference": pay.reference,
        }
    periods = (
        Period.objects.filter(order_id__in=order_ids, status=PeriodStatus.VALIDATED)
        .select_related("statement")
        .order_by("order_id", "month")
    )
    for p in periods:
        try:
            st = p.statement
        except ObjectDoesNotExist:
            st = None
        entry(p.order_id)["periods"].append(
            {
                "month": p.month.strftime("%Y-%m"),
                "is_final": p.is_final,
                "validated_at": _when(p.validated_at),
                "realised_hours": _d(p.realised_hours),
                "counted_unrealised_hours": _d(p.counted_unrealised_hours),
                "realised_correction_hours": _d(p.realised_correction_hours),
                "counted_unrealised_correction_hours": _d(p.counted_unrealised_correction_hours),
                "statement": (
                    {"kind": st.kind, **{k: _d(getattr(st, k)) for k in STATEMENT_FIGURES}}
                    if st is not None
                    else None
                ),
            }
        )
    for a in Adjustment.objects.filter(order_id__in=order_ids).order_by("order_id", "created_at", "pk"):
        entry(a.order_id)["adjustments"].append(
            {
                "kind": a.kind,
                "label": a.label,
                "amount": _d(a.amount),
                "reason": a.reason,
                "created_at": _when(a.created_at),
            }
        )
    for s in Solde.objects.filter(order_id__in=order_ids).select_related("final_period"):
        entry(s.order_id)["solde"] = {
            "final_period": s.final_period.month.strftime("%Y-%m"),
            "issued_on": s.issued_on.isoformat(),
            **{k: _d(getattr(s, k)) for k in SOLDE_FIGURES},
            "is_repayment_order": s.is_repayment_order,
            "repayment_received_on": _day(s.repayment_received_on),
            "repayment_reference": s.repayment_reference,
        }
        correction = Decimal(s.data.get("correction_hours") or 0)
        if correction:  # a rectificatif after the CRE final (action reopened, ADR 0021)
            entry(s.order_id)["solde"]["correction_hours"] = _d(correction)
    return out


def fundings_of(enrolment_ids) -> dict[int, list]:
    """Co-fundings of the enrolments (cofinancements), each with its payer and either a flat
    amount or an hourly rate."""
    out: dict[int, list] = {}
    ids = list(enrolment_ids)
    for i in range(0, len(ids), 900):  # SQLite's limit on query parameters
        for f in EnrolmentFunding.objects.filter(enrolment_id__in=ids[i : i + 900]).order_by(
            "enrolment_id", "pk"
        ):
            item = {"payer": f.payer}
            if f.amount is not None:
                item["amount"] = _d(f.amount)
            else:
                item["hourly_rate"] = _rate(f.hourly_rate)
            item["label"] = f.label
            out.setdefault(f.enrolment_id, []).append(item)
    return out
