"""Trainee pages: registry (search, pagination, constant queries), register with duplicate check, enrol, exit."""

import datetime as dt

import pytest
from django.urls import reverse

from formarche.trainees.models import Enrolment, Trainee
from tests.factories import AttendanceFactory, EnrolmentFactory, OrderFactory, TraineeFactory
from tests.world import MARKER

pytestmark = pytest.mark.django_db


def test_registry_lists_searches_and_keeps_query_count(world, login, django_assert_max_num_queries):
    client = login(world.users["of1_staff"])
    url = reverse("trainees:trainee_list")
    TraineeFactory.create_batch(3, organisation=world.of1)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    TraineeFactory.create_batch(30, organisation=world.of1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    TraineeFactory(organisation=world.of1, last_name="Élodie-Müller", first_name="Anaïs")
    response = client.get(url, {"q": "elodie muller"})
    body = response.content.decode()
    assert "ÉLODIE-MÜLLER" in body and "1 stagiaire pour" in body
    TraineeFactory.create_batch(20, organisation=world.of1)
    assert "page 1 sur 2" in client.get(url).content.decode()


def test_region_sees_trainees_of_its_orders_read_only(world, login):
    client = login(world.users["region_a_officer"])
    body = client.get(reverse("trainees:trainee_list")).content.decode()
    assert MARKER.upper() in body.upper()
    assert "Enregistrer un stagiaire" not in body
    order = world.objects["order"]
    body = client.get(reverse("trainees:action_trainees", kwargs={"order_id": order.pk})).content.decode()
    assert "Modifier" not in body
    assert client.get(reverse("trainees:enrol", kwargs={"order_id": order.pk})).status_code == 403


def test_action_trainee_list_query_count_constant(world, login, django_assert_max_num_queries):
    order = world.objects["order"]
    client = login(world.users["of1_staff"])
    url = reverse("trainees:action_trainees", kwargs={"order_id": order.pk})
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "7,00" in body  # hours so far
    assert "Conseils régionaux" in body
    with django_assert_max_num_queries(30) as before:
        client.get(url)
    EnrolmentFactory.create_batch(10, order=order)
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(url)


def _register_post(client, order, **extra):
    data = {
        "civility": "mme",
        "last_name": "STAGIAIRE" + MARKER.lower(),
        "first_name": "lea",
        "birth_date": "1990-05-17",
        "entry_status": "demandeur_emploi",
    }
    data.update(extra)
    return client.post(reverse("trainees:register", kwargs={"order_id": order.pk}), data)


def test_register_flags_duplicate_then_saves_when_confirmed(world, login):
    order = world.objects["order"]
    client = login(world.users["of1_staff"])
    response = _register_post(client, order)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Il s&#x27;agit peut-être d&#x27;un doublon" in body or "Il s'agit peut-être d'un doublon" in body
    assert "Enregistrer quand même" in body
    assert f"?stagiaire={world.objects['trainee'].pk}" in body  # offer to enrol the existing one
    assert Trainee.objects.filter(organisation=world.of1).count() == 1
    response = _register_post(client, order, confirm_duplicate="on")
    assert response.status_code == 302
    assert "inscrire" in response["Location"] and "stagiaire=" in response["Location"]
    assert Trainee.objects.filter(organisation=world.of1).count() == 2


def test_enrol_page_refuses_double_enrolment_and_asks_headcount_confirmation(world, login):
    order = world.objects["order"]
    order.planned_headcount = 1
    order.save()
    client = login(world.users["of1_staff"])
    url = reverse("trainees:enrol", kwargs={"order_id": order.pk})
    response = client.get(url, {"q": "stagiaire"})
    assert response.status_code == 200
    assert 'value="' + str(order.planned_start) + '"' in response.content.decode()  # entry date = start
    data = {"entry_date": "2023-03-13", "planned_hours": "245,5", "payer": "c6", "scheme": ""}
    response = client.post(url, {**data, "trainees": [world.objects["trainee"].pk]})
    assert "déjà inscrit" in response.content.decode()
    fresh = TraineeFactory(organisation=world.of1)
    response = client.post(url, {**data, "trainees": [fresh.pk]})
    body = response.content.decode()
    assert "Je confirme l&#x27;inscription au-delà de l&#x27;effectif prévu (1)" in body
    assert not Enrolment.objects.filter(trainee=fresh).exists()
    response = client.post(url, {**data, "trainees": [fresh.pk], "confirm_over_headcount": "on"})
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(trainee=fresh)
    assert str(enrolment.planned_hours) == "245.50" and enrolment.entry_date == dt.date(2023, 3, 13)


def test_enrol_cannot_pick_another_ofs_trainee(world, login):
    stranger = TraineeFactory(organisation=world.of2)
    client = login(world.users["of1_staff"])
    url = reverse("trainees:enrol", kwargs={"order_id": world.objects["order"].pk})
    data = {"entry_date": "2023-03-13", "planned_hours": "10", "payer": "c6", "trainees": [stranger.pk]}
    response = client.post(url, data)
    assert response.status_code == 200
    assert not Enrolment.objects.filter(trainee=stranger).exists()


def test_exit_refused_with_the_days_carrying_hours(world, login):
    # an action without components: its exits are entered on the enrolment page
    order = OrderFactory(region=world.region_a, provider=world.of1)
    enrolment = EnrolmentFactory(order=order, trainee=world.objects["trainee"])
    AttendanceFactory(enrolment=enrolment, day=dt.date(2023, 3, 6))
    client = login(world.users["of1_staff"])
    url = reverse("trainees:enrolment_edit", kwargs={"order_id": order.pk, "enrolment_id": enrolment.pk})
    assert client.get(url).status_code == 200
    data = {"entry_date": "2023-03-01", "planned_hours": "300", "payer": "c6", "scheme": ""}
    response = client.post(url, {**data, "exit_date": "2023-03-03", "exit_reason": "abandon"})
    assert "06/03/2023" in response.content.decode()
    response = client.post(url, {**data, "exit_date": "2023-03-10", "exit_reason": ""})
    assert "Indiquez le motif de sortie" in response.content.decode()
    response = client.post(url, {**data, "exit_date": "2023-03-10", "exit_reason": "abandon"})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.exit_date == dt.date(2023, 3, 10)


def test_exit_is_read_only_when_the_action_has_components(world, login):
    # exits are then declared per component (closing app); a posted exit is ignored here
    order, enrolment = world.objects["order"], world.objects["enrolment"]
    client = login(world.users["of1_staff"])
    url = reverse("trainees:enrolment_edit", kwargs={"order_id": order.pk, "enrolment_id": enrolment.pk})
    page = client.get(url).content.decode()
    assert "composante par composante" in page
    data = {"entry_date": "2023-03-01", "planned_hours": "280", "payer": "c6", "scheme": ""}
    response = client.post(url, {**data, "exit_date": "2023-03-10", "exit_reason": "abandon"})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.exit_date is None and enrolment.planned_hours == 280
