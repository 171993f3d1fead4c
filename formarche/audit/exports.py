"""The Journal as CSV (semicolon separated, UTF-8 with BOM: Excel opens it as is), streamed."""

import csv

from django.http import StreamingHttpResponse
from django.utils import timezone

from formarche.audit.selectors import journal_entries

HEADER = [
    "Date",
    "Utilisateur",
    "Opération",
    "Type d'objet",
    "N° objet",
    "Action",
    "Détail",
    "SHA-256",
    "Lignes",
]
CHUNK = 500


class _Echo:
    def write(self, value):
        return value


def _lines(rows):
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff" + writer.writerow(HEADER)
    rows = iter(rows)
    while True:
        chunk = [row for _, row in zip(range(CHUNK), rows, strict=False)]
        if not chunk:
            return
        for e in journal_entries(chunk):
            yield writer.writerow(
                [
                    timezone.localtime(e.date).strftime("%d/%m/%Y %H:%M:%S"),
                    e.user.email if e.user else "",
                    e.action,
                    e.kind_label,
                    e.object_id,
                    e.order.number if e.order else "",
                    e.detail,
                    e.extra.get("sha256", ""),
                    e.extra.get("rows", ""),
                ]
            )


def journal_csv(rows, *, filename: str):
    response = StreamingHttpResponse(_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
