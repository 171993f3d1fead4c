"""Who may do what with a BPF (one function per rule), for the views, the services and, as
booleans the views pass, the templates.

The BPF pages are for the users of a training organisation (`of_required`), each on the fiscal
years of their own organisation (`accounts.tenancy`); within them, the rules depend on the state
of the fiscal year's BPF: prepared → validated (cells frozen) → filed.
"""

from __future__ import annotations

from formarche.bpf.models import FiscalYear


def can_use_bpf(tenant) -> bool:
    """Compute, export and read the BPF pages: a user of a training organisation."""
    return tenant is not None and tenant.is_of


def can_validate(fiscal_year: FiscalYear) -> bool:
    """Validate (freeze) the BPF: not validated yet (the blocking checks decide the rest)."""
    return not fiscal_year.is_validated


def can_record_filing(fiscal_year: FiscalYear) -> bool:
    """Record the filing date: validated, not filed yet."""
    return fiscal_year.is_validated and not fiscal_year.is_filed


def can_reopen(fiscal_year: FiscalYear) -> bool:
    """Reopen the BPF (forget its validation and filing): validated."""
    return fiscal_year.is_validated


def can_edit_inputs(fiscal_year: FiscalYear) -> bool:
    """Change the year's figures (manual D, accounts): not filed."""
    return not fiscal_year.is_filed
