"""A small least-recently-used memo in the process's memory, shared by its threads (ADR 0025).

    memo = VersionedMemo(entries=8)
    value = memo.get_or_compute(key, compute)     # key: a tuple carrying a data version

Meant for values too large to pickle cheaply into a shared cache (a computed BPF is ~60 000 small
objects: unpickling it costs about what computing it does) and **read-only** once computed: the
same object is handed to every request. The key must carry the version of the data the value was
computed from (``formarche.organisations.dataversion``): a write makes a new key, an old key is
never asked again and falls out. Two threads missing the same key both compute it (no lock held
while computing); the last one stored wins, both values being equal.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class VersionedMemo:
    def __init__(self, entries: int = 8) -> None:
        self.entries = entries
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
            self.misses += 1
        value = compute()
        if self.entries > 0:
            with self._lock:
                self._data[key] = value
                self._data.move_to_end(key)
                while len(self._data) > self.entries:
                    self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._data)
