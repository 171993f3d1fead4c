"""``reads_from_replica`` as a view decorator is one instance shared by every thread of a gthread
worker: each call must keep its own context tokens (a shared stack made one thread reset another's
token — ValueError « created in a different Context », HTTP 500 on the BPF pages under load)."""

import threading
from concurrent.futures import ThreadPoolExecutor

from formarche.utils.dbrouter import current_read_alias, known_position, reads_from_replica


def test_decorated_view_called_by_overlapping_threads_never_mixes_tokens():
    barrier = threading.Barrier(4)

    @reads_from_replica()
    @known_position(None)
    def view():
        barrier.wait(timeout=5)  # every thread inside the block at once
        return current_read_alias()

    for _ in range(10):
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = [f.result(timeout=10) for f in [pool.submit(view) for _ in range(4)]]
        assert results == [None] * 4
        barrier.reset()
