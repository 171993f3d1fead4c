"""Writes of the BPF area (keyword-only, atomic, French errors), one module per entity.

- `fiscal_years`: fiscal_year_create, fiscal_year_set_manual, bpf_validate, bpf_mark_filed, bpf_reopen
- `accounts`: accounts_import, account_line_save
- `trainers`: trainer_create, trainer_status_add, trainer_hours_add
- `products`: other_product_create, subcontracting_set

Computing a BPF is a read: `formarche.bpf.selectors.bpf_compute` (re-exported here with
`Computed`, as `BpfError` is, for the callers that import them from services).
"""

from formarche.bpf.errors import BpfError
from formarche.bpf.selectors import Computed, bpf_compute
from formarche.bpf.services.accounts import account_line_save, accounts_import
from formarche.bpf.services.fiscal_years import (
    bpf_mark_filed,
    bpf_reopen,
    bpf_validate,
    ensure_editable,
    fiscal_year_create,
    fiscal_year_set_manual,
)
from formarche.bpf.services.products import other_product_create, subcontracting_set
from formarche.bpf.services.trainers import trainer_create, trainer_hours_add, trainer_status_add

__all__ = [
    "BpfError",
    "Computed",
    "account_line_save",
    "accounts_import",
    "bpf_compute",
    "bpf_mark_filed",
    "bpf_reopen",
    "bpf_validate",
    "ensure_editable",
    "fiscal_year_create",
    "fiscal_year_set_manual",
    "other_product_create",
    "subcontracting_set",
    "trainer_create",
    "trainer_hours_add",
    "trainer_status_add",
]
