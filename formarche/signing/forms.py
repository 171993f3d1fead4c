"""Shape only: the rules are in services/."""

from datetime import time
from decimal import Decimal

from django import forms

from formarche.signing.models import HalfDay
from formarche.utils.forms import StyledFormMixin

WEEKDAYS = [(0, "Lundi"), (1, "Mardi"), (2, "Mercredi"), (3, "Jeudi"), (4, "Vendredi"), (5, "Samedi")]

# <input type="date"> and <input type="time"> only take ISO values (2023-12-04, 09:00): the French
# formats (04/12/2023, 09:00:00) left the date fields empty in the browser.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class ScheduleForm(StyledFormMixin, forms.Form):
    first = forms.DateField(label="Du", widget=DATE)
    last = forms.DateField(label="Au", widget=DATE)
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
    morning_start = forms.TimeField(label="Matin : début", initial=time(9, 0), widget=TIME)
    morning_end = forms.TimeField(label="Matin : fin", initial=time(12, 30), widget=TIME)
    morning_hours = forms.DecimalField(
        label="Matin : heures comptées",
        initial=Decimal("3.50"),
        max_digits=4,
        decimal_places=2,
        min_value=Decimal("0.25"),
        localize=True,
    )
    afternoon_start = forms.TimeField(label="Après-midi : début", initial=time(13, 30), widget=TIME)
    afternoon_end = forms.TimeField(label="Après-midi : fin", initial=time(17, 0), widget=TIME)
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

    DATE_FIELDS = ("first", "last")
    HALF_DAY_FIELDS = (
        "morning_start",
        "morning_end",
        "morning_hours",
        "afternoon_start",
        "afternoon_end",
        "afternoon_hours",
    )

    def date_fields(self):
        """The two dates of the schedule (one row of the page)."""
        return [self[name] for name in self.DATE_FIELDS]

    def half_day_fields(self):
        """Start, end and hours of each half-day (one row of the page)."""
        return [self[name] for name in self.HALF_DAY_FIELDS]
