"""The closing gate: billing asks the closing area, through the provider ``ClosingConfig.ready()``
registers, what stands between an action and its CRE final — and so its solde. Same refusals,
same French messages, with no import of ``closing`` in billing."""

import pytest

from formarche.billing import closing_gate, services
from formarche.billing.models import Solde
from tests.billing.workflow import APRIL, MARCH, seed_order, validate
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

NOT_AVAILABLE = (
    "Le solde n'est pas encore disponible. Le CRE final n'est pas validé : fermez l'action, puis "
    "validez la dernière période comme CRE final (Validation / Facturation)."
)


@pytest.fixture
def order_and_user():
    region = OrganisationFactory(region=True, name="Région Occitanie")
    provider = OrganisationFactory(name="Formations Agricoles du Tarn", provider_code="IN1331")
    of_user = UserFactory()
    return seed_order(region=region, provider=provider), of_user


def test_closing_registers_its_provider_at_startup():
    from formarche.closing.apps import closing_state

    assert closing_gate._PROVIDERS == [closing_state]


def test_the_solde_of_an_action_not_closed_is_refused_with_the_same_message(order_and_user):
    order, of_user = order_and_user
    validate(order, MARCH, of_user)
    with pytest.raises(services.BillingError) as error:
        services.solde_issue(order=order, user=of_user)
    assert str(error.value) == NOT_AVAILABLE
    assert not Solde.objects.exists()


def test_the_cre_final_of_an_action_not_closed_names_what_is_missing(order_and_user):
    order, of_user = order_and_user
    validate(order, MARCH, of_user)
    missing = closing_gate.closing_missing(order)
    assert missing[-1] == "La fermeture de l'action (menu Fermeture › Fermeture de l'action)"
    with pytest.raises(services.BillingError) as error:
        validate(order, APRIL, of_user, is_final=True)
    assert str(error.value) == (
        "La période finale (CRE final) ne peut être validée qu'une fois l'action fermée. "
        f"Il manque : {' ; '.join(missing)}."
    )


def test_the_gate_asks_the_registered_provider(monkeypatch):
    monkeypatch.setattr(closing_gate, "_PROVIDERS", [lambda order: (["Une sortie manque"], False)])
    assert closing_gate.closing_missing(object()) == ["Une sortie manque", closing_gate.NOT_CLOSED]
    monkeypatch.setattr(closing_gate, "_PROVIDERS", [lambda order: ([], True)])
    assert closing_gate.closing_missing(object()) == []


def test_without_a_provider_the_gate_refuses_to_answer(monkeypatch):
    monkeypatch.setattr(closing_gate, "_PROVIDERS", [])
    with pytest.raises(RuntimeError):
        closing_gate.closing_missing(object())
