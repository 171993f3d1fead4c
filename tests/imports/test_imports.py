"""Imports of trainees and hours: file checks, all or nothing, idempotence, rectificatif, tenancy, jobs."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from formarche.attendance.models import Attendance
from formarche.billing.models import Period, PeriodStatus
from formarche.imports import services
from formarche.imports.models import ImportJob, ImportStatus
from formarche.trainees.models import Enrolment, Trainee
from tests.factories import EnrolmentFactory, OrderFactory, TraineeFactory

pytestmark = pytest.mark.django_db

DAILY_HEADER = "numero_action;identifiant_stagiaire;date;realise;non_realise_comptabilise;motif"


def csv_bytes(*lines, encoding="utf-8"):
    return ("\n".join(lines) + "\n").encode(encoding)


def run(world, content, *, kind="heures", name="heures.csv", user="of1_staff", **kw):
    return services.import_job_create(
        organisation=world.of1, user=world.users[user], kind=kind, file_name=name, content=content, **kw
    )


@pytest.fixture
def hours_world(world):
    order = world.objects["order"]
    trainee = world.objects["trainee"]
    trainee.external_ref = "T-1"
    trainee.save()
    return world, order


def snapshot():
    return sorted(
        Attendance.objects.values_list(
            "enrolment_id", "day", "kind", "realised_hours", "counted_unrealised_hours"
        )
    )


# --- hours --------------------------------------------------------------------------------------


def test_daily_hours_import_then_reimport_changes_nothing(hours_world):
    world, order = hours_world
    content = csv_bytes(
        DAILY_HEADER,
        f"{order.number};T-1;07/03/2023;7;0;",
        f"{order.number};T-1;08/03/2023;3,5;3,5;maladie",
        f"{order.number};T-1;06/03/2023;7;0;",  # already stored, identical
    )
    job = run(world, content)
    assert job.status == ImportStatus.DONE, job.errors
    assert job.summary == "3 lignes importées — heures : 2 créées, 0 modifiées, 1 inchangées."
    stored = snapshot()
    again = run(world, content)
    assert again.status == ImportStatus.DONE
    assert "0 créées, 0 modifiées, 3 inchangées" in again.summary
    assert "déjà été importé" in again.report["warnings"][0]
    assert snapshot() == stored
    row = Attendance.objects.get(day=dt.date(2023, 3, 8))
    assert (row.realised_hours, row.counted_unrealised_hours, row.unrealised_reason, row.source) == (
        Decimal("3.50"),
        Decimal("3.50"),
        "maladie",
        "import",
    )
    assert row.history.count() == 1


def test_changed_value_is_updated_and_reported(hours_world):
    world, order = hours_world
    job = run(world, csv_bytes(DAILY_HEADER, f"{order.number};T-1;06/03/2023;6,25;0;"))
    assert "0 créées, 1 modifiées, 0 inchangées" in job.summary
    row = Attendance.objects.get(day=dt.date(2023, 3, 6))
    assert row.realised_hours == Decimal("6.25")
    assert row.history.first().history_type == "~"


def test_error_on_row_3_leaves_the_database_unchanged(hours_world):
    world, order = hours_world
    before = snapshot()
    job = run(
        world,
        csv_bytes(
            DAILY_HEADER,
            f"{order.number};T-1;07/03/2023;7;0;",
            f"{order.number};T-1;32/03/2023;7;0;",
            f"{order.number};T-1;09/03/2023;-2;0;",
            f"{order.number};T-1;10/03/2023;20;5;maladie",
        ),
    )
    assert job.status == ImportStatus.REFUSED
    assert job.errors == [
        "Ligne 3 : la date « 32/03/2023 » n'existe pas dans le calendrier",
        "Ligne 4 : le réalisé « -2 » ne peut pas être négatif",
        "Ligne 5 : une journée ne peut pas compter plus de 24 heures (réalisé + non réalisé comptabilisé)",
    ]
    assert "rien n'a été enregistré" in job.summary
    assert snapshot() == before


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{n};T-1;27/02/2023;7;0;", "est avant l'entrée en formation"),
        ("{n};T-1;08/03/2023;4;3;", "indiquez le motif du non réalisé"),
        ("{n};T-1;08/03/2023;4;3;vacances", "le motif « vacances » est inconnu"),
        ("{n};T-9;08/03/2023;4;0;", "aucun stagiaire de votre registre n'a l'identifiant « T-9 »"),
        ("INCONNU_1;T-1;08/03/2023;4;0;", "l'action « INCONNU_1 » est inconnue"),
    ],
)
def test_row_errors_in_french(hours_world, line, message):
    world, order = hours_world
    job = run(world, csv_bytes(DAILY_HEADER, line.format(n=order.number)))
    assert job.status == ImportStatus.REFUSED
    assert job.errors[0].startswith("Ligne 2 : ") and message in job.errors[0]


def test_same_day_twice_in_the_file_is_an_error(hours_world):
    world, order = hours_world
    job = run(
        world,
        csv_bytes(DAILY_HEADER, f"{order.number};T-1;07/03/2023;7;0;", f"{order.number};T-1;07/03/2023;6;0;"),
    )
    assert job.errors == ["Ligne 3 : même stagiaire, même action et le 07/03/2023 que la ligne 2"]


def test_another_ofs_enrolment_is_an_error(world):
    """Tenancy: OF 1 names OF 2's action and trainee — unknown to OF 1, nothing written."""
    other = EnrolmentFactory(order=world.objects["of2_order"], trainee__external_ref="AUTRE-1")
    job = run(world, csv_bytes(DAILY_HEADER, f"{other.order.number};AUTRE-1;07/03/2023;7;0;"))
    assert job.status == ImportStatus.REFUSED
    assert "est inconnue ou n'est pas réalisée par votre organisme" in job.errors[0]
    assert not Attendance.objects.filter(enrolment=other).exists()


def test_validated_month_change_is_a_correction(hours_world):
    world, order = hours_world
    Period.objects.update_or_create(
        order=order,
        month=dt.date(2023, 3, 1),
        defaults={"status": PeriodStatus.VALIDATED, "validated_at": dt.datetime.now(dt.UTC)},
    )
    job = run(
        world,
        csv_bytes(
            DAILY_HEADER,
            f"{order.number};T-1;06/03/2023;7;0;",  # unchanged: not a correction
            f"{order.number};T-1;07/03/2023;5;0;",  # new in a validated month
        ),
    )
    assert job.status == ImportStatus.DONE, job.errors
    assert not Attendance.objects.get(day=dt.date(2023, 3, 6)).is_correction
    assert Attendance.objects.get(day=dt.date(2023, 3, 7)).is_correction
    assert "rectificatif" in job.report["warnings"][0]


def test_monthly_totals_and_names_instead_of_identifier(world):
    order = OrderFactory(provider=world.of1, region=world.region_a)
    trainee = TraineeFactory(
        organisation=world.of1, last_name="Hélène", first_name="Zoé", birth_date=dt.date(1999, 1, 2)
    )
    EnrolmentFactory(order=order, trainee=trainee)
    content = csv_bytes(
        "numero_action;nom;prenom;date_naissance;mois;realise;non_realise_comptabilise;motif",
        f"{order.number};HELENE;zoe;02/01/1999;2023-04;83;0;",
    )
    job = run(world, content)
    assert job.kind == "heures_mois" and job.status == ImportStatus.DONE, job.errors
    row = Attendance.objects.get(enrolment__trainee=trainee)
    assert (row.kind, row.day, row.realised_hours) == ("mois", dt.date(2023, 4, 1), Decimal("83.00"))


def test_xlsx_and_windows_1252_csv_are_read(hours_world):
    from openpyxl import Workbook

    world, order = hours_world
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(DAILY_HEADER.split(";"))
    sheet.append([order.number, "T-1", dt.datetime(2023, 3, 7), 7, 0, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = run(world, buffer.getvalue(), name="heures.xlsx")
    assert job.status == ImportStatus.DONE, job.errors
    latin = csv_bytes(
        "Numéro action,Identifiant stagiaire,Date,Réalisé,Non réalisé comptabilisé,Motif",
        f"{order.number},T-1,08/03/2023,7,0,",
        encoding="cp1252",
    )
    assert run(world, latin).status == ImportStatus.DONE


# --- the file itself ----------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("heures.csv", PNG, "est une image PNG, pas un fichier CSV"),
        ("heures.csv", b"", "Le fichier est vide."),
        ("heures.xlsx", b"PK\x03\x04 pas un zip", "n'est pas un classeur XLSX valide"),
        ("heures.xlsx", b"numero_action;date\n", "n'est pas un classeur XLSX valide"),
        ("heures.pdf", b"%PDF-1.7", "Format non reconnu"),
        ("heures.csv", b"date;realise\n01/03/2023;7\n", "Colonnes manquantes : numero_action"),
        ("heures.csv", (DAILY_HEADER + ";couleur\n").encode(), "Colonnes inconnues : couleur"),
        ("heures.csv", (DAILY_HEADER + "\n").encode(), "aucune ligne de données"),
    ],
)
def test_bad_files_refused_before_anything_is_stored(world, name, content, message):
    with pytest.raises(services.ImportRefused) as refused:
        run(world, content, name=name)
    assert message in refused.value.message
    assert not ImportJob.objects.exclude(pk=world.objects["import_job"].pk).exists()


# --- trainees -----------------------------------------------------------------------------------

TRAINEE_HEADER = (
    "identifiant_stagiaire;civilite;nom;prenom;date_naissance;statut;courriel;numero_action;date_entree;"
    "heures_prevues;financeur"
)


def test_trainee_import_creates_enrols_and_is_idempotent(world):
    order = world.objects["order"]
    content = csv_bytes(
        TRAINEE_HEADER,
        f"NEW-1;Mme;Durand;Inès;03/04/1995;demandeur d'emploi;ines@exemple.fr;{order.number};13/03/2023;245;c6",
        f";M.;Martin;Hugo;04/05/1996;salarie;;{order.number};;120,5;Région",
        "NEW-3;M;Petit;Noé;05/06/1997;autre;;;;;",
    )
    job = run(world, content, kind="stagiaires", name="stagiaires.csv")
    assert job.status == ImportStatus.DONE, job.errors
    assert "stagiaires : 3 créés, 0 modifiés, 0 inchangés" in job.summary
    assert "inscriptions : 2 créées" in job.summary
    hugo = Enrolment.objects.get(trainee__last_name="Martin")
    assert (hugo.entry_date, hugo.planned_hours, hugo.payer) == (order.planned_start, Decimal("120.50"), "c6")
    assert Trainee.objects.get(external_ref="NEW-1").name_key == "durand|ines"
    count = Trainee.objects.count()
    again = run(world, content, kind="stagiaires", name="stagiaires.csv")
    assert "3 inchangés" in again.summary and "2 inchangées" in again.summary
    assert Trainee.objects.count() == count


def test_trainee_import_over_headcount_needs_confirmation(world):
    order = OrderFactory(provider=world.of1, region=world.region_a, planned_headcount=1)
    content = csv_bytes(
        TRAINEE_HEADER,
        f"A-1;Mme;Un;Une;01/01/1990;autre;;{order.number};;10;",
        f"A-2;Mme;Deux;Une;01/01/1990;autre;;{order.number};;10;",
    )
    job = run(world, content, kind="stagiaires", name="s.csv")
    assert job.status == ImportStatus.REFUSED
    assert job.errors == [
        f"Ligne 3 : l'effectif prévu de l'action « {order.number} » (1) serait dépassé : cochez « Je confirme "
        "les inscriptions au-delà de l'effectif prévu » pour importer quand même"
    ]
    assert not Trainee.objects.filter(external_ref__startswith="A-").exists()
    job = run(world, content, kind="stagiaires", name="s.csv", confirm_over_headcount=True)
    assert job.status == ImportStatus.DONE
    assert order.enrolments.count() == 2


def test_trainee_import_exit_rules(world):
    order = world.objects["order"]
    world.objects["trainee"].external_ref = "T-1"
    world.objects["trainee"].save()
    header = "identifiant_stagiaire;civilite;nom;prenom;date_naissance;statut;numero_action;date_sortie;motif_sortie"
    line = f"T-1;Mme;{world.objects['trainee'].last_name};Léa;17/05/1990;demandeur_emploi;{order.number}"
    job = run(
        world, csv_bytes(header, f"{line};01/03/2023;abandon", f"{line};;"), kind="stagiaires", name="s.csv"
    )
    assert job.errors[0] == "Ligne 2 : des heures sont enregistrées après la date de sortie : 06/03/2023"
    assert job.errors[1] == "Ligne 3 : même stagiaire que la ligne 2"


# --- jobs in the background ---------------------------------------------------------------------


def test_large_file_runs_as_a_job_with_progress(hours_world, django_capture_on_commit_callbacks):
    world, order = hours_world
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = run(world, csv_bytes(DAILY_HEADER, f"{order.number};T-1;07/03/2023;7;0;"), run_inline=False)
    assert job.status == ImportStatus.PENDING
    client = world_client(world)
    response = client.get(reverse("imports:job_status", kwargs={"job_id": job.pk}))
    body = response.content.decode()
    assert 'role="progressbar"' in body and 'aria-valuenow="0"' in body and 'hx-trigger="every 1s"' in body
    for callback in callbacks:  # the task, run by the ImmediateBackend
        callback()
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.percent == 100
    response = client.get(reverse("imports:job_status", kwargs={"job_id": job.pk}), HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true"
    assert "hx-trigger" not in response.content.decode()


def world_client(world):
    from django.test import Client

    client = Client()
    client.force_login(world.users["of1_staff"])
    return client


def test_progress_percent():
    job = ImportJob(total_rows=4000, processed_rows=1000, status=ImportStatus.RUNNING)
    assert job.percent == 25


# --- one write path: the attendance service's rules, messages and refusals ----------------------


def test_hours_of_a_closed_action_are_refused(hours_world):
    world, order = hours_world
    type(order).objects.filter(pk=order.pk).update(status="fermee")
    before = snapshot()
    job = run(world, csv_bytes(DAILY_HEADER, f"{order.number};T-1;07/03/2023;7;0;"))
    assert job.status == ImportStatus.REFUSED
    assert job.errors == ["Ligne 2 : l'action est fermée : les heures ne peuvent plus être modifiées"]
    assert snapshot() == before


def test_a_file_error_and_a_rule_error_are_reported_together(hours_world):
    """Row 2 cannot be read, row 3 breaks an hour rule: both reported, nothing written."""
    world, order = hours_world
    before = snapshot()
    job = run(
        world,
        csv_bytes(
            DAILY_HEADER,
            f"{order.number};T-1;31/02/2023;7;0;",
            f"{order.number};T-1;27/02/2023;7;0;",
            f"{order.number};T-1;09/03/2023;7;0;",
        ),
    )
    assert job.status == ImportStatus.REFUSED
    assert job.errors[0] == "Ligne 2 : la date « 31/02/2023 » n'existe pas dans le calendrier"
    assert job.errors[1].startswith("Ligne 3 : le 27/02/2023 est avant l'entrée en formation de ")
    assert len(job.errors) == 2
    assert snapshot() == before


def test_month_kept_by_day_refuses_a_month_total(hours_world):
    world, order = hours_world
    job = run(
        world,
        csv_bytes(
            "numero_action;identifiant_stagiaire;mois;realise;non_realise_comptabilise;motif",
            f"{order.number};T-1;2023-03;80;0;",
        ),
    )
    assert job.status == ImportStatus.REFUSED
    assert job.errors == [
        f"Ligne 2 : Mars 2023 est déjà saisi jour par jour pour {world.objects['trainee']} : "
        "un total mensuel ne peut pas s'y ajouter"
    ]
