"""The trainer's pages: schedule, open, QR codes and links, sign on the device, confirm, proofs,
audit; tenancy (Région reads, OF 2 gets 404)."""

import datetime as dt
import html
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from formarche.attendance.models import Attendance
from formarche.signing.models import Session, SessionStatus, Signature, SigningLink
from tests.factories import SessionFactory, signature_data_url
from tests.world import MARKER


def _url(name, **kwargs):
    return reverse(f"signing:{name}", kwargs=kwargs)


@pytest.mark.django_db
def test_schedule_form_creates_half_days_and_skips_holidays(world, login):
    order = world.objects["order"]
    client = login(world.users["of1_staff"])
    data = {
        "first": "2023-05-01",
        "last": "2023-05-12",
        "weekdays": ["0", "1", "2", "3", "4"],
        "half_days": ["matin", "apres_midi"],
        "morning_start": "09:00",
        "morning_end": "12:30",
        "morning_hours": "3,5",
        "afternoon_start": "13:30",
        "afternoon_end": "17:00",
        "afternoon_hours": "3.5",
        "trainer_name": "Mme Formatrice",
        "skip_holidays": "on",
    }
    response = client.post(_url("schedule", order_id=order.pk), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    sessions = Session.objects.filter(order=order, date__month=5)
    # 10 weekdays, less 1 May and 8 May (fériés) = 8 days × 2 half-days
    assert sessions.count() == 16
    assert not sessions.filter(date=dt.date(2023, 5, 8)).exists()
    assert set(sessions.values_list("planned_hours", flat=True)) == {Decimal("3.50")}
    # again: nothing duplicated
    client.post(_url("schedule", order_id=order.pk), data)
    assert Session.objects.filter(order=order, date__month=5).count() == 16
    bad = dict(data, first="2022-01-03", last="2022-01-07")
    response = client.post(_url("schedule", order_id=order.pk), bad)
    assert response.status_code == 422
    assert "dans les dates de l" in response.content.decode()


@pytest.mark.django_db
def test_trainer_flow_open_links_sign_here_confirm(world, login):
    order = world.objects["order"]
    enrolment = world.objects["enrolment"]
    client = login(world.users["of1_staff"])
    # the session is today, within the action (hours are never dated in the future nor after its end)
    today = timezone.localdate()
    type(order).objects.filter(pk=order.pk).update(planned_end=today + dt.timedelta(days=365))
    session = SessionFactory(order=order, date=today, end_time=dt.time(23, 59), trainer_name="Formateur")
    detail = _url("session", order_id=order.pk, session_id=session.pk)
    assert "Ouvrir la signature" in client.get(detail).content.decode()
    client.post(_url("session_open", order_id=order.pk, session_id=session.pk))
    session.refresh_from_db()
    assert session.status == SessionStatus.OPEN
    # QR codes and one-time links, rendered once
    response = client.post(_url("session_links", order_id=order.pk, session_id=session.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body and "/emargement/" in body
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert SigningLink.objects.filter(session=session).count() == 1
    # sign on the trainer's device
    pad = _url("sign_here", order_id=order.pk, session_id=session.pk, enrolment_id=enrolment.pk)
    page = client.get(pad)
    assert page.status_code == 200
    assert 'aria-label="Zone de signature' in page.content.decode()
    assert "signing/pad.js" in page.content.decode()
    empty = client.post(pad, {"signature": ""})
    assert empty.status_code == 422
    response = client.post(pad, {"signature": signature_data_url()}, HTTP_USER_AGENT="Tablette")
    assert response.status_code == 302
    signature = Signature.objects.get(session=session, enrolment=enrolment)
    assert signature.channel == "appareil" and signature.user_agent == "Tablette"
    assert SigningLink.objects.get(session=session).revoked_at is not None  # the link died with it
    # thumbnails of the signature on the page, as PNG
    image = client.get(_url("signature_image", order_id=order.pk, signature_id=signature.pk))
    assert image["Content-Type"] == "image/png" and image.content == bytes(signature.image)
    # confirm: hours written for the signed trainee
    client.post(_url("session_confirm", order_id=order.pk, session_id=session.pk))
    session.refresh_from_db()
    assert session.status == SessionStatus.CONFIRMED
    assert Attendance.objects.get(enrolment=enrolment, day=today).realised_hours == Decimal("3.50")


@pytest.mark.django_db
def test_proofs_carry_the_signature_images(world, login):
    order = world.objects["order"]
    session = world.objects["session"]
    client = login(world.users["region_a_officer"])
    response = client.get(_url("session_proof", order_id=order.pk, session_id=session.pk))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(p.extract_text() for p in reader.pages)
    assert "Preuve d'émargement" in text and "intacte" in text
    assert world.objects["signature"].record_hash[:20] in text.replace("\n", "")
    images = [img for page in reader.pages for img in page.images]
    assert len(images) == 1  # the one signature
    response = client.get(_url("month_proof", order_id=order.pk, period="2023-03"))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


@pytest.mark.django_db
def test_audit_view_shows_intact_then_broken_chain(world, login):
    order = world.objects["order"]
    client = login(world.users["region_a_officer"])
    url = _url("audit", order_id=order.pk)
    body = client.get(url).content.decode()
    assert "Chaîne intacte." in body
    Signature.objects.filter(order=order).update(user_agent="falsifié")
    body = client.get(url).content.decode()
    assert "Chaîne rompue à la signature n° 1." in body


@pytest.mark.django_db
def test_region_reads_but_cannot_act(world, login):
    order = world.objects["order"]
    session = world.objects["session"]
    client = login(world.users["region_a_manager"])
    assert client.get(_url("sessions", order_id=order.pk)).status_code == 200
    page = client.get(_url("session", order_id=order.pk, session_id=session.pk)).content.decode()
    assert "Confirmer la séance" not in page
    for name in ("session_open", "session_links", "session_confirm"):
        assert client.post(_url(name, order_id=order.pk, session_id=session.pk)).status_code == 403
    assert client.get(_url("schedule", order_id=order.pk)).status_code == 403
    session.refresh_from_db()
    assert session.status == SessionStatus.OPEN


@pytest.mark.django_db
def test_other_of_gets_404_everywhere(world, login):
    order = world.objects["order"]
    session = world.objects["session"]
    client = login(world.users["of2_manager"])
    urls = [
        _url("sessions", order_id=order.pk),
        _url("session", order_id=order.pk, session_id=session.pk),
        _url("audit", order_id=order.pk),
        _url("session_proof", order_id=order.pk, session_id=session.pk),
        _url("signature_image", order_id=order.pk, signature_id=world.objects["signature"].pk),
        _url("sync", order_id=order.pk, period="2023-03"),
        # OF 2's own order with OF 1's session: still 404
        _url("session", order_id=world.objects["of2_order"].pk, session_id=session.pk),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 404, url
        assert MARKER not in response.content.decode(errors="replace")
    response = client.post(_url("session_confirm", order_id=order.pk, session_id=session.pk))
    assert response.status_code == 404


@pytest.mark.django_db
def test_sessions_list_query_count_does_not_grow(world, login, django_assert_max_num_queries):
    order = world.objects["order"]
    client = login(world.users["of1_staff"])
    url = _url("sessions", order_id=order.pk) + "?mois=2023-03"
    client.get(url)
    with django_assert_max_num_queries(30) as first:
        client.get(url)
    for day in range(13, 18):
        SessionFactory(order=order, date=dt.date(2023, 3, day))
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("Planifiée") == 5


def _input(page: str, name: str) -> str:
    start = page.index(f'name="{name}"')
    return page[page.rindex("<input", 0, start) : page.index(">", start) + 1]


@pytest.mark.django_db
def test_schedule_form_dates_are_iso_initial_and_after_an_error(world, login, monkeypatch):
    """<input type="date"> shows only an ISO value (AAAA-MM-JJ); the French « 04/12/2023 » left
    the fields empty in the browser."""
    order = world.objects["order"]
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: dt.date(2023, 12, 4))
    client = login(world.users["of1_staff"])
    url = _url("schedule", order_id=order.pk)
    page = client.get(url).content.decode()
    for name in ("first", "last"):
        field = _input(page, name)
        assert 'type="date"' in field and 'value="2023-12-04"' in field, field
    assert 'value="09:00"' in _input(page, "morning_start")  # <input type="time">: HH:MM
    assert "04/12/2023" not in page
    # refused (the end before the start): the dates typed are shown again, still ISO
    response = client.post(
        url,
        {
            "first": "2023-12-04",
            "last": "2023-12-01",
            "weekdays": ["0"],
            "half_days": ["matin"],
            "morning_start": "09:00",
            "morning_end": "12:30",
            "morning_hours": "3,5",
            "afternoon_start": "13:30",
            "afternoon_end": "17:00",
            "afternoon_hours": "3,5",
        },
    )
    page = response.content.decode()
    assert response.status_code == 422 and "précède sa date de début" in page
    assert 'value="2023-12-04"' in _input(page, "first")
    assert 'value="2023-12-01"' in _input(page, "last")


def _text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["fermee", "archivee"])
def test_closed_action_shows_no_signing_form(world, login, status):
    """A closed or archived action refuses every émargement write: its pages offer none (no form
    shown then refused) and say why; a write sent anyway is still refused."""
    from formarche.orders.models import Order, OrderStatus
    from formarche.signing import services

    order = world.objects["order"]
    enrolment = world.objects["enrolment"]
    other = SessionFactory(order=order, date=dt.date(2023, 3, 7))  # planned
    session = services.session_open(  # open (tomorrow), with a live link for the trainee
        session=SessionFactory(order=order, date=timezone.localdate() + dt.timedelta(days=1))
    )
    [(_, token)] = services.links_issue(session=session)
    Order.objects.filter(pk=order.pk).update(status=status)
    refusal = f"L'action est {'fermée' if status == OrderStatus.CLOSED else 'archivée'} : "
    client = login(world.users["of1_staff"])
    page = _text(client.get(_url("sessions", order_id=order.pk) + "?mois=2023-03"))
    assert refusal + "l'émargement n'est plus possible." in page
    assert "Planifier des séances</a>" not in page
    schedule = client.get(_url("schedule", order_id=order.pk))
    assert schedule.status_code == 200
    assert refusal + "aucune séance ne peut plus y être planifiée." in _text(schedule)
    assert 'name="first"' not in _text(schedule)
    before = Session.objects.count()
    refused = client.post(_url("schedule", order_id=order.pk), {"first": "2023-05-02", "last": "2023-05-02"})
    assert refused.status_code == 422 and 'name="first"' not in _text(refused)
    assert Session.objects.count() == before
    for s in (world.objects["session"], session, other):
        page = _text(client.get(_url("session", order_id=order.pk, session_id=s.pk)))
        for button in ("Ouvrir la signature", "QR codes", "Confirmer la séance", "Signer sur cet appareil"):
            assert button not in page
        assert "Preuve de la séance (PDF)" in page and refusal in page
    pad = client.get(
        _url("sign_here", order_id=order.pk, session_id=session.pk, enrolment_id=enrolment.pk), follow=True
    )
    assert "Zone de signature" not in _text(pad)
    assert refusal + "l'émargement n'est plus possible." in _text(pad)
    sync = _text(client.get(_url("sync", order_id=order.pk, period="2023-03")))
    assert 'name="ligne"' not in sync and ">Appliquer</button>" not in sync and refusal in sync
    # the trainee's one-time link: the page says so, no pad; a signature sent anyway is refused
    client.logout()
    for response in (
        client.get(f"/emargement/{token}/"),
        client.post(f"/emargement/{token}/", {"signature": signature_data_url(2)}),
    ):
        assert response.status_code == 410 and "Zone de signature" not in _text(response)
        assert "Émargement clos" in _text(response)
        assert refusal + "l'émargement n'est plus possible." in _text(response)
    assert Signature.objects.filter(order=order).count() == 1
    assert SigningLink.objects.get(session=session).used_at is None
