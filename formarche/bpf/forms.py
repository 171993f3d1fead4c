"""Forms of the BPF pages: shape only (services decide)."""

from django import forms

from formarche.bpf.models import OtherProduct, SubcontractingDirection, TrainerHoursKind, TrainerStatus
from formarche.utils.forms import StyledFormMixin

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FiscalYearForm(StyledFormMixin, forms.Form):
    start = forms.DateField(label="Début de l'exercice", widget=DATE)
    end = forms.DateField(label="Fin de l'exercice (date de clôture)", widget=DATE)


class ManualAccountsForm(StyledFormMixin, forms.Form):
    total_turnover = forms.DecimalField(
        label="Chiffre d'affaires global HT (€)",
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text="Vide : la somme des comptes 70 importés.",
    )
    training_charges = forms.DecimalField(
        label="Total des charges liées à la formation (€)",
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text="Vide : la somme des comptes de classe 6, après clé de répartition.",
    )
    trainer_salaries = forms.DecimalField(
        label="dont salaires des formateurs (€)", required=False, max_digits=14, decimal_places=2
    )
    training_purchases = forms.DecimalField(
        label="dont achats de formation et honoraires (€)", required=False, max_digits=14, decimal_places=2
    )
    allocation_rate = forms.DecimalField(
        label="Clé de répartition des charges mixtes",
        max_digits=7,
        decimal_places=6,
        min_value=0,
        max_value=1,
        help_text="1 pour 100 % ; 0,6 si 60 % des charges de l'organisme relèvent de la formation.",
    )


class AccountsUploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label="FEC (tabulation ou « | ») ou balance comptable (CSV)",
        help_text="Seules les classes 6 et 7 sont lues ; un fichier avec une ligne invalide est refusé en entier.",
    )


class AccountLineForm(StyledFormMixin, forms.Form):
    account = forms.CharField(label="Compte", max_length=20)
    label = forms.CharField(label="Libellé", max_length=200, required=False)
    debit = forms.DecimalField(label="Débit (€)", max_digits=14, decimal_places=2, initial=0)
    credit = forms.DecimalField(label="Crédit (€)", max_digits=14, decimal_places=2, initial=0)
    training_share = forms.DecimalField(
        label="Part formation (0 à 1)",
        required=False,
        max_digits=7,
        decimal_places=6,
        min_value=0,
        max_value=1,
    )


class FiledForm(StyledFormMixin, forms.Form):
    filed_on = forms.DateField(label="Date du dépôt", widget=DATE)


class TrainerForm(StyledFormMixin, forms.Form):
    last_name = forms.CharField(label="Nom", max_length=120)
    first_name = forms.CharField(label="Prénom", max_length=120, required=False)
    email = forms.EmailField(label="Courriel", required=False)


class TrainerStatusForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(label="Statut", choices=TrainerStatus.choices)
    start = forms.DateField(label="Du", widget=DATE)
    end = forms.DateField(label="Au (vide : en cours)", widget=DATE, required=False)


class TrainerHoursForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label="Nature", choices=TrainerHoursKind.choices)
    day = forms.DateField(label="Jour (ou un jour du mois)", widget=DATE)
    hours = forms.DecimalField(label="Heures dispensées", max_digits=9, decimal_places=2, min_value=0)
    order = forms.ModelChoiceField(label="Action (facultatif)", queryset=None, required=False)

    def __init__(self, *args, orders=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].queryset = orders


class OtherProductForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = OtherProduct
        fields = ["on", "label", "kind", "other_kind", "payer", "amount", "order"]
        widgets = {"on": DATE}

    def __init__(self, *args, orders=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].queryset = orders


class SubcontractingForm(StyledFormMixin, forms.Form):
    direction = forms.ChoiceField(label="Sens", choices=SubcontractingDirection.choices)
    partner_name = forms.CharField(label="Autre organisme de formation", max_length=200)
    partner_siret = forms.CharField(label="SIRET de l'autre organisme", max_length=14, required=False)
