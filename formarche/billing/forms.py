"""Forms of Validation / Facturation: shape only, the services decide."""

from django import forms

from formarche.utils.forms import StyledFormMixin
from formarche.utils.money import CENT

# <input type="date"> only takes ISO dates: a French-formatted initial value would show empty.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ValidatePeriodForm(StyledFormMixin, forms.Form):
    is_final = forms.BooleanField(
        label="Dernière période de l'action (CRE final)",
        required=False,
        help_text="Possible seulement une fois l'action fermée.",
    )


class SignedInvoiceForm(StyledFormMixin, forms.Form):
    signed_pdf = forms.FileField(
        label="Facture signée PDF",
        help_text="Le PDF de la facture, signé électroniquement, nommé selon la règle de nommage.",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )


class RejectForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label="Motif du rejet",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="L'organisme de formation lira ce motif pour émettre une facture corrigée.",
    )


class PaymentForm(StyledFormMixin, forms.Form):
    date = forms.DateField(label="Date de paiement", widget=DATE)
    amount = forms.DecimalField(
        label="Montant payé (€)",
        max_digits=14,
        decimal_places=2,
        min_value=CENT,
        localize=False,
    )
    reference = forms.CharField(label="Référence du mandat", max_length=80, required=False)


class AdjustmentForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label="Nature", choices=[("penalite", "Pénalité"), ("bonus", "Bonus")], initial="penalite"
    )
    label = forms.CharField(label="Libellé", max_length=200)
    amount = forms.DecimalField(
        label="Montant (€ HT)", max_digits=14, decimal_places=2, min_value=CENT, localize=False
    )
    reason = forms.CharField(
        label="Motif",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Obligatoire : l'organisme de formation le lit sur cette page et sur le solde.",
    )


class RepaymentForm(StyledFormMixin, forms.Form):
    date = forms.DateField(label="Date de réception du reversement", widget=DATE)
    reference = forms.CharField(
        label="Référence (titre de recette, virement…)", max_length=80, required=False
    )


class AmendmentForm(StyledFormMixin, forms.Form):
    """Avenant (ADR 0020): what is left empty does not change."""

    effective_date = forms.DateField(
        label="Date d'effet",
        widget=DATE,
        help_text="L'avenant s'applique aux relevés à partir du mois de cette date (jamais à une période déjà validée).",
    )
    volume_hours = forms.DecimalField(
        label="Nouveau volume (heures stagiaires)",
        max_digits=14,
        decimal_places=2,
        required=False,
        localize=False,
        help_text="Le montant en découle au prix unitaire. Ou bien indiquez le montant.",
    )
    amount = forms.DecimalField(
        label="Nouveau montant HT (€)", max_digits=12, decimal_places=2, required=False, localize=False
    )
    unit_price = forms.DecimalField(
        label="Nouveau prix unitaire HT (€ par heure stagiaire)",
        max_digits=10,
        decimal_places=4,
        required=False,
        localize=False,
        help_text="Seul, le prix garde le volume : le montant suit.",
    )
    planned_end = forms.DateField(label="Nouvelle date de fin prévisionnelle", widget=DATE, required=False)
    duration_months = forms.IntegerField(
        label="Nouvelle durée (mois)", min_value=1, max_value=1200, required=False
    )
    reason = forms.CharField(
        label="Motif de l'avenant", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class GroupForm(StyledFormMixin, forms.Form):
    """The group of an order (ADR 0018): up to three co-traitants with their shares; the
    mandataire (the order's organisme) gets the rest of the order amount."""

    ROWS = 3

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(str(o.pk), str(o)) for o in organisations]
        for index in range(1, self.ROWS + 1):
            self.fields[f"cotraitant_{index}"] = forms.ChoiceField(
                label=f"Co-traitant {index}", choices=choices, required=False
            )
            self.fields[f"part_{index}"] = forms.DecimalField(
                label=f"Part du co-traitant {index} (€ HT)",
                required=False,
                max_digits=12,
                decimal_places=2,
                min_value=CENT,
            )

    def clean(self):
        data = super().clean()
        rows = []
        for index in range(1, self.ROWS + 1):
            organisation, amount = data.get(f"cotraitant_{index}"), data.get(f"part_{index}")
            if organisation and amount is None:
                self.add_error(f"part_{index}", "Indiquez la part de ce co-traitant.")
            elif amount is not None and not organisation:
                self.add_error(f"cotraitant_{index}", "Choisissez l'organisme de cette part.")
            elif organisation:
                rows.append((int(organisation), amount))
        data["rows"] = rows
        return data
