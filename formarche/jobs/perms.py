"""Who may do what with the jobs."""

from formarche.jobs.registry import job_kind


def can_start(tenant, kind: str) -> bool:
    """A kind offered to this tenant (the kind's own rule: an OF's exports, a Région's)."""
    entry = job_kind(kind)
    return tenant is not None and entry is not None and bool(entry.available(tenant))


def can_download(job) -> bool:
    return job.is_done and bool(job.result)
