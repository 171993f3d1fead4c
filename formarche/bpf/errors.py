"""The refusal of the BPF area: a French message, nothing written."""


class BpfError(ValueError):
    """A refusal, with a French message; nothing was written."""
