"""Issue #7: the trainee import's optional co-funding columns (one co-funding per row): created or
updated by (enrolment, payer), idempotent, the trainee pages' rules as row-by-row French errors,
all or nothing."""

from decimal import Decimal

import pytest

from formarche.imports.models import ImportStatus
from formarche.trainees.models import EnrolmentFunding, Trainee
from tests.imports.test_imports import csv_bytes, run

pytestmark = pytest.mark.django_db

HEADER = (
    "identifiant_stagiaire;civilite;nom;prenom;date_naissance;statut;numero_action;heures_prevues;financeur;"
    "cofinanceur;montant_cofinancement;tarif_horaire_cofinancement;libelle_cofinancement"
)


def _row(order, ref, name, tail, hours="100", payer="c6"):
    return f"{ref};Mme;{name};Léa;01/02/1990;demandeur_emploi;{order.number};{hours};{payer};{tail}"


def _fundings():
    return sorted(
        EnrolmentFunding.objects.values_list(
            "enrolment__trainee__external_ref", "payer", "amount", "hourly_rate", "label"
        )
    )


def test_co_fundings_created_then_unchanged_then_updated(world):
    order = world.objects["order"]
    content = csv_bytes(
        HEADER,
        _row(order, "C-1", "Un", "c9;300;;Participation personnelle"),
        _row(order, "C-2", "Deux", "CPF;;2,5;"),
        _row(order, "C-3", "Trois", ";;;"),
    )
    job = run(world, content, kind="stagiaires", name="cofinancements.csv")
    assert job.status == ImportStatus.DONE, job.errors
    assert "cofinancements : 2 créés, 0 modifiés, 0 inchangés" in job.summary
    assert [f for f in _fundings() if f[0].startswith("C-")] == [
        ("C-1", "c9", Decimal("300.00"), None, "Participation personnelle"),
        ("C-2", "c2e", None, Decimal("2.5000"), ""),
    ]
    again = run(world, content, kind="stagiaires", name="cofinancements.csv")
    assert (
        again.status == ImportStatus.DONE
        and "cofinancements : 0 créés, 0 modifiés, 2 inchangés" in again.summary
    )
    changed = csv_bytes(HEADER, _row(order, "C-1", "Un", "c9;;12;"))  # a rate now; the label is kept
    job = run(world, changed, kind="stagiaires", name="cofinancements-2.csv")
    assert job.status == ImportStatus.DONE, job.errors
    assert "cofinancements : 0 créés, 1 modifiés, 0 inchangés" in job.summary
    funding = EnrolmentFunding.objects.get(enrolment__trainee__external_ref="C-1")
    assert (funding.amount, funding.hourly_rate, funding.label) == (
        None,
        Decimal("12"),
        "Participation personnelle",
    )
    assert funding.history.count() == 2


def test_row_errors_in_french_and_nothing_stored(world):
    order = world.objects["order"]
    trainees, fundings = Trainee.objects.count(), _fundings()
    content = csv_bytes(
        HEADER,
        _row(order, "E-1", "Un", "c9;0;;"),
        _row(order, "E-2", "Deux", "c9;100;2;"),
        _row(order, "E-3", "Trois", "c6;100;;"),
        _row(order, "E-4", "Quatre", ";100;;"),
        _row(order, "E-5", "Cinq", "c42;100;;"),
        _row(order, "E-6", "Six", "c9;10,005;;"),
        _row(order, "E-7", "Sept", "c9;;;"),
        _row(order, "E-8", "Huit", "c9;100;;", hours="0"),
        _row(order, "E-9", "Neuf", "c9;-3;;"),
        _row(order, "E-10", "Dix", "c9;300;;"),  # a good row: not stored either
    )
    job = run(world, content, kind="stagiaires", name="erreurs.csv")
    assert job.status == ImportStatus.REFUSED
    assert job.errors == [
        "Ligne 2 : le montant du cofinancement doit être supérieur à zéro",
        "Ligne 3 : indiquez soit un montant forfaitaire, soit un tarif horaire, pas les deux",
        "Ligne 4 : « Conseils régionaux » est déjà le financeur principal de cette inscription : un cofinancement "
        "vient d'un autre financeur",
        "Ligne 5 : indiquez le cofinanceur (colonne « cofinanceur ») avec un montant de cofinancement",
        "Ligne 6 : le cofinanceur « c42 » est inconnu (valeurs possibles : c1, c10, c2a, c2b, c2c, c2d, c2e, c2f, "
        "c2g, c2h, c3, c4, c5, c6, c7, c8, c9)",
        "Ligne 7 : le montant du cofinancement « 10,005 » a plus de 2 décimales",
        "Ligne 8 : indiquez le montant forfaitaire ou le tarif horaire du cofinancement",
        "Ligne 9 : un montant forfaitaire est réparti au prorata des heures prévues : indiquez d'abord les heures "
        "prévues de l'inscription, ou donnez un tarif horaire",
        "Ligne 10 : le montant du cofinancement doit être supérieur à zéro",
    ]
    assert Trainee.objects.count() == trainees and _fundings() == fundings


def test_existing_co_fundings_of_the_enrolment_are_checked_and_kept(world):
    """The world's enrolment (trainee T-1) has a 300 € c9 co-funding."""
    order, trainee = world.objects["order"], world.objects["trainee"]
    trainee.external_ref = "T-1"
    trainee.save()
    before = _fundings()

    def row(tail, payer="c6", hours="300"):
        return f"T-1;Mme;{trainee.last_name};Léa;17/05/1990;demandeur_emploi;{order.number};{hours};{payer};{tail}"

    job = run(world, csv_bytes(HEADER, row(";;;", payer="c9")), kind="stagiaires", name="a.csv")
    assert job.errors == [
        "Ligne 2 : « Personnes à titre individuel et à leurs frais » cofinance déjà cette inscription : il ne "
        "peut pas en être aussi le financeur principal"
    ]
    job = run(world, csv_bytes(HEADER, row(";;;", hours="0")), kind="stagiaires", name="b.csv")
    assert job.errors == [
        "Ligne 2 : cette inscription a un cofinancement forfaitaire, réparti au prorata des heures prévues : les "
        "heures prévues ne peuvent pas être nulles"
    ]
    assert _fundings() == before
    job = run(world, csv_bytes(HEADER, row("c2e;;1;Abondement")), kind="stagiaires", name="c.csv")
    assert job.status == ImportStatus.DONE, job.errors
    assert {(p, a, r) for _, p, a, r, _ in _fundings()} == {
        ("c9", Decimal("300.00"), None),  # kept
        ("c2e", None, Decimal("1.0000")),
    }


def test_co_funding_columns_need_an_action(world):
    header = (
        "identifiant_stagiaire;civilite;nom;prenom;date_naissance;statut;cofinanceur;montant_cofinancement"
    )
    job = run(
        world,
        csv_bytes(header, "X-1;Mme;Sans;Action;01/01/1990;autre;c9;100"),
        kind="stagiaires",
        name="x.csv",
    )
    assert job.errors == ["Ligne 2 : indiquez le numéro d'action pour inscrire le stagiaire"]
