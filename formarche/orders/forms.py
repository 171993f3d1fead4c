"""Forms of the orders pages: shape only (the rules are in rules.py and services/)."""

from decimal import Decimal

from django import forms

from formarche.accounts.selectors import region_users
from formarche.orders.models import (
    CertificationType,
    ChorusBillingFrame,
    Dispositif,
    Lot,
    Market,
    OrderStatus,
    ProviderRole,
    RncpLevel,
    TrainingKind,
)
from formarche.orders.nsf import NSF_CHOICES
from formarche.orders.rules import OrderError, certification_error, parse_components
from formarche.orders.selectors import providers_matching, tenant_dispositifs, tenant_lots, tenant_markets
from formarche.orders.terms import parse_bands
from formarche.organisations.models import Organisation
from formarche.utils.forms import StyledFormMixin
from formarche.utils.parsing import ParseError, parse_decimal

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class FrenchDecimalField(forms.CharField):
    """Accepts ``11,80`` as well as ``11.80`` and ``57 820,00``."""

    def __init__(self, *, positive=True, places=2, value_label="Le nombre", **kwargs):
        self.positive, self.places, self.value_label = positive, places, value_label
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_decimal(value, label=self.value_label, positive=self.positive, places=self.places)
        except ParseError as exc:
            raise forms.ValidationError(str(exc)) from exc


class PercentField(FrenchDecimalField):
    """A rate typed as a percentage (``30`` or ``30,5``) and returned as a fraction (0.30)."""

    def __init__(self, **kwargs):
        super().__init__(positive=False, places=4, value_label="Le taux", **kwargs)

    def to_python(self, value):
        number = super().to_python(value)
        if number is None:
            return None
        if not Decimal(0) <= number <= 100:
            raise forms.ValidationError("Un taux est compris entre 0 et 100 %.")
        return number / 100


class OrderFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label="Numéro ou intitulé", required=False, max_length=60)
    dispositif = forms.ModelChoiceField(
        label="Dispositif", queryset=Dispositif.objects.none(), required=False
    )
    lot = forms.ModelChoiceField(label="Lot", queryset=Lot.objects.none(), required=False)
    provider = forms.ModelChoiceField(label="Organisme", queryset=Organisation.objects.none(), required=False)
    status = forms.ChoiceField(label="Statut", choices=[("", "Tous")] + OrderStatus.choices, required=False)

    def __init__(self, *args, choices, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dispositif"].queryset = choices["dispositifs"]
        self.fields["lot"].queryset = choices["lots"]
        self.fields["provider"].queryset = choices["providers"]
        for name in ("dispositif", "lot", "provider"):
            self.fields[name].empty_label = "Tous"
        if tenant.is_of:
            del self.fields["provider"]

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "search": data.get("q") or "",
            "dispositif": data["dispositif"].pk if data.get("dispositif") else None,
            "lot": data["lot"].pk if data.get("lot") else None,
            "provider": data["provider"].pk if data.get("provider") else None,
            "status": data.get("status") or None,
        }


class OpeningForm(StyledFormMixin, forms.Form):
    actual_start = forms.DateField(
        label="Date de début confirmée", input_formats=DATE_FORMATS, widget=DateInput()
    )
    place = forms.CharField(label="Lieu de formation", max_length=250)
    certification_type = forms.ChoiceField(label="Certification visée", choices=CertificationType.choices)
    certification_code = forms.CharField(
        label="Code RNCP ou RS",
        required=False,
        max_length=20,
        help_text="Par exemple RNCP38233 ou RS5487. Vide pour un CQP non enregistré ou une formation sans certification.",
    )
    certification_level = forms.ChoiceField(
        label="Niveau de qualification (RNCP)",
        choices=RncpLevel.choices,
        required=False,
        help_text="Pour un CQP enregistré au RNCP, « Sans niveau » s'il n'en a pas.",
    )
    nsf_code = forms.ChoiceField(label="Spécialité de formation (NSF)", choices=NSF_CHOICES)
    training_kind = forms.ChoiceField(label="Nature de l'action", choices=TrainingKind.choices)
    distance_part = forms.BooleanField(label="Réalisée en tout ou partie à distance", required=False)

    def clean_certification_code(self):
        return (self.cleaned_data.get("certification_code") or "").strip().upper()

    def clean(self):
        data = super().clean()
        kind = data.get("certification_type")
        if kind:
            message = certification_error(kind, data.get("certification_code", ""))
            if message:
                self.add_error("certification_code", message)
        return data


class OrderCreateForm(StyledFormMixin, forms.Form):
    number = forms.CharField(
        label="Numéro du bon de commande", max_length=40, help_text="Par exemple 23Q00030612_1."
    )
    title = forms.CharField(label="Intitulé de l'action", max_length=250)
    lot = forms.ModelChoiceField(label="Lot", queryset=Lot.objects.none())
    dispositif = forms.ModelChoiceField(label="Dispositif", queryset=Dispositif.objects.none())
    provider = forms.CharField(
        label="Organisme de formation",
        max_length=200,
        help_text="Code prestataire (par exemple IN1331) ou raison sociale exacte.",
        widget=forms.TextInput(attrs={"list": "organismes-connus", "autocomplete": "off"}),
    )
    provider_role = forms.ChoiceField(label="Statut de l'organisme", choices=ProviderRole.choices)
    unit_price = FrenchDecimalField(
        label="Prix unitaire HT (€ par heure stagiaire)", places=4, value_label="Le prix unitaire"
    )
    amount = FrenchDecimalField(label="Montant HT de la commande (€)", value_label="Le montant HT")
    planned_start = forms.DateField(
        label="Date de début prévisionnelle", input_formats=DATE_FORMATS, widget=DateInput()
    )
    planned_end = forms.DateField(
        label="Date de fin prévisionnelle", input_formats=DATE_FORMATS, widget=DateInput()
    )
    duration_months = forms.IntegerField(label="Durée (mois)", min_value=1, max_value=120)
    planned_headcount = forms.IntegerField(label="Effectif prévu", min_value=0, initial=0, required=False)
    advance_paid = forms.BooleanField(label="Avance versée", required=False, initial=True)
    referent = forms.ModelChoiceField(
        label="Référent administratif et financier", queryset=Organisation.objects.none(), required=False
    )
    components = forms.CharField(
        label="Composantes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Une composante par ligne : « C1 - Remise à niveau » ou simplement l'intitulé.",
    )

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        self.fields["lot"].queryset = tenant_lots(tenant)
        self.fields["dispositif"].queryset = tenant_dispositifs(tenant)
        self.fields["referent"].queryset = region_users(tenant)
        self.fields["referent"].label_from_instance = lambda u: str(u)

    def clean_provider(self):
        value = self.cleaned_data["provider"].strip()
        match = providers_matching(value)
        if not match:
            raise forms.ValidationError(f"Aucun organisme de formation n'a le code ou le nom « {value} ».")
        if len(match) > 1:
            raise forms.ValidationError("Plusieurs organismes portent ce nom : indiquez le code prestataire.")
        return match[0]

    def clean_components(self):
        try:
            return parse_components(self.cleaned_data.get("components", ""))
        except OrderError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean(self):
        data = super().clean()
        start, end = data.get("planned_start"), data.get("planned_end")
        if start and end and end < start:
            self.add_error("planned_end", "La date de fin prévisionnelle doit suivre la date de début.")
        if data.get("planned_headcount") is None:
            data["planned_headcount"] = 0
        return data


class MarketForm(StyledFormMixin, forms.Form):
    reference = forms.CharField(label="Référence du marché", max_length=60)
    title = forms.CharField(label="Intitulé", max_length=250)
    year = forms.IntegerField(label="Année", min_value=2000, max_value=2100, required=False)


class LotForm(StyledFormMixin, forms.Form):
    market = forms.ModelChoiceField(label="Marché", queryset=Market.objects.none())
    number = forms.IntegerField(label="Numéro de lot", min_value=1)
    sector = forms.CharField(label="Secteur", max_length=120, help_text="Par exemple AGRICULTURE.")
    trade_family = forms.CharField(label="Famille de métiers", max_length=200)
    territory = forms.CharField(
        label="Territoire", max_length=200, help_text="Par exemple DEPARTEMENT DU TARN."
    )
    pricing_unit = forms.CharField(
        label="Unité de prix", max_length=10, initial="HSTA", help_text="HSTA : heure stagiaire."
    )

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["market"].queryset = tenant_markets(tenant)


class DispositifForm(StyledFormMixin, forms.Form):
    code = forms.SlugField(label="Code", max_length=60, help_text="Par exemple parcours-qualifiants.")
    name = forms.CharField(label="Nom", max_length=150)
    advance_rate = PercentField(
        label="Taux d'avance (%)", initial="30", help_text="0 si le dispositif ne prévoit pas d'avance."
    )
    cap_rate = PercentField(
        label="Taux de plafonnement (%)", required=False, initial="80", help_text="Vide : pas de plafond."
    )
    vat_rate = PercentField(label="Taux de TVA (%)", initial="0")
    resorption_bands = forms.CharField(
        label="Tranches de résorption de l'avance",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Une tranche par ligne « de % ; à % ; fraction », par exemple « 10 ; 20 ; 1/3 ». "
        "Vide : les tranches du guide (10-20 % : 1/3, 30-40 % : 2/3, 50-60 % : 3/3).",
    )

    def clean_resorption_bands(self):
        bands = []
        for line in (self.cleaned_data.get("resorption_bands") or "").splitlines():
            if not line.strip():
                continue
            parts = [p.strip().replace(",", ".") for p in line.split(";")]
            if len(parts) != 3:
                raise forms.ValidationError(
                    f"Tranche « {line.strip()} » : attendu « de % ; à % ; fraction »."
                )
            bands.append(parts)
        try:
            parse_bands(bands)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return bands


class ChorusForm(StyledFormMixin, forms.Form):
    """The Chorus Pro fields of an order (the Région's), carried on every Factur-X issued after."""

    billing_frame = forms.ChoiceField(
        label="Cadre de facturation",
        choices=[("", "— non indiqué —"), *ChorusBillingFrame.choices],
        required=False,
        help_text="Écrit dans le Factur-X comme type de processus (BT-23).",
    )
    commitment_number = forms.CharField(
        label="Numéro d'engagement juridique",
        max_length=50,
        required=False,
        help_text="Référence de la commande de l'acheteur (BT-13) ; à défaut, le numéro du bon de commande.",
    )
    service_code = forms.CharField(
        label="Code service",
        max_length=100,
        required=False,
        help_text="Service destinataire de la Région dans Chorus Pro (référence de l'acheteur, BT-10).",
    )
