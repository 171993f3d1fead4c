"""E-mails of the closing area (Django e-mail: console in dev, locmem in tests).

Called from ``transaction.on_commit`` by the services: nothing is sent for a rolled-back change.

- action closed → the OF's active members and the order's référent (« Un mail a été envoyé »);
- change request filed → the référent (or the Région's members); decided → the OF's members;
- follow-up link → the trainee's address.
"""

from __future__ import annotations

from django.urls import reverse

from formarche.accounts.models import Membership
from formarche.accounts.site import absolute_url
from formarche.jobs.tasks import mail_enqueue
from formarche.utils.formatting import format_date


def _url(path: str) -> str:
    """Absolute (``FORMARCHE_SITE_URL``): an e-mail is read outside the site."""
    return absolute_url(path)


def _members(organisation_id) -> list[str]:
    return sorted(
        set(
            Membership.objects.active()
            .filter(organisation_id=organisation_id)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )


def _referent(order) -> list[str]:
    referent = order.referent
    if referent is not None and referent.is_active and referent.email:
        return [referent.email]
    return []


def closing_recipients(order) -> list[str]:
    """The OF's active members and the référent (the Région's members when there is none)."""
    return sorted(set(_members(order.provider_id)) | set(_referent(order) or _members(order.region_id)))


def _send(subject: str, lines: list[str], recipients: list[str]) -> None:
    if recipients:
        # sent by a task worker (FORMARCHE_TASKS=database), a thread, or at once in tests
        mail_enqueue(subject=subject, body="\n".join(lines), recipients=recipients)


def order_closed(order, by) -> None:
    who = (by.get_full_name() or by.email) if by is not None else "formarche"
    _send(
        f"[formarche] Action {order.number} fermée",
        [
            "Bonjour,",
            "",
            f"L'action {order.label} a été fermée par {who}.",
            f"Date de fin réelle : {format_date(order.real_end)}",
            "",
            "L'organisme peut maintenant valider la dernière période, qui permettra d'émettre le CREF.",
            _url(reverse("closing:close", kwargs={"order_id": order.pk})),
        ],
        closing_recipients(order),
    )


def order_reopened(order, reopening) -> None:
    """The Région reopened the action: the OF's members (and the référent) read why (ADR 0021)."""
    by = reopening.reopened_by
    who = (by.get_full_name() or by.email) if by is not None else "la Région"
    lines = [
        "Bonjour,",
        "",
        f"L'action {order.label} a été rouverte par {who} ({order.region.name}).",
        f"Motif : {reopening.reason}",
        "",
    ]
    if reopening.solde_voided:
        lines += [
            "Le solde émis est annulé (sa facture est rejetée) : il sera recalculé quand vous l'émettrez "
            "de nouveau.",
            "",
        ]
    lines += [
        "Corrigez les sorties ou les heures, puis fermez de nouveau l'action : les heures corrigées "
        "après le CRE final passent en rectificatif dans le solde.",
        _url(reverse("closing:close", kwargs={"order_id": order.pk})),
    ]
    _send(f"[formarche] Action {order.number} rouverte par la Région", lines, closing_recipients(order))


def change_request_filed(change_request) -> None:
    order = change_request.order
    _send(
        f"[formarche] Demande de modification n° {change_request.pk} — {order.number}",
        [
            "Bonjour,",
            "",
            f"L'organisme {order.provider.name} demande une modification : {change_request.get_kind_display()}.",
            f"Action : {order.label}",
            f"Motif : {change_request.reason}",
            "",
            _url(reverse("closing:change_request", kwargs={"change_request_id": change_request.pk})),
        ],
        _referent(order) or _members(order.region_id),
    )


def change_request_decided(change_request) -> None:
    order = change_request.order
    lines = [
        "Bonjour,",
        "",
        f"Votre demande de modification n° {change_request.pk} ({change_request.get_kind_display()}) sur "
        f"l'action {order.number} est {change_request.get_status_display().lower()}.",
    ]
    if change_request.decision_comment:
        lines.append(f"Commentaire de la Région : {change_request.decision_comment}")
    lines += ["", _url(reverse("closing:change_request", kwargs={"change_request_id": change_request.pk}))]
    _send(
        f"[formarche] Demande de modification n° {change_request.pk} : décision",
        lines,
        _members(order.provider_id),
    )


def followup_link_sent(link, token: str, address: str) -> None:
    questionnaire = link.questionnaire
    order = questionnaire.enrolment.order
    _send(
        "Votre situation six mois après votre formation",
        [
            f"Bonjour {questionnaire.enrolment.trainee.first_name},",
            "",
            f"Vous avez suivi la formation « {order.title} ». Six mois après, l'organisme de formation "
            "et la Région aimeraient connaître votre situation. Répondre prend une minute :",
            _url(reverse("closing:followup_public", kwargs={"token": token})),
            "",
            f"Ce lien ne sert qu'une fois et expire le {format_date(link.expires_at.date())}.",
        ],
        [address],
    )
