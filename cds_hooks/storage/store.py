"""Durable storage: JWT replay guard, served cards and clinician feedback (SQLAlchemy 2).

One engine per app lives in `app.extensions["cds_store"]`. SQLite (default, in the instance
folder) and PostgreSQL are supported. Only pseudonymous operational data is kept: card uuids,
recommendation ids, outcomes and coded override reasons, never patient identifiers or free
text.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from flask import Flask
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from cds_hooks.storage.card_log import WriteBehindLog
from cds_hooks.storage.database import (
    EXTENSION_KEY,
    JTI_PRUNE_INTERVAL_SECONDS,
    UNKNOWN_RECOMMENDATION,
    Store,
    _insert,
    _now,
    _read_connection,
    _store,
    _utc_naive,
    build_engine,
    close,
    database_url,
    drop_schema,
    feedback,
    forget_connections_after_fork,
    get_engine,
    metadata,
    normalise_url,
    seen_jti,
    served_card,
    writer_engine,
)

# The database names are part of this module's interface (callers and tests reach the
# storage room through `store`).
__all__ = [
    "EXTENSION_KEY",
    "FeedbackRecord",
    "Store",
    "build_engine",
    "close",
    "database_url",
    "drop_schema",
    "feedback",
    "feedback_summary",
    "format_instant",
    "get_engine",
    "init_app",
    "metadata",
    "normalise_url",
    "ping",
    "prune_expired_jtis",
    "record_served_cards",
    "remember_jti",
    "save_feedback",
    "seen_jti",
    "served_card",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedbackRecord:
    """One validated feedback entry, already stripped of free text."""

    card_uuid: str
    outcome: str
    outcome_timestamp: datetime
    accepted_suggestions: list[str]
    override_reason_system: str | None = None
    override_reason_code: str | None = None
    override_reason_display: str | None = None
    has_user_comment: bool = False


def init_app(app: Flask) -> None:
    store = Store(engine=build_engine(database_url(app)))
    store.card_log = WriteBehindLog(partial(_write_served_cards, store))
    forget_connections_after_fork(store.engine)
    try:
        store.ensure_schema()
    except SQLAlchemyError as exc:
        # Keep serving: /healthz stays up, /readyz answers 503 until the database is back.
        log.error("database unavailable at start (%s); retrying on use", type(exc).__name__)
    app.extensions[EXTENSION_KEY] = store
    app.extensions.setdefault("cds_card_listeners", []).append(record_served_cards)


def remember_jti(jti: str, issuer: str, expires_at: datetime) -> bool:
    """True the first time (issuer, jti) is seen, False on replay; atomic across processes.

    Call inside an app context. Expired rows are pruned at most once a minute per process.
    """
    store = _store()
    now = _now()
    with writer_engine().begin() as connection:
        # A row whose token already expired cannot protect anything; let the key be reused.
        connection.execute(
            delete(seen_jti).where(
                seen_jti.c.issuer == issuer, seen_jti.c.jti == jti, seen_jti.c.expires_at < now
            )
        )
        # RETURNING, not rowcount: psycopg reports -1 for ON CONFLICT DO NOTHING inserts.
        inserted = connection.execute(
            _insert(connection, seen_jti)
            .values(issuer=issuer, jti=jti, expires_at=_utc_naive(expires_at))
            .returning(seen_jti.c.jti)
        ).first()
        first_time = inserted is not None
    _maybe_prune(store)
    return first_time


def _maybe_prune(store: Store) -> None:
    tick = time.monotonic()
    if store._last_prune and tick - store._last_prune < JTI_PRUNE_INTERVAL_SECONDS:
        return
    if not store._prune_lock.acquire(blocking=False):
        return
    try:
        store._last_prune = tick
        prune_expired_jtis()
    finally:
        store._prune_lock.release()


def prune_expired_jtis() -> int:
    """Delete replay-guard rows whose token has expired; returns how many were deleted."""
    with writer_engine().begin() as connection:
        return connection.execute(delete(seen_jti).where(seen_jti.c.expires_at < _now())).rowcount


def _recommendation_id(card: dict[str, Any]) -> str | None:
    source = card.get("source")
    topic = source.get("topic") if isinstance(source, dict) else None
    code = topic.get("code") if isinstance(topic, dict) else None
    return code if isinstance(code, str) and code else None


def record_served_cards(service_id: str, hook_instance: str, cards: list[dict[str, Any]]) -> None:
    """Card listener: keep uuid, service, recommendation id and indicator of each served card.

    The rows are written off the request path, in batches (`card_log`); `get_engine` and the
    summary write what is pending first, so this process always reads its own cards."""
    rows = [
        {
            "card_uuid": card["uuid"],
            "service_id": service_id,
            "recommendation_id": _recommendation_id(card),
            "indicator": card.get("indicator") if isinstance(card.get("indicator"), str) else None,
            "hook_instance": hook_instance or None,
            "served_at": _now(),
        }
        for card in cards
        if isinstance(card, dict) and isinstance(card.get("uuid"), str)
    ]
    if not rows:
        return
    store = _store()
    if store.card_log is None:
        _write_served_cards(store, rows)
    else:
        store.card_log.add(rows)


def _write_served_cards(store: Store, rows: list[dict[str, Any]]) -> None:
    store.ensure_schema()
    with store.engine.begin() as connection:
        # One multi-row INSERT per batch; a uuid already recorded is skipped.
        connection.execute(_insert(connection, served_card), rows)


def format_instant(moment: datetime) -> str:
    """RFC 3339 UTC text with microseconds: one spelling per instant."""
    return _utc_naive(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def save_feedback(service_id: str, records: Sequence[FeedbackRecord]) -> int:
    """Store all records in one transaction; duplicates are skipped. Returns rows inserted."""
    if not records:
        return 0
    received = _now()
    rows = [
        {
            "service_id": service_id,
            "card_uuid": record.card_uuid,
            "outcome": record.outcome,
            "outcome_timestamp": format_instant(record.outcome_timestamp),
            "accepted_suggestions": list(record.accepted_suggestions),
            "override_reason_system": record.override_reason_system,
            "override_reason_code": record.override_reason_code,
            "override_reason_display": record.override_reason_display,
            "has_user_comment": record.has_user_comment,
            "received_at": received,
        }
        for record in records
    ]
    inserted = 0
    with writer_engine().begin() as connection:
        statement = _insert(connection, feedback).returning(feedback.c.id)
        # One statement per row: RETURNING tells exactly which rows were new on every driver.
        for row in rows:
            inserted += len(connection.execute(statement, row).all())
    return inserted


def _empty_summary() -> dict[str, Any]:
    return {"served": 0, "accepted": 0, "overridden": 0, "overrideReasons": {}}


def feedback_summary(service_id: str) -> dict[str, dict[str, Any]]:
    """Per recommendation id: served, accepted, overridden, overrideReasons, acceptanceRate."""
    summary: dict[str, dict[str, Any]] = {}
    recommendation = func.coalesce(served_card.c.recommendation_id, UNKNOWN_RECOMMENDATION)
    with _read_connection() as connection:
        served = connection.execute(
            select(recommendation, func.count())
            .where(served_card.c.service_id == service_id)
            .group_by(recommendation)
        )
        for rec_id, count in served:
            summary.setdefault(rec_id, _empty_summary())["served"] = int(count)
        outcomes = connection.execute(
            select(
                recommendation,
                feedback.c.outcome,
                feedback.c.override_reason_code,
                func.count(),
            )
            .select_from(
                feedback.outerjoin(served_card, served_card.c.card_uuid == feedback.c.card_uuid)
            )
            .where(feedback.c.service_id == service_id)
            .group_by(recommendation, feedback.c.outcome, feedback.c.override_reason_code)
        )
        for rec_id, outcome, reason_code, count in outcomes:
            entry = summary.setdefault(rec_id, _empty_summary())
            entry[outcome] += int(count)
            if outcome == "overridden" and reason_code:
                reasons = entry["overrideReasons"]
                reasons[reason_code] = reasons.get(reason_code, 0) + int(count)
    for entry in summary.values():
        decided = entry["accepted"] + entry["overridden"]
        if decided:
            entry["acceptanceRate"] = round(entry["accepted"] / decided, 4)
        if not entry["overrideReasons"]:
            del entry["overrideReasons"]  # CDS Hooks JSON style: omit empty objects
    return summary


def ping(app: Flask | None = None) -> None:
    """Run `SELECT 1`; raises when the database is unreachable."""
    with _read_connection(app) as connection:
        connection.execute(text("SELECT 1"))
