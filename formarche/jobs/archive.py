"""What the export kinds share: the tenant a job acts for, and the ZIP of its documents."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

from formarche.accounts.tenancy import Tenant
from formarche.utils.formatting import format_month


def job_tenant(job) -> Tenant:
    """The tenant the job was started by (its organisation and role): the kind scopes its reads
    with it, exactly as the page would."""
    return Tenant(
        membership_id=0,
        organisation_id=job.organisation_id,
        role=job.params.get("tenant_role", ""),
        user_id=job.created_by_id or 0,
    )


def zip_bytes(files: Iterable[tuple[str, bytes]]) -> bytes:
    """A ZIP of ``(name, content)`` pairs (PDFs are already compressed: stored as they are)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        seen: set[str] = set()
        for name, content in files:
            unique, n = name, 1
            while unique in seen:
                n += 1
                stem, dot, ext = name.rpartition(".")
                unique = f"{stem}-{n}.{ext}" if dot else f"{name}-{n}"
            seen.add(unique)
            compress = zipfile.ZIP_STORED if unique.lower().endswith(".pdf") else zipfile.ZIP_DEFLATED
            archive.writestr(unique, content, compress_type=compress)
    return buffer.getvalue()


def month_label(value: str) -> str:
    """``"2026-03"`` → ``"Mars 2026"``."""
    return format_month(value)
