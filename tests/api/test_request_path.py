"""The lean request path: what a call does not do (threads, synchronous log writes, collector
runs during a large parse, imports), and that nothing it skips is lost."""

from __future__ import annotations

import gc
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from cds_hooks import create_app
from cds_hooks.fetch import prefetch
from cds_hooks.http import api
from cds_hooks.storage import store
from fixtures.loader import load_scenario

REPO = Path(__file__).resolve().parents[2]
SERVICE = "iliac-venous-pathway"
SCENARIO = "pv-new-left-swelling"  # answers with a card


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "REQUIRE_JWT": False, "DATABASE_URL": database_url})
    yield app
    store.close(app)


def hook_request() -> dict[str, Any]:
    _, requests = load_scenario(SCENARIO)
    request = requests[SERVICE]
    request.pop("fhirServer", None)
    request.pop("fhirAuthorization", None)
    request["hookInstance"] = str(uuid.uuid4())
    return request


def served_rows(app: Flask) -> int:
    with store._store(app).engine.connect() as connection:  # raw: no flush of pending rows
        return int(connection.execute(select(func.count()).select_from(store.served_card)).scalar())


def test_a_fully_prefetched_call_starts_no_thread(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_pool(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("a thread pool was started although nothing is fetched")

    monkeypatch.setattr(prefetch, "ThreadPoolExecutor", no_pool)
    response = app.test_client().post(f"/cds-services/{SERVICE}", json=hook_request())
    assert response.status_code == 200
    assert response.get_json()["cards"]


def test_served_cards_are_written_behind_the_answer_and_read_back_by_this_process(
    app: Flask,
) -> None:
    response = app.test_client().post(f"/cds-services/{SERVICE}", json=hook_request())
    cards = response.get_json()["cards"]
    assert cards
    card_log = store._store(app).card_log
    assert card_log is not None
    assert served_rows(app) + card_log.pending() == len(cards)  # buffered or already written
    summary = app.test_client().get(f"/cds-services/{SERVICE}/feedback/summary").get_json()
    assert sum(entry["served"] for entry in summary["recommendations"].values()) == len(cards)
    assert card_log.pending() == 0
    assert served_rows(app) == len(cards)


def test_closing_the_store_writes_the_pending_cards(database_url: str) -> None:
    app = create_app({"TESTING": True, "REQUIRE_JWT": False, "DATABASE_URL": database_url})
    cards = app.test_client().post(f"/cds-services/{SERVICE}", json=hook_request()).get_json()
    store.close(app)  # what an orderly worker exit does (atexit)
    assert served_rows(app) == len(cards["cards"])
    store.close(app)


def test_a_large_body_is_parsed_with_the_collector_paused_and_it_runs_again_after(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    states: list[bool] = []
    real_loads = api.json.loads

    def spying_loads(raw: Any, **kwargs: Any) -> Any:
        if kwargs.get("parse_constant") is api._reject_constant:  # the hook body's parse
            states.append(gc.isenabled())
        return real_loads(raw, **kwargs)

    monkeypatch.setattr(api.json, "loads", spying_loads)
    request = hook_request()
    request["extension"] = {"padding": "x" * api.GC_PAUSE_BYTES}
    small = app.test_client().post(f"/cds-services/{SERVICE}", json=hook_request())
    large = app.test_client().post(f"/cds-services/{SERVICE}", json=request)
    assert small.status_code == large.status_code == 200
    assert states == [True, False]
    assert gc.isenabled()


def test_overlapping_pauses_restore_the_collector_once_the_last_ends() -> None:
    assert gc.isenabled()
    with api._collector_paused(True):
        with api._collector_paused(True):
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), api._collector_paused(True):
        raise ValueError("a parse error")
    assert gc.isenabled()


def test_a_collector_disabled_by_the_host_stays_disabled() -> None:
    gc.disable()
    try:
        with api._collector_paused(True):
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def run_python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip()


def test_alembic_is_imported_only_when_the_schema_needs_migrating(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lazy.sqlite'}"
    program = (
        "import sys; from cds_hooks import create_app; "
        f"create_app({{'REQUIRE_JWT': False, 'DATABASE_URL': {url!r}}}); "
        "print('alembic' in sys.modules)"
    )
    assert run_python(program) == "True"  # a new database: migrated
    assert run_python(program) == "False"  # at the newest revision: Alembic not needed
    assert run_python("import sys, cds_hooks; print('alembic' in sys.modules)") == "False"


def test_the_head_revision_read_from_the_files_is_alembics() -> None:
    from alembic.script import ScriptDirectory

    from cds_hooks.storage import database

    config = database.alembic_config(None)  # type: ignore[arg-type]
    assert database.head_revision() == ScriptDirectory.from_config(config).get_current_head()
