"""Sealed signatures: tampering is detected; one-time links die after use and at the session's end;
a link for trainee A cannot sign for B."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from formarche.signing.chain import GENESIS, verify_chain
from formarche.signing.models import Signature, SignatureChannel, SigningLink
from formarche.signing.selectors import token_digest
from formarche.signing.services import (
    SigningRefused,
    links_issue,
    session_open,
    signature_record_on_device,
    signature_record_with_link,
)
from tests.factories import EnrolmentFactory, SessionFactory, TraineeFactory, signature_data_url

AT = timezone.make_aware(dt.datetime(2023, 3, 6, 9, 10))  # during the world's session (09:00–12:30)


@pytest.fixture
def setup(world):
    order = world.objects["order"]
    session = world.objects["session"]  # open, already signed by the world's trainee
    other = EnrolmentFactory(
        order=order, trainee=TraineeFactory(organisation=world.of1, last_name="Bertrand")
    )
    third = EnrolmentFactory(order=order, trainee=TraineeFactory(organisation=world.of1, last_name="Cazals"))
    return order, session, other, third


def _sign_three(order, session, other, third):
    afternoon = session_open(session=SessionFactory(order=order, afternoon=True, date=session.date))
    signature_record_on_device(
        session=session,
        enrolment=other,
        data_url=signature_data_url(1),
        ip="10.0.0.2",
        user_agent="A",
        now=AT,
    )
    signature_record_on_device(
        session=afternoon,
        enrolment=third,
        data_url=signature_data_url(2),
        ip="10.0.0.3",
        user_agent="B",
        now=AT,
    )
    return afternoon


@pytest.mark.django_db
def test_chain_links_each_signature_to_the_previous(setup):
    order, session, other, third = setup
    _sign_three(order, session, other, third)
    signatures = list(Signature.objects.filter(order=order).order_by("sequence"))
    assert [s.sequence for s in signatures] == [1, 2, 3]
    assert signatures[0].previous_hash == GENESIS
    assert signatures[1].previous_hash == signatures[0].record_hash
    assert signatures[2].previous_hash == signatures[1].record_hash
    report = verify_chain(order)
    assert report.ok and report.count == 3 and report.head == signatures[2].record_hash


@pytest.mark.django_db
@pytest.mark.parametrize(
    "tamper, reason",
    [
        ("image", "L'image de la signature n° 2 a été modifiée"),
        ("signed_at", "La signature n° 2 a été modifiée"),
        ("ip", "La signature n° 2 a été modifiée"),
        ("enrolment", "La signature n° 2 a été modifiée"),
        ("delete", "La signature n° 2 manque"),
        ("relink", "n'est plus reliée"),
    ],
)
def test_tampering_with_a_stored_signature_is_detected(setup, tamper, reason):
    order, session, other, third = setup
    _sign_three(order, session, other, third)
    target = Signature.objects.get(order=order, sequence=2)
    rows = Signature.objects.filter(pk=target.pk)
    if tamper == "image":
        data = bytearray(bytes(target.image))
        data[-20] ^= 0x01  # one byte of the stored PNG
        rows.update(image=bytes(data))
    elif tamper == "signed_at":
        rows.update(signed_at=target.signed_at + dt.timedelta(seconds=1))
    elif tamper == "ip":
        rows.update(ip="192.0.2.1")
    elif tamper == "enrolment":
        rows.update(enrolment=third)
    elif tamper == "delete":
        rows.delete()
    elif tamper == "relink":
        # rewrite record 2 consistently but leave record 3 pointing at the old hash
        rows.update(previous_hash="f" * 64)
    report = verify_chain(order)
    assert not report.ok
    assert report.broken_at == 2
    assert reason in report.reason


@pytest.mark.django_db
def test_image_hash_updated_with_the_image_is_still_detected(setup):
    order, session, other, third = setup
    _sign_three(order, session, other, third)
    from formarche.signing.chain import image_digest

    target = Signature.objects.get(order=order, sequence=1)
    forged = bytes(target.image)[:-1] + b"\x00"
    Signature.objects.filter(pk=target.pk).update(image=forged, image_sha256=image_digest(forged))
    report = verify_chain(order)
    assert (report.ok, report.broken_at) == (False, 1)


@pytest.mark.django_db
def test_link_signs_once_and_then_is_dead(setup, client):
    order, session, other, third = setup
    issued = dict((e.pk, token) for e, token in links_issue(session=session, now=AT))
    assert set(issued) == {other.pk, third.pk}  # the world's trainee already signed: no link
    link = SigningLink.objects.get(token_hash=token_digest(issued[other.pk]))
    assert link.expires_at == session.ends_at
    assert issued[other.pk] not in str(list(SigningLink.objects.values_list("token_hash", flat=True)))
    signature = signature_record_with_link(
        token=issued[other.pk], data_url=signature_data_url(), ip="10.1.1.1", user_agent="Phone", now=AT
    )
    assert signature.enrolment == other and signature.channel == SignatureChannel.LINK
    assert signature.ip == "10.1.1.1" and signature.user_agent == "Phone"
    with pytest.raises(SigningRefused, match="n'est pas valide"):
        signature_record_with_link(
            token=issued[other.pk], data_url=signature_data_url(), ip="10.1.1.1", user_agent="Phone", now=AT
        )
    assert Signature.objects.filter(session=session, enrolment=other).count() == 1


@pytest.mark.django_db
def test_link_cannot_be_used_after_the_session_end(setup):
    order, session, other, third = setup
    token = dict((e.pk, t) for e, t in links_issue(session=session, now=AT))[third.pk]
    late = session.ends_at + dt.timedelta(seconds=1)
    with pytest.raises(SigningRefused, match="n'est pas valide"):
        signature_record_with_link(
            token=token, data_url=signature_data_url(), ip=None, user_agent="", now=late
        )
    assert not Signature.objects.filter(enrolment=third).exists()


@pytest.mark.django_db
def test_public_page_a_token_signs_only_for_its_own_trainee(setup, client):
    """The posted form cannot choose the trainee: the enrolment comes from the token only."""
    order, session, other, third = setup
    tomorrow = timezone.localdate() + dt.timedelta(days=1)  # the page checks links against the real clock
    session = session_open(session=SessionFactory(order=order, date=tomorrow))
    token = dict((e.pk, t) for e, t in links_issue(session=session))[other.pk]
    url = reverse("signing:public_sign", kwargs={"token": token})
    # the public page shows only the session and this trainee's name
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert str(other.trainee) in body and str(third.trainee) not in body
    response = client.post(
        url,
        {"signature": signature_data_url(), "enrolment": third.pk, "enrolment_id": third.pk},
        HTTP_USER_AGENT="Mobile Safari",
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 200
    assert "Merci" in response.content.decode()
    signature = Signature.objects.get(link__token_hash=token_digest(token))
    assert signature.enrolment == other
    assert (signature.ip, signature.user_agent) == ("203.0.113.7", "Mobile Safari")
    assert not Signature.objects.filter(enrolment=third).exists()
    again = client.post(url, {"signature": signature_data_url()})
    assert again.status_code == 403
    assert verify_chain(order).ok


@pytest.mark.django_db
def test_bogus_token_reveals_nothing(world, client):
    for method in (client.get, client.post):
        response = method(reverse("signing:public_sign", kwargs={"token": "pas-un-jeton"}))
        assert response.status_code == 403
        assert "n&#x27;est pas valide" in response.content.decode()


@pytest.mark.django_db
def test_new_links_revoke_the_previous_ones(setup):
    order, session, other, third = setup
    first = dict((e.pk, t) for e, t in links_issue(session=session, enrolments=[other], now=AT))[other.pk]
    second = dict((e.pk, t) for e, t in links_issue(session=session, enrolments=[other], now=AT))[other.pk]
    with pytest.raises(SigningRefused):
        signature_record_with_link(token=first, data_url=signature_data_url(), ip=None, user_agent="", now=AT)
    signature_record_with_link(token=second, data_url=signature_data_url(), ip=None, user_agent="", now=AT)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data_url, message",
    [
        ("", "Signez dans le cadre"),
        ("data:image/jpeg;base64,AAAA", "Signez dans le cadre"),
        ("data:image/png;base64,@@@", "n'a pas pu être lue"),
        ("data:image/png;base64,R0lGODlhAQABAAAAACw=", "doit être une image PNG"),
    ],
)
def test_bad_images_are_refused_and_the_link_survives(setup, data_url, message):
    order, session, other, third = setup
    token = dict((e.pk, t) for e, t in links_issue(session=session, now=AT))[other.pk]
    with pytest.raises(SigningRefused, match=message):
        signature_record_with_link(token=token, data_url=data_url, ip=None, user_agent="", now=AT)
    signature_record_with_link(token=token, data_url=signature_data_url(), ip=None, user_agent="", now=AT)


@pytest.mark.django_db
def test_blank_and_oversized_drawings_are_refused(setup):
    import base64
    import io

    from PIL import Image

    order, session, other, third = setup
    blank = io.BytesIO()
    Image.new("RGBA", (300, 120), (255, 255, 255, 0)).save(blank, format="PNG")
    with pytest.raises(SigningRefused, match="vide"):
        signature_record_on_device(
            session=session,
            enrolment=other,
            data_url="data:image/png;base64," + base64.b64encode(blank.getvalue()).decode(),
            ip=None,
            user_agent="",
        )
    noise = io.BytesIO()
    Image.frombytes("RGB", (400, 400), bytes(range(256)) * 1875).save(noise, format="PNG")
    big = noise.getvalue() + b"\x00" * (200 * 1024)
    with pytest.raises(SigningRefused, match="trop volumineuse"):
        signature_record_on_device(
            session=session,
            enrolment=other,
            data_url="data:image/png;base64," + base64.b64encode(big).decode(),
            ip=None,
            user_agent="",
        )
    assert not Signature.objects.filter(enrolment=other).exists()


@pytest.mark.django_db
def test_a_trainee_signs_once_per_session_and_only_when_enrolled(setup, world):
    order, session, other, third = setup
    with pytest.raises(SigningRefused, match="déjà signé"):
        signature_record_on_device(
            session=session,
            enrolment=world.objects["enrolment"],
            data_url=signature_data_url(),
            ip=None,
            user_agent="",
        )
    late = EnrolmentFactory(
        order=order,
        trainee=TraineeFactory(organisation=world.of1),
        entry_date=session.date + dt.timedelta(days=1),
    )
    with pytest.raises(SigningRefused, match="n'est pas inscrit"):
        signature_record_on_device(
            session=session, enrolment=late, data_url=signature_data_url(), ip=None, user_agent=""
        )
