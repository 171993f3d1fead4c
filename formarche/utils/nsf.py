"""The NSF speciality codes of the notice's annex (`nsf.csv`, copied from the reference)."""

from __future__ import annotations

import csv
from pathlib import Path


def _load() -> dict[str, str]:
    with (Path(__file__).with_name("nsf.csv")).open(encoding="utf-8", newline="") as handle:
        return {row["code"].strip(): row["libelle"].strip() for row in csv.DictReader(handle)}


#: code → French label as printed in the notice
NSF_LABELS: dict[str, str] = _load()


def nsf_label(code: str | None) -> str:
    return NSF_LABELS.get(code or "", "")
