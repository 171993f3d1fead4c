"""The response of a stored file (an invoice PDF, a signed invoice, a document), for the views that
have already checked who asks: the file streamed through the application, never a storage URL
(docs/adr/0012-object-storage.md). A file the storage does not have, or a storage that does not
answer, gives a French page (404, 503) instead of the error page."""

from __future__ import annotations

from django.http import FileResponse, HttpResponse
from django.shortcuts import render

from formarche.utils.storage import StorageUnavailable, StoredFileMissing, file_open

MISSING = (
    "Le fichier demandé est introuvable dans le stockage des fichiers. Rien n'a été modifié ; "
    "prévenez l'administrateur de la plateforme en lui donnant l'adresse de cette page."
)
UNAVAILABLE = (
    "Le fichier ne peut pas être lu pour le moment ({cause}). Rien n'a été modifié : réessayez dans "
    "quelques minutes ; si cela se reproduit, prévenez l'administrateur."
)


def stored_file_response(request, field, *, filename: str, content_type: str) -> HttpResponse:
    """``field``'s file as an attachment named ``filename``, or the French page of its absence."""
    try:
        handle = file_open(field)
    except StoredFileMissing:
        context = {"title": "Fichier introuvable", "message": MISSING}
        return render(request, "ui/stored_file_error.html", context, status=404)
    except StorageUnavailable as exc:
        context = {
            "title": "Fichier momentanément indisponible",
            "message": UNAVAILABLE.format(cause=exc.cause),
        }
        response = render(request, "ui/stored_file_error.html", context, status=503)
        response["Retry-After"] = "60"
        return response
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
