from django import forms
from django.contrib.auth.forms import AuthenticationForm

from formarche.accounts.models import Role, User
from formarche.organisations.models import Organisation
from formarche.utils.forms import StyledFormMixin


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="Adresse électronique",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email", "class": "form-control"}),
    )
    password = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "class": "form-control"}),
    )
    error_messages = {
        "invalid_login": "Adresse électronique ou mot de passe incorrect.",
        "inactive": "Ce compte est désactivé.",
    }


class MemberInviteForm(StyledFormMixin, forms.Form):
    email = forms.EmailField(label="Adresse électronique")
    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    role = forms.ChoiceField(label="Rôle")

    def __init__(self, *args, allowed_roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r.value, r.label) for r in Role if r in allowed_roles]

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class OrganisationIdentityForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Organisation
        fields = [
            "name",
            "legal_form",
            "siret",
            "nda",
            "nda_region",
            "naf_code",
            "vat_number",
            "address",
            "postcode",
            "city",
            "address_public",
            "phone",
            "email",
            "director_name",
            "director_role",
        ]

    def clean_siret(self):
        return (self.cleaned_data.get("siret") or "").replace(" ", "")

    def clean_nda(self):
        return (self.cleaned_data.get("nda") or "").replace(" ", "")


__all__ = ["LoginForm", "MemberInviteForm", "OrganisationIdentityForm", "User"]
