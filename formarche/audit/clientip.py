"""The client's address: the one rule is :func:`formarche.accounts.clientip.client_ip` (low in the
graph, so that ``signing`` uses it too); re-exported here for the audit modules."""

from formarche.accounts.clientip import client_ip

__all__ = ["client_ip"]
