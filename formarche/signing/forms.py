"""Shape only: the rules are in services.py."""

from datetime import time
from decimal import Decimal

from django import forms

from formarche.signing.models import HalfDay
from formarche.ui.forms import StyledFormMixin

WEEKDAYS = [(0, "Lundi"), (1, "Mardi"), (2, "Mercredi"), (3, "Jeudi"), (4, "Vendredi"), (5, "Samedi")]


class ScheduleForm(StyledFormMixin, forms.Form):
    first = forms.DateField(label="Du", widget=forms.DateInput(attrs={"type": "date"}))
    last = forms.DateField(label="Au", widget=forms.DateInput(attrs={"type": "date"}))
    weekdays = forms.TypedMultipleChoiceField(
        label="Jours de la semaine",
        choices=WEEKDAYS,
        coerce=int,
        initial=[0, 1, 2, 3, 4],
        widget=forms.CheckboxSelectMultiple,
    )
    half_days = forms.MultipleChoiceField(
        label="Demi-journées",
        choices=HalfDay.choices,
        initial=[HalfDay.MORNING, HalfDay.AFTERNOON],
        widget=forms.CheckboxSelectMultiple,
    )
    morning_start = forms.TimeField(
        label="Matin : début", initial=time(9, 0), widget=forms.TimeInput(attrs={"type": "time"})
    )
    morning_end = forms.TimeField(
        label="Matin : fin", initial=time(12, 30), widget=forms.TimeInput(attrs={"type": "time"})
    )
    morning_hours = forms.DecimalField(
        label="Matin : heures comptées",
        initial=Decimal("3.50"),
        max_digits=4,
        decimal_places=2,
        min_value=Decimal("0.25"),
        localize=True,
    )
    afternoon_start = forms.TimeField(
        label="Après-midi : début", initial=time(13, 30), widget=forms.TimeInput(attrs={"type": "time"})
    )
    afternoon_end = forms.TimeField(
        label="Après-midi : fin", initial=time(17, 0), widget=forms.TimeInput(attrs={"type": "time"})
    )
    afternoon_hours = forms.DecimalField(
        label="Après-midi : heures comptées",
        initial=Decimal("3.50"),
        max_digits=4,
        decimal_places=2,
        min_value=Decimal("0.25"),
        localize=True,
    )
    trainer_name = forms.CharField(label="Formateur", max_length=150, required=False)
    skip_holidays = forms.BooleanField(label="Sauter les jours fériés", required=False, initial=True)
