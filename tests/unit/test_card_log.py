"""The served-card write-behind buffer: batches, retries after a failed write, forks, exit."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from cds_hooks.storage import card_log
from cds_hooks.storage.card_log import WriteBehindLog


class Recorder:
    def __init__(self) -> None:
        self.batches: list[list[dict[str, Any]]] = []
        self.fail = False
        self.written = threading.Event()

    def __call__(self, rows: list[dict[str, Any]]) -> None:
        if self.fail:
            raise OSError("database down")
        self.batches.append(list(rows))
        self.written.set()


def rows(*ids: int) -> list[dict[str, Any]]:
    return [{"card_uuid": str(i)} for i in ids]


def test_rows_of_several_calls_are_written_in_one_batch_in_order() -> None:
    recorder = Recorder()
    log = WriteBehindLog(recorder)
    log.add(rows(1, 2))
    log.add(rows(3))
    log.flush()
    assert recorder.batches == [rows(1, 2, 3)]
    assert log.pending() == 0
    log.flush()  # nothing pending: no empty write
    assert recorder.batches == [rows(1, 2, 3)]


def test_nothing_to_add_starts_nothing() -> None:
    recorder = Recorder()
    log = WriteBehindLog(recorder)
    log.add([])
    assert log._thread is None
    assert log.pending() == 0


def test_the_background_thread_writes_without_a_flush() -> None:
    recorder = Recorder()
    log = WriteBehindLog(recorder)
    log.add(rows(1))
    # Waiting for an event, not timing it: the bound only keeps a broken test from hanging.
    assert recorder.written.wait(timeout=30)
    assert recorder.batches == [rows(1)]


def test_a_failed_write_keeps_the_rows_for_the_next_one() -> None:
    recorder = Recorder()
    log = WriteBehindLog(recorder)
    log.add(rows(1, 2))
    recorder.fail = True
    with pytest.raises(OSError):
        log.flush()
    assert log.pending() == 2
    log.add(rows(3))
    recorder.fail = False
    log.flush()
    assert recorder.batches == [rows(1, 2, 3)]


def test_while_the_store_is_down_the_oldest_rows_beyond_the_cap_are_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(card_log, "MAX_PENDING_ROWS", 3)
    recorder = Recorder()
    log = WriteBehindLog(recorder)
    recorder.fail = True
    log._rows.extend(rows(1, 2, 3, 4, 5))  # as if added while the thread could not write
    with pytest.raises(OSError):
        log.flush()
    recorder.fail = False
    log.flush()
    assert recorder.batches == [rows(3, 4, 5)]


def test_a_forked_child_does_not_write_its_parents_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder()
    log = WriteBehindLog(recorder)
    log._rows.extend(rows(1))  # pending in the parent at fork time
    child_pid = log._pid + 1
    monkeypatch.setattr(card_log.os, "getpid", lambda: child_pid)  # now "in the child"
    log.flush()
    assert recorder.batches == []
    log.add(rows(2))
    log.flush()
    assert recorder.batches == [rows(2)]


def test_an_orderly_exit_writes_what_is_pending() -> None:
    recorder = Recorder()
    log = WriteBehindLog(recorder)
    log._rows.extend(rows(1, 2))
    card_log._flush_all_at_exit()
    assert recorder.batches == [rows(1, 2)]
