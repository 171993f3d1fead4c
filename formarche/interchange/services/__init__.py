"""Writes of the interchange pages (keyword-only)."""

from formarche.interchange.services.transfers import (
    TransferRefused,
    transfer_export_start,
    transfer_import_start,
)

__all__ = ["TransferRefused", "transfer_export_start", "transfer_import_start"]
