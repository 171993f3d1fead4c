"""The form that starts an export job: its kind and its one parameter (a month or a fiscal year)."""

from __future__ import annotations

import re

from django import forms

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class StartForm(forms.Form):
    kind = forms.CharField(widget=forms.HiddenInput, max_length=40)
    value = forms.CharField(label="Période", max_length=20)

    def clean_value(self):
        return self.cleaned_data["value"].strip()


def month_or_none(value: str) -> str | None:
    """``"2026-03"`` stays, anything else is ``None``."""
    return value if MONTH.match(value or "") else None
