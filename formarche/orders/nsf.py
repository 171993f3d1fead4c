"""NSF speciality codes for forms (the list of the notice: formarche/utils/nsf.csv)."""

from formarche.utils.nsf import NSF_LABELS

NSF_CODES = frozenset(NSF_LABELS)
NSF_CHOICES = [("", "— choisir —")] + [
    (code, f"{code} — {label}") for code, label in sorted(NSF_LABELS.items())
]
