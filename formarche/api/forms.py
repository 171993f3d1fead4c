"""The form of the token page (Gestion organisme → Jetons d'API)."""

import datetime as dt

from django import forms
from django.utils import timezone

from formarche.api import scopes as api_scopes
from formarche.utils.forms import StyledFormMixin

DEFAULT_DAYS = 90


class ApiTokenForm(StyledFormMixin, forms.Form):
    name = forms.CharField(
        label="Nom du jeton",
        max_length=100,
        help_text="Pour le reconnaître : le logiciel ou le partenaire qui l'utilise.",
        error_messages={"required": "Donnez un nom au jeton (par exemple « Logiciel d'émargement »)."},
    )
    expires_on = forms.DateField(
        label="Expire le",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Au plus un an après aujourd'hui.",
        error_messages={
            "required": "Indiquez une date d'expiration (au plus un an).",
            "invalid": "Date d'expiration attendue au format JJ/MM/AAAA.",
        },
    )
    scopes = forms.MultipleChoiceField(
        label="Portées",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choisissez au moins une portée (lecture ou écriture d'un domaine).",
            "invalid_choice": "Portée non disponible pour votre organisation : %(value)s.",
        },
    )

    def __init__(self, *args, is_region: bool, **kwargs):
        kwargs.setdefault("initial", {"expires_on": timezone.localdate() + dt.timedelta(days=DEFAULT_DAYS)})
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = api_scopes.choices_for(is_region=is_region)
        self.fields["scopes"].widget.attrs["class"] = "form-check-input"
