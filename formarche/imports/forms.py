from django import forms

from formarche.utils.forms import StyledFormMixin


class ImportForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label="Que contient le fichier ?",
        choices=[
            ("stagiaires", "Des stagiaires (et leur inscription sur une action)"),
            ("heures", "Des heures (journalières ou totaux mensuels)"),
        ],
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label="Fichier CSV ou XLSX",
        help_text="CSV séparé par des points-virgules ou des virgules (UTF-8 ou Windows-1252), ou classeur Excel .xlsx ; 20 Mo au plus.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    confirm_over_headcount = forms.BooleanField(
        label="Je confirme les inscriptions au-delà de l'effectif prévu",
        required=False,
        help_text="Pour un fichier de stagiaires qui dépasse l'effectif prévu d'une action.",
    )


class OrderImportForm(StyledFormMixin, forms.Form):
    """The Région's orders file (Imports of bons de commande, page ``imports:orders``)."""

    file = forms.FileField(
        label="Fichier des commandes",
        help_text="Fichier .csv (séparateur ; ou ,) ou .xlsx, 5 Mo au plus, avec les colonnes du modèle.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
