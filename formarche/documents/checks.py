"""Checks on an uploaded file, run on its bytes BEFORE anything is stored.

- the type is detected from the content (magic numbers), never from the name or the browser's
  Content-Type: PDF, PNG, JPEG, the ZIP-based office formats (OOXML: docx/xlsx/pptx, recognised by
  ``[Content_Types].xml`` and their main part; ODF: odt/ods/odp, recognised by their ``mimetype``
  entry) and the old OLE2 office files (doc/xls/ppt);
- the file name's extension must be one of the detected type's extensions (a PNG renamed
  ``.pdf`` is refused);
- the size is limited by ``settings.FORMARCHE_DOCUMENT_MAX_BYTES`` (10 Mio by default);
- a virus scanner can be plugged in with ``settings.FORMARCHE_DOCUMENT_SCANNER``: the dotted path
  of a callable taking the bytes and raising :class:`DocumentRejected` (none by default).

Every refusal raises :class:`DocumentRejected` with a French message.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


class DocumentRejected(ValueError):
    """A file refused, with a French message for the user."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class FileKind:
    content_type: str
    label: str
    extensions: tuple[str, ...]


PDF = FileKind("application/pdf", "PDF", ("pdf",))
PNG = FileKind("image/png", "image PNG", ("png",))
JPEG = FileKind("image/jpeg", "image JPEG", ("jpg", "jpeg"))
DOCX = FileKind(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "document Word", ("docx",)
)
XLSX = FileKind(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "classeur Excel", ("xlsx",)
)
PPTX = FileKind(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "présentation PowerPoint",
    ("pptx",),
)
ODT = FileKind("application/vnd.oasis.opendocument.text", "texte OpenDocument", ("odt",))
ODS = FileKind("application/vnd.oasis.opendocument.spreadsheet", "classeur OpenDocument", ("ods",))
ODP = FileKind("application/vnd.oasis.opendocument.presentation", "présentation OpenDocument", ("odp",))
DOC = FileKind("application/msword", "document Word (ancien format)", ("doc",))
XLS = FileKind("application/vnd.ms-excel", "classeur Excel (ancien format)", ("xls",))
PPT = FileKind("application/vnd.ms-powerpoint", "présentation PowerPoint (ancien format)", ("ppt",))

ACCEPTED_LABEL = "PDF, PNG, JPEG, Word, Excel, PowerPoint ou OpenDocument"

_OOXML_MAIN_PARTS = (("word/document.xml", DOCX), ("xl/workbook.xml", XLSX), ("ppt/presentation.xml", PPTX))
_ODF_MIMETYPES = {k.content_type: k for k in (ODT, ODS, ODP)}
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE2_BY_EXTENSION = {"doc": DOC, "xls": XLS, "ppt": PPT}


def max_bytes() -> int:
    return int(getattr(settings, "FORMARCHE_DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def format_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} Mio".replace(".", ",")
    if size >= 1024:
        return f"{size // 1024} Kio"
    return f"{size} octets"


def extension_of(name: str) -> str:
    _, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""


def clean_name(name: str) -> str:
    """The name the user sees: no directory, no control character, at most 150 characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 150 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:150]
    return name


def _zip_kind(data: bytes) -> FileKind | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        if "mimetype" in names:
            info = archive.getinfo("mimetype")
            if info.file_size <= 100:
                kind = _ODF_MIMETYPES.get(archive.read("mimetype").decode("ascii", "replace").strip())
                if kind and "content.xml" in names:
                    return kind
        if "[Content_Types].xml" in names:
            for part, kind in _OOXML_MAIN_PARTS:
                if part in names:
                    return kind
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, EOFError, NotImplementedError):
        return None
    return None


def detect_kind(data: bytes, name: str) -> FileKind | None:
    """The file's kind from its first bytes (and, for OLE2, the extension among doc/xls/ppt)."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if data.startswith(_OLE2_MAGIC):
        return _OLE2_BY_EXTENSION.get(extension_of(name))
    return None


def check_size(size: int) -> None:
    if size <= 0:
        raise DocumentRejected("Le fichier est vide.")
    limit = max_bytes()
    if size > limit:
        raise DocumentRejected(
            f"Le fichier pèse {format_size(size)} : la taille maximale est de {format_size(limit)}."
        )


def run_scanner(data: bytes) -> None:
    """Call ``settings.FORMARCHE_DOCUMENT_SCANNER`` if set; it raises ``DocumentRejected`` to refuse."""
    path = getattr(settings, "FORMARCHE_DOCUMENT_SCANNER", None)
    if not path:
        return
    scanner = import_string(path) if isinstance(path, str) else path
    try:
        scanner(data)
    except DocumentRejected:
        raise
    except Exception as exc:  # a broken scanner must not let a file through
        raise DocumentRejected(
            "L'analyse antivirus du fichier n'a pas pu aboutir : le fichier n'a pas été enregistré."
        ) from exc


def check_file(data: bytes, name: str) -> FileKind:
    """Every check, in order: name, size, type by content, extension, scanner. Returns the kind."""
    name = clean_name(name)
    if not name:
        raise DocumentRejected("Le fichier doit avoir un nom.")
    check_size(len(data))
    kind = detect_kind(data, name)
    if kind is None:
        raise DocumentRejected(
            f"« {name} » n'est pas d'un type accepté (d'après son contenu). Types acceptés : {ACCEPTED_LABEL}."
        )
    ext = extension_of(name)
    if ext not in kind.extensions:
        expected = " ou ".join(f".{e}" for e in kind.extensions)
        raise DocumentRejected(
            f"« {name} » contient un fichier de type {kind.label} : son nom doit se terminer par {expected}."
        )
    run_scanner(data)
    return kind
