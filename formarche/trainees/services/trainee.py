"""Writes on trainees (the registry of an OF)."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from formarche.organisations.models import Organisation
from formarche.trainees.models import Trainee
from formarche.trainees.services.common import (
    DuplicateSuspected,
    TraineeError,
    _require_identity_writable,
)

TRAINEE_FIELDS = (
    "civility",
    "last_name",
    "first_name",
    "birth_date",
    "email",
    "phone",
    "city",
    "entry_status",
    "external_ref",
)


def trainee_create(
    *,
    organisation: Organisation,
    civility: str,
    last_name: str,
    first_name: str,
    birth_date: date,
    entry_status: str,
    email: str = "",
    phone: str = "",
    city: str = "",
    external_ref: str = "",
    confirm_duplicate: bool = False,
) -> Trainee:
    """Add a trainee to the OF's registry.

    Refused with :class:`DuplicateSuspected` (carrying the possible duplicates) when someone with the
    same name (accents and case ignored) and birth date exists, unless ``confirm_duplicate``.
    """
    if not organisation.is_of:
        raise TraineeError("Seul un organisme de formation tient un registre de stagiaires.")
    last_name, first_name = last_name.strip(), first_name.strip()
    if not last_name or not first_name:
        raise TraineeError("Le nom et le prénom sont obligatoires.")
    with transaction.atomic():
        duplicates = list(
            Trainee.objects.same_person(
                organisation_id=organisation.pk,
                last_name=last_name,
                first_name=first_name,
                birth_date=birth_date,
            )
        )
        if duplicates and not confirm_duplicate:
            raise DuplicateSuspected(
                "Il s'agit peut-être d'un doublon : un stagiaire de même nom, même prénom et même date de "
                "naissance existe déjà. Inscrivez le stagiaire existant, ou cochez « Enregistrer quand même ».",
                duplicates=duplicates,
                code="doublon",
            )
        external_ref = external_ref.strip()
        if (
            external_ref
            and Trainee.objects.filter(organisation=organisation, external_ref=external_ref).exists()
        ):
            raise TraineeError("Cet identifiant externe est déjà utilisé par un autre stagiaire.")
        return Trainee.objects.create(
            organisation=organisation,
            civility=civility,
            last_name=last_name,
            first_name=first_name,
            birth_date=birth_date,
            entry_status=entry_status,
            email=email.strip(),
            phone=phone.strip(),
            city=city.strip(),
            external_ref=external_ref,
        )


def trainee_update(*, trainee: Trainee, allow_closed: bool = False, **fields) -> Trainee:
    """Change a trainee's identity (only the fields of :data:`TRAINEE_FIELDS`).

    Refused when every action of the trainee is closed or archived; ``allow_closed`` (an approved
    demande de modification) lets a closed action's trainee be corrected, never an archived one's.
    """
    unknown = set(fields) - set(TRAINEE_FIELDS)
    if unknown:
        raise TypeError(f"champs inconnus : {sorted(unknown)}")
    with transaction.atomic():
        trainee = Trainee.objects.select_for_update().get(pk=trainee.pk)
        _require_identity_writable(trainee, allow_closed=allow_closed)
        for name, value in fields.items():
            setattr(trainee, name, value.strip() if isinstance(value, str) else value)
        if not trainee.last_name or not trainee.first_name:
            raise TraineeError("Le nom et le prénom sont obligatoires.")
        if (
            trainee.external_ref
            and Trainee.objects.filter(
                organisation_id=trainee.organisation_id, external_ref=trainee.external_ref
            )
            .exclude(pk=trainee.pk)
            .exists()
        ):
            raise TraineeError("Cet identifiant externe est déjà utilisé par un autre stagiaire.")
        trainee.save()
        return trainee
