"""The kinds of export job, registered by the apps that own them (``billing``, ``documents``,
``bpf``) from their ``AppConfig.ready()``: ``jobs`` never imports them.

A kind's ``run(job, progress)`` builds the file in memory — through the app's own single-document
generators — and returns ``(file name, bytes)``; it calls ``progress(done, total, phase)`` between
documents, and raises :class:`JobRefused` (French message) when the data make the export
impossible (refused at once, no retry).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


class JobRefused(Exception):
    """The export cannot be made from these data (French message): refused, not tried again."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class JobKind:
    kind: str
    label: str
    #: ``run(job, progress) -> (file name, content)``
    run: Callable
    #: ``available(tenant) -> bool``: who may start it (the jobs page offers it to them)
    available: Callable
    #: the parameter the page asks for: ``"month"`` or ``"fiscal_year"``
    param: str = "month"
    #: ``choices(tenant) -> [(value, label)]`` for the parameter (fiscal years, for instance)
    choices: Callable | None = None
    #: ``title(params) -> str``: the job's title on its page
    title: Callable | None = None


_KINDS: dict[str, JobKind] = {}


def register_kind(kind: JobKind) -> None:
    _KINDS[kind.kind] = kind


def job_kind(kind: str) -> JobKind | None:
    return _KINDS.get(kind)


def kinds_for(tenant) -> list[JobKind]:
    """The kinds ``tenant`` may start, in registration order."""
    return [k for k in _KINDS.values() if k.available(tenant)]
