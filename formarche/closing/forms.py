"""Forms of the closing area: shape only (the rules live in services.py)."""

from django import forms

from formarche.closing.models import CertificationResult, ChangeKind, Situation
from formarche.trainees.models import ExitReason
from formarche.utils.forms import StyledFormMixin

# <input type="date"> only takes ISO dates: a French-formatted value would show an empty field.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ExitRowForm(StyledFormMixin, forms.Form):
    """One component's exit in the trainee's exit form (prefix = the component's id)."""

    exit_date = forms.DateField(label="Date de sortie", required=False, widget=DATE)
    reason = forms.ChoiceField(label="Motif", required=False, choices=[("", "—")] + ExitReason.choices)
    reason_detail = forms.CharField(label="Précision (abandon, autre)", required=False, max_length=250)

    def clean(self):
        data = super().clean()
        if data.get("exit_date") and not data.get("reason"):
            self.add_error("reason", "Indiquez le motif de sortie.")
        return data


class SameExitForm(StyledFormMixin, forms.Form):
    """« Même sortie sur toutes les composantes »."""

    same_for_all = forms.BooleanField(label="Même sortie sur toutes les composantes", required=False)
    exit_date = forms.DateField(label="Date de sortie", required=False, widget=DATE)
    reason = forms.ChoiceField(label="Motif", required=False, choices=[("", "—")] + ExitReason.choices)
    reason_detail = forms.CharField(label="Précision (abandon, autre)", required=False, max_length=250)
    certification_result = forms.ChoiceField(
        label="Résultat de la certification",
        required=False,
        choices=[("", "Non renseigné")] + CertificationResult.choices,
    )

    def clean(self):
        data = super().clean()
        if data.get("same_for_all") and not data.get("exit_date"):
            self.add_error("exit_date", "Indiquez la date de sortie commune.")
        if data.get("same_for_all") and not data.get("reason"):
            self.add_error("reason", "Indiquez le motif de sortie commun.")
        return data


class SituationForm(StyledFormMixin, forms.Form):
    situation = forms.ChoiceField(label="Situation", required=False, choices=[("", "—")] + Situation.choices)
    job_title = forms.CharField(label="Intitulé du poste", required=False, max_length=200)
    employer_postcode = forms.RegexField(
        label="Code postal de l'employeur",
        required=False,
        regex=r"^[0-9]{5}$",
        error_messages={"invalid": "Le code postal compte 5 chiffres."},
        max_length=5,
        help_text="5 chiffres. Obligatoire, avec l'intitulé du poste, pour une situation d'emploi.",
    )
    comment = forms.CharField(label="Commentaire", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class PublicSituationForm(SituationForm):
    situation = forms.ChoiceField(label="Votre situation aujourd'hui", choices=Situation.choices)
    job_title = forms.CharField(
        label="Intitulé de votre poste (si vous travaillez)", required=False, max_length=200
    )


class RealEndForm(StyledFormMixin, forms.Form):
    real_end = forms.DateField(label="Date de fin réelle", widget=DATE)


class DecisionForm(StyledFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label="Décision", choices=[("approve", "Accepter"), ("refuse", "Refuser")], widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label="Commentaire",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Obligatoire pour un refus.",
    )


class ChangeRequestForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label="Objet de la demande", choices=ChangeKind.choices)
    end_date = forms.DateField(label="Nouvelle date de fin", required=False, widget=DATE)
    volume_hours = forms.DecimalField(
        label="Nouveau volume (heures stagiaires)",
        required=False,
        max_digits=10,
        decimal_places=2,
        min_value=0,
    )
    unit_price = forms.DecimalField(
        label="Nouveau prix unitaire HT (€ par heure stagiaire)",
        required=False,
        max_digits=10,
        decimal_places=4,
        min_value=0,
    )
    enrolment = forms.TypedChoiceField(
        label="Stagiaire concerné", required=False, coerce=int, empty_value=None
    )
    last_name = forms.CharField(label="Nom corrigé", required=False, max_length=120)
    first_name = forms.CharField(label="Prénom corrigé", required=False, max_length=120)
    birth_date = forms.DateField(label="Date de naissance corrigée", required=False, widget=DATE)
    reason = forms.CharField(label="Motif de la demande", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, enrolments=(), identity_only=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrolment"].choices = [("", "—")] + [(e.pk, str(e.trainee)) for e in enrolments]
        if identity_only:  # a closed action: what closing freezes is not offered
            self.fields["kind"].choices = [(ChangeKind.TRAINEE_IDENTITY, ChangeKind.TRAINEE_IDENTITY.label)]
            for name in ("end_date", "volume_hours", "unit_price"):
                del self.fields[name]

    def new_values(self) -> dict:
        data = self.cleaned_data
        kind = data["kind"]
        if kind == ChangeKind.END_DATE:
            return {"end_date": data.get("end_date")}
        if kind == ChangeKind.VOLUME:
            return {"volume_hours": data.get("volume_hours")}
        if kind == ChangeKind.UNIT_PRICE:
            return {"unit_price": data.get("unit_price")}
        return {
            "last_name": data.get("last_name") or "",
            "first_name": data.get("first_name") or "",
            "birth_date": data.get("birth_date"),
        }


class ReopenForm(StyledFormMixin, forms.Form):
    """« Rouvrir l'action » (Région): the reason the OF reads."""

    reason = forms.CharField(
        label="Motif de la réouverture",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Ce qui doit être corrigé (une sortie, des heures) : l'organisme le lit dans le courriel et sur la page.",
        error_messages={"required": "Indiquez le motif de la réouverture."},
    )
