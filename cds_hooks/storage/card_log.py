"""Write-behind buffer for the served-card log: rows are written in batches off the request path.

Writing each call's cards in its own transaction cost more than the clinical work of a small
call (a commit, i.e. an fsync, and on SQLite the write lock every other worker waits on). The
log is analytics (the feedback summary's "served" counts), not a clinical record, so it is
written at most `FLUSH_SECONDS` after the answer, in one transaction per batch, by a background
thread of the worker process. Feedback itself is never buffered: it is committed before its 200.

What may be lost: the rows of the last `FLUSH_SECONDS` when a worker is killed with SIGKILL (an
orderly exit flushes them). A failed write keeps its rows for the next attempt, up to
`MAX_PENDING_ROWS`.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import weakref
from collections.abc import Callable
from typing import Any

FLUSH_SECONDS = 0.5
BATCH_ROWS = 256  # a batch this large is written at once, without waiting for the interval
MAX_PENDING_ROWS = 50_000  # while the database is down; beyond it the oldest rows are dropped

Row = dict[str, Any]
log = logging.getLogger("cds_hooks.storage.store")
_live: weakref.WeakSet[WriteBehindLog] = weakref.WeakSet()


class WriteBehindLog:
    """Rows given to `add` reach `write` within FLUSH_SECONDS, a batch per transaction."""

    def __init__(self, write: Callable[[list[Row]], None]) -> None:
        self._write = write
        self._reset()
        _live.add(self)

    def _reset(self) -> None:
        # Also after a fork: the child inherits neither the parent's thread nor a lock it held.
        self._pid = os.getpid()
        self._rows: list[Row] = []
        self._lock = threading.Lock()  # guards _rows and _thread
        self._write_lock = threading.Lock()  # one batch in flight at a time
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, rows: list[Row]) -> None:
        if not rows:
            return
        if self._pid != os.getpid():
            self._reset()
        with self._lock:
            self._rows.extend(rows)
            pending = len(self._rows)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="served-card-log", daemon=True
                )
                self._thread.start()
        if pending >= BATCH_ROWS:
            self._wake.set()

    def pending(self) -> int:
        with self._lock:
            return len(self._rows)

    def flush(self) -> None:
        """Write every pending row now (raises the database error if the write fails)."""
        if self._pid != os.getpid():
            self._reset()
            return
        with self._write_lock:
            with self._lock:
                rows, self._rows = self._rows, []
            if not rows:
                return
            try:
                self._write(rows)
            except BaseException:
                with self._lock:
                    self._rows[:0] = rows
                    overflow = len(self._rows) - MAX_PENDING_ROWS
                    if overflow > 0:
                        del self._rows[:overflow]
                        log.error("served-card log: %d rows dropped (store unavailable)", overflow)
                raise

    def _run(self) -> None:
        while True:
            self._wake.wait(FLUSH_SECONDS)
            self._wake.clear()
            try:
                self.flush()
            except Exception as exc:  # noqa: BLE001 - logged; the rows stay for the next try
                log.error("served-card log: write failed (%s); retrying", type(exc).__name__)
            with self._lock:
                if not self._rows:  # idle: stop; the next `add` starts a new thread
                    self._thread = None
                    return


@atexit.register
def _flush_all_at_exit() -> None:
    """An orderly exit (gunicorn max_requests, SIGTERM, deploys) writes what is still pending."""
    for card_log in list(_live):
        try:
            card_log.flush()
        except Exception as exc:  # noqa: BLE001 - nothing left to retry with
            log.error("served-card log: final write failed (%s)", type(exc).__name__)
