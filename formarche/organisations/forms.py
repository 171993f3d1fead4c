from django import forms

from formarche.organisations.models import Organisation
from formarche.utils.forms import StyledFormMixin


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
