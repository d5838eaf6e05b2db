"""Warm-up at start and the production gunicorn settings."""

from __future__ import annotations

import os
import runpy
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from cds_hooks import create_app, service_catalog
from cds_hooks.http import warmup
from cds_hooks.storage import store

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("service_id", service_catalog.service_ids())
def test_each_warm_up_call_goes_through_the_whole_path_and_renders_cards(
    service_id: str, tmp_path: Path
) -> None:
    app = create_app({"REQUIRE_JWT": False, "DATABASE_URL": f"sqlite:///{tmp_path / 'w.sqlite'}"})
    now = datetime.now(UTC)
    body = dict(warmup.calls(now))[service_id]
    with app.app_context():
        # Cards too: rendering and the strict response model must be warm as well.
        assert warmup.run_call(app, service_id, body, now) >= 1
    store.close(app)


def test_the_first_app_of_a_process_warms_up_and_leaves_no_trace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(warmup, "_done", 0)
    app = create_app({"REQUIRE_JWT": False, "DATABASE_URL": f"sqlite:///{tmp_path / 'w.sqlite'}"})
    assert warmup._done == os.getpid()
    with store.get_engine(app).connect() as connection:
        served = connection.execute(select(func.count()).select_from(store.served_card)).scalar()
    assert served == 0
    metrics = app.test_client().get("/metrics").get_data(as_text=True)
    counted = [
        sample
        for family in text_string_to_metric_families(metrics)
        for sample in family.samples
        if sample.name.startswith(("cds_cards_served", "cds_http_request_duration_seconds_count"))
    ]
    assert counted == []
    store.close(app)


def test_a_failing_warm_up_does_not_stop_the_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(warmup, "_done", 0)
    monkeypatch.setattr(warmup, "run_call", broken)
    app = create_app({"REQUIRE_JWT": False, "DATABASE_URL": f"sqlite:///{tmp_path / 'w.sqlite'}"})
    assert not warmup._done  # the next app of the process tries again
    assert app.test_client().get("/cds-services").status_code == 200
    store.close(app)


def test_a_forked_worker_warms_up_again_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app({"REQUIRE_JWT": False, "DATABASE_URL": f"sqlite:///{tmp_path / 'w.sqlite'}"})
    runs: list[str] = []
    real_run_call = warmup.run_call

    def counting(*args: object, **kwargs: object) -> int:
        runs.append(str(args[1]))
        return real_run_call(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(warmup, "run_call", counting)
    app.extensions["cds_warm_up"]()  # the master itself: already warm
    assert runs == []
    child_pid = os.getpid() + 1
    monkeypatch.setattr(warmup.os, "getpid", lambda: child_pid)  # now "in a forked worker"
    app.extensions["cds_warm_up"]()
    assert sorted(runs) == sorted(service_catalog.service_ids())
    app.extensions["cds_warm_up"]()
    assert len(runs) == len(service_catalog.service_ids())
    store.close(app)


def test_gunicorn_warms_each_worker_of_the_service_and_skips_other_apps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = gunicorn_settings(monkeypatch)["post_worker_init"]
    calls: list[int] = []

    class Worker:
        def __init__(self, wsgi: object) -> None:
            self.wsgi = wsgi

    class ServiceApp:
        extensions = {"cds_warm_up": lambda: calls.append(1)}

    hook(Worker(ServiceApp()))  # type: ignore[operator]
    hook(Worker(object()))  # type: ignore[operator]  # e.g. the benchmark's baseline app
    assert calls == [1]


def gunicorn_settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, object]:
    for name in ("WEB_CONCURRENCY", "CDS_FHIR_TOTAL_TIMEOUT", "CDS_JWKS_TIMEOUT_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(REPO / "gunicorn.conf.py"))


def test_gunicorn_runs_one_sync_worker_per_cpu_preloaded(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = gunicorn_settings(monkeypatch)
    assert settings["workers"] == len(os.sched_getaffinity(0))
    assert settings["worker_class"] == "sync"
    assert settings["preload_app"] is True
    assert gunicorn_settings(monkeypatch, WEB_CONCURRENCY="3")["workers"] == 3


@pytest.mark.parametrize(("total", "jwks"), [("5", "5"), ("30", "5"), ("0.5", "1")])
def test_gunicorn_worker_timeout_is_above_the_fetch_deadline(
    monkeypatch: pytest.MonkeyPatch, total: str, jwks: str
) -> None:
    settings = gunicorn_settings(
        monkeypatch, CDS_FHIR_TOTAL_TIMEOUT=total, CDS_JWKS_TIMEOUT_SECONDS=jwks
    )
    # A call may wait for a JWK Set (connect + read) and then the whole FHIR deadline.
    assert settings["timeout"] > float(total) + 2 * float(jwks)
    assert settings["graceful_timeout"] >= settings["timeout"]


def test_gunicorn_timeout_with_an_invalid_setting_falls_back_to_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = gunicorn_settings(monkeypatch, CDS_FHIR_TOTAL_TIMEOUT="soon")
    default = gunicorn_settings(monkeypatch)
    assert settings["timeout"] == default["timeout"]


def test_gunicorn_reads_the_apps_own_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    from cds_hooks.config import DEFAULTS

    settings = gunicorn_settings(monkeypatch)
    assert settings["DEFAULTS"] == {
        name: DEFAULTS[name] for name in ("FHIR_TOTAL_TIMEOUT", "JWKS_TIMEOUT_SECONDS")
    }
