"""Writes of the documents area: every upload goes through :func:`document_upload` (checks first,
then storage). One module per entity: ``documents``."""

from formarche.documents.checks import DocumentRejected
from formarche.documents.services.documents import document_upload

__all__ = ["DocumentRejected", "document_upload"]
