"""NSF speciality codes for forms (the list lives with the BPF: formarche/bpf/nsf.csv)."""

from formarche.bpf.nsf import NSF_LABELS

NSF_CODES = frozenset(NSF_LABELS)
NSF_CHOICES = [("", "— choisir —")] + [
    (code, f"{code} — {label}") for code, label in sorted(NSF_LABELS.items())
]
