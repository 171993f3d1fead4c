"""Stored files, whatever the storage behind STORAGES (the disk, S3): one way to write, read and
delete them, and one French cause when the storage cannot answer (docs/adr/0012-object-storage.md).

A write that fails raises :class:`StorageUnavailable` before anything points to the file: the
caller turns it into its own French refusal inside its transaction, which then rolls back. A
read of an object that is not there raises :class:`StoredFileMissing`; a storage that does not
answer, :class:`StorageUnavailable`.
"""

from __future__ import annotations

import errno
import logging

from django.core.files.base import ContentFile

try:  # django-storages' S3 backend speaks through boto3; its errors are not OSError
    from botocore.exceptions import BotoCoreError, ClientError

    _REMOTE_ERRORS: tuple[type[BaseException], ...] = (BotoCoreError, ClientError)
except ImportError:  # pragma: no cover - botocore is a dependency; the disk needs none of it
    _REMOTE_ERRORS = ()

logger = logging.getLogger(__name__)

#: What a storage raises when it cannot write or read: the disk (OSError) or S3 (botocore).
STORAGE_ERRORS: tuple[type[BaseException], ...] = (OSError, *_REMOTE_ERRORS)

DISK_FULL = "espace disque insuffisant"
UNAVAILABLE = "le stockage des fichiers est indisponible"


class StorageUnavailable(Exception):
    """The storage could not write or read a file; ``cause`` is the French reason to show."""

    def __init__(self, cause: str):
        super().__init__(cause)
        self.cause = cause


class StoredFileMissing(Exception):
    """A row names a file the storage does not have (deleted, or never written)."""


def storage_cause(exc: BaseException) -> str:
    """The French cause of a storage error: a full disk, or a storage that does not answer."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return DISK_FULL
    return UNAVAILABLE


def file_save(field, name: str, data: bytes) -> str:
    """Write ``data`` as the file of ``field`` (the row is saved by the caller); the stored name.

    Never overwrites: a name already taken gets a suffix (the storage's own rule).
    """
    try:
        field.save(name, ContentFile(data), save=False)
    except STORAGE_ERRORS as exc:
        logger.warning("storage write of %s refused: %r", name, exc)
        raise StorageUnavailable(storage_cause(exc)) from exc
    return field.name


def file_delete(storage, name: str) -> None:
    """Delete a stored file, best effort: an object left behind is private and named by no row."""
    if not name:
        return
    try:
        storage.delete(name)
    except STORAGE_ERRORS as exc:
        logger.warning("storage delete of %s failed, object left behind: %r", name, exc)


def file_open(field):
    """The file of ``field``, open for reading and already fetched (a streamed response cannot
    fail half-way on the storage): the S3 object is downloaded here, inside the view."""
    if not field:
        raise StoredFileMissing("no file")
    try:
        handle = field.open("rb")
        handle.seek(0)
    except FileNotFoundError as exc:
        logger.error("stored file %s is missing", field.name)
        raise StoredFileMissing(field.name) from exc
    except STORAGE_ERRORS as exc:
        logger.warning("storage read of %s failed: %r", field.name, exc)
        raise StorageUnavailable(storage_cause(exc)) from exc
    return handle


def file_read(field) -> bytes:
    """The bytes of the file of ``field`` (see :func:`file_open` for the errors)."""
    handle = file_open(field)
    try:
        return handle.read()
    except STORAGE_ERRORS as exc:
        raise StorageUnavailable(storage_cause(exc)) from exc
    finally:
        handle.close()
