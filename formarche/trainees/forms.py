"""Forms of the trainee pages: shape only (the rules live in services.py)."""

from django import forms

from formarche.trainees.models import Enrolment, ExitReason, Payer, Trainee
from formarche.utils.forms import StyledFormMixin


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class TraineeForm(StyledFormMixin, forms.ModelForm):
    confirm_duplicate = forms.BooleanField(
        label="Enregistrer quand même",
        required=False,
        help_text="À cocher seulement s'il s'agit bien d'une autre personne que le stagiaire déjà enregistré.",
    )

    class Meta:
        model = Trainee
        fields = [
            "civility",
            "last_name",
            "first_name",
            "birth_date",
            "entry_status",
            "email",
            "phone",
            "city",
            "external_ref",
        ]
        widgets = {"birth_date": DateInput()}

    def __init__(self, *args, show_confirmation=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not show_confirmation:
            del self.fields["confirm_duplicate"]

    def validate_unique(self):
        """Uniqueness (external identifier) is checked by the service, within the OF's registry."""


class TraineeSearchForm(forms.Form):
    q = forms.CharField(
        label="Rechercher (nom, prénom, courriel, identifiant)", required=False, max_length=100
    )


class EnrolForm(StyledFormMixin, forms.Form):
    trainees = forms.ModelMultipleChoiceField(
        label="Stagiaires à inscrire",
        queryset=Trainee.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choisissez au moins un stagiaire."},
    )
    entry_date = forms.DateField(label="Date d'entrée", widget=DateInput())
    planned_hours = forms.DecimalField(
        label="Heures prévues", min_value=0, max_digits=7, decimal_places=2, localize=True
    )
    payer = forms.ChoiceField(label="Financeur (ligne C du BPF)", choices=Payer.choices, initial=Payer.REGION)
    scheme = forms.CharField(label="Dispositif de financement", required=False, max_length=120)
    confirm_over_headcount = forms.BooleanField(required=False)

    def __init__(self, *args, registry=None, headcount_label="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trainees"].queryset = registry if registry is not None else Trainee.objects.none()
        self.fields["confirm_over_headcount"].label = (
            headcount_label or "Je confirme l'inscription au-delà de l'effectif prévu"
        )


class EnrolmentForm(StyledFormMixin, forms.ModelForm):
    """Entry, planned hours, payer — and the exit (date and reason)."""

    planned_hours = forms.DecimalField(
        label="Heures prévues", min_value=0, max_digits=7, decimal_places=2, localize=True
    )

    class Meta:
        model = Enrolment
        fields = [
            "entry_date",
            "planned_hours",
            "payer",
            "scheme",
            "exit_date",
            "exit_reason",
            "exit_reason_detail",
        ]
        widgets = {"entry_date": DateInput(), "exit_date": DateInput()}

    def __init__(self, *args, exit_by_component: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exit_reason"].choices = [("", "—")] + list(ExitReason.choices)
        if exit_by_component:
            # The action has components: exits are declared per component (Fermeture › Sortie des
            # stagiaires), and the enrolment's exit follows the latest one. Shown here, not edited.
            for name in ("exit_date", "exit_reason", "exit_reason_detail"):
                self.fields[name].disabled = True
                self.fields[name].required = False
            self.fields[
                "exit_date"
            ].help_text = "La sortie se déclare composante par composante dans « Sortie des stagiaires »."

    def _post_clean(self):
        """No model validation here: the service checks and refuses in French."""


class EnrolmentFundingForm(StyledFormMixin, forms.Form):
    """A co-funding: payer, and a flat amount or an hourly rate (the service checks which)."""

    prefix = "cofinancement"

    payer = forms.ChoiceField(label="Cofinanceur (ligne C du BPF)", choices=[("", "—"), *Payer.choices])
    amount = forms.DecimalField(
        label="Montant forfaitaire HT (€)",
        required=False,
        max_digits=12,
        decimal_places=2,
        localize=True,
        help_text="Pour toute l'inscription : le BPF le compte au prorata des heures réalisées.",
    )
    hourly_rate = forms.DecimalField(
        label="ou tarif horaire HT (€ par heure)",
        required=False,
        max_digits=10,
        decimal_places=4,
        localize=True,
        help_text="Par heure réalisée ou non réalisée comptabilisée. Indiquez l'un ou l'autre, pas les deux.",
    )
    label = forms.CharField(
        label="Libellé", required=False, max_length=120, help_text="Par exemple « reste à charge CPF »."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payer"].error_messages["required"] = "Choisissez le cofinanceur."
