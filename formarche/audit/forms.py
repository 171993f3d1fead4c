"""The Journal's filters (shape only)."""

from django import forms

from formarche.audit.selectors import ACTIONS, JournalFilters, journal_users, kind_choices
from formarche.utils.forms import StyledFormMixin


class JournalFilterForm(StyledFormMixin, forms.Form):
    date_from = forms.DateField(label="Du", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="Au", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label="Type d'objet", required=False)
    user = forms.ModelChoiceField(label="Utilisateur", required=False, queryset=None, empty_label="Tous")
    action = forms.ChoiceField(label="Opération", required=False, choices=[("", "Toutes"), *ACTIONS.items()])

    def __init__(self, *args, tenant, for_order=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Tous"), *kind_choices(for_order=for_order)]
        self.fields["user"].queryset = journal_users(tenant)
        if for_order:
            self.fields["action"].choices = [c for c in self.fields["action"].choices if c[0] != "i"]

    def filters(self) -> JournalFilters:
        if not self.is_valid():
            return JournalFilters()
        data = self.cleaned_data
        return JournalFilters(
            date_from=data["date_from"],
            date_to=data["date_to"],
            kind=data["kind"],
            user_id=data["user"].pk if data["user"] else None,
            action=data["action"],
        )
