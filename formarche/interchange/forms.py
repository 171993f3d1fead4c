from datetime import date

from django import forms

from formarche.utils.forms import StyledFormMixin


class ExportForm(StyledFormMixin, forms.Form):
    start = forms.DateField(label="Du", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="Au", widget=forms.DateInput(attrs={"type": "date"}))

    @classmethod
    def with_defaults(cls, today: date):
        return cls(initial={"start": date(today.year - 1, 1, 1), "end": today})


class ImportForm(StyledFormMixin, forms.Form):
    document = forms.FileField(
        label="Document d'échange (JSON)",
        help_text="Le fichier produit par « Exporter » ou par formarche export (docs/interchange.md).",
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )
