"""The database: tables, engine and schema migrations (SQLAlchemy 2, Alembic).

SQLite (default, in the instance folder) and PostgreSQL are supported. One `Store` (engine and
schema state) per app lives in `app.extensions["cds_store"]`; `cds_hooks.storage.store` holds the
operations on it.
"""

from __future__ import annotations

import ast
import contextlib
import logging
import os
import threading
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import Connection

from cds_hooks.config import ConfigError, env_name
from cds_hooks.storage.card_log import WriteBehindLog

if TYPE_CHECKING:  # Alembic is imported only when the schema is checked (start-up)
    from alembic.config import Config as AlembicConfig

EXTENSION_KEY = "cds_store"
SQLITE_FILENAME = "iliac-cds.sqlite"
SQLITE_BUSY_TIMEOUT_SECONDS = 30
JTI_PRUNE_INTERVAL_SECONDS = 60.0
UNKNOWN_RECOMMENDATION = "unknown"
READ_ONLY_OPTION = "cds_read_only"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SCHEMA_LOCK_KEY = 0x11AC_CD5  # arbitrary, constant: pg advisory lock id for schema creation

log = logging.getLogger("cds_hooks.storage.store")
metadata = MetaData()

seen_jti = Table(
    "seen_jti",
    metadata,
    Column("issuer", String, primary_key=True),
    Column("jti", String, primary_key=True),
    # Naive UTC everywhere: SQLite has no time zone type, and string comparison must order.
    Column("expires_at", DateTime(timezone=False), nullable=False, index=True),
)

served_card = Table(
    "served_card",
    metadata,
    Column("card_uuid", String(64), primary_key=True),
    Column("service_id", String(200), nullable=False, index=True),
    Column("recommendation_id", String(200), nullable=True),
    Column("indicator", String(20), nullable=True),
    Column("hook_instance", String(200), nullable=True),
    Column("served_at", DateTime(timezone=False), nullable=False),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("service_id", String(200), nullable=False, index=True),
    Column("card_uuid", String(64), nullable=False, index=True),
    Column("outcome", String(20), nullable=False),
    # Normalised RFC 3339 UTC text, so equal instants written differently collide.
    Column("outcome_timestamp", String(40), nullable=False),
    Column("accepted_suggestions", JSON, nullable=False),
    Column("override_reason_system", String(500), nullable=True),
    Column("override_reason_code", String(200), nullable=True),
    Column("override_reason_display", String(500), nullable=True),
    # The comment itself is free text that may hold clinical content; only its presence is kept.
    Column("has_user_comment", Boolean, nullable=False, default=False),
    Column("received_at", DateTime(timezone=False), nullable=False),
    UniqueConstraint("card_uuid", "outcome", "outcome_timestamp", name="uq_feedback_entry"),
)


@dataclass
class Store:
    engine: Engine
    schema_ready: bool = False
    # Served cards waiting to be written (cds_hooks.storage.store sets it up).
    card_log: WriteBehindLog | None = None
    _schema_lock: threading.Lock = field(default_factory=threading.Lock)
    _last_prune: float = 0.0
    _prune_lock: threading.Lock = field(default_factory=threading.Lock)

    def ensure_schema(self) -> None:
        """Create the tables once; retried on later use if the database was down at start."""
        if self.schema_ready:
            return
        with self._schema_lock:
            if not self.schema_ready:
                create_schema(self.engine)
                self.schema_ready = True


def database_url(app: Flask) -> str:
    """The SQLAlchemy URL for `CDS_DATABASE_URL`, defaulting to SQLite in the instance folder."""
    raw = str(app.config.get("DATABASE_URL") or "").strip()
    if not raw:
        return "sqlite:///" + os.path.join(app.instance_path, SQLITE_FILENAME)
    return normalise_url(raw)


def normalise_url(raw: str) -> str:
    """Pin PostgreSQL URLs to psycopg 3; raises ConfigError for unsupported schemes."""
    # Hosting platforms hand out libpq-style URLs; SQLAlchemy would pick psycopg2 for them.
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    if raw.startswith(("postgresql+psycopg://", "sqlite:")):
        return raw
    raise ConfigError(
        f"{env_name('DATABASE_URL')} must be a postgresql:// or sqlite:// URL "
        f"(scheme {raw.split(':', 1)[0]!r} is not supported)"
    )


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy so the "begin" hook below decides BEGIN mode.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get(READ_ONLY_OPTION):
            # WAL readers never wait for writers; a deferred BEGIN keeps it that way.
            connection.exec_driver_sql("BEGIN")
            return
        # IMMEDIATE takes the write lock up front: a deferred transaction that upgrades from
        # read to write gets SQLITE_BUSY at once instead of waiting on busy_timeout.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def build_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False}
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def alembic_config(connection: Connection) -> AlembicConfig:
    """Alembic settings for this package's migrations, bound to an open connection."""
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def create_schema(engine: Engine) -> None:
    """Bring the schema to the newest migration; safe when several workers start at once."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Concurrent migrations would race on the catalog; SQLite is serialised by BEGIN
            # IMMEDIATE already.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
        tables = set(inspect(connection).get_table_names())
        if "alembic_version" in tables and _at_head(connection):
            return  # the usual start: nothing to migrate, so Alembic is never imported
        from alembic import command as alembic_command

        config = alembic_config(connection)
        if "alembic_version" not in tables and {"feedback", "served_card", "seen_jti"} <= tables:
            # Created by create_all before migrations existed: it is revision 0001.
            alembic_command.stamp(config, "0001")
        alembic_command.upgrade(config, "head")


def head_revision() -> str:
    """The newest migration's revision id, read from the migration files (no Alembic import:
    importing it costs more than the rest of a start-up check)."""
    revisions: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        names: dict[str, Any] = {}
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in tree.body:
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name) and node.value is not None:
                        with contextlib.suppress(ValueError):
                            names[target.id] = ast.literal_eval(node.value)
        if isinstance(names.get("revision"), str):
            revisions[names["revision"]] = names.get("down_revision")
    parents = {down for down in revisions.values() if isinstance(down, str)}
    heads = [rev for rev in revisions if rev not in parents]
    if len(heads) != 1:
        raise RuntimeError(f"migrations must have exactly one head, found {sorted(heads)}")
    return heads[0]


def _at_head(connection: Connection) -> bool:
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return rows == [head_revision()]


def drop_schema(engine: Engine) -> None:
    """Drop every table, migration history included (tests and local resets only)."""
    with engine.begin() as connection:
        metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def _store(app: Flask | None = None) -> Store:
    target = app if app is not None else current_app
    return target.extensions[EXTENSION_KEY]


def get_engine(app: Flask | None = None) -> Engine:
    """The app's engine, schema in place and every card this process served written (so what
    is read through it is up to date); inside a request `app` may be omitted."""
    store = _store(app)
    store.ensure_schema()
    if store.card_log is not None:
        store.card_log.flush()
    return store.engine


def writer_engine(app: Flask | None = None) -> Engine:
    """The app's engine, schema in place, for writes that need no pending served card."""
    store = _store(app)
    store.ensure_schema()
    return store.engine


def close(app: Flask) -> None:
    """Write the pending served cards and close the pooled connections (tests, shutdown)."""
    store = _store(app)
    if store.card_log is not None:
        try:
            store.card_log.flush()
        except Exception as exc:  # noqa: BLE001 - closing must not fail on a dead database
            log.error("served-card log: final write failed (%s)", type(exc).__name__)
    store.engine.dispose()


def forget_connections_after_fork(engine: Engine) -> None:
    """A forked worker (gunicorn preload_app) must not use connections its parent opened: a
    shared socket or SQLite file handle corrupts both sides. The child drops them unclosed."""
    ref = weakref.ref(engine)

    def after_in_child() -> None:
        child_engine = ref()
        if child_engine is not None:
            child_engine.dispose(close=False)

    os.register_at_fork(after_in_child=after_in_child)


def _read_connection(app: Flask | None = None) -> Connection:
    return get_engine(app).connect().execution_options(**{READ_ONLY_OPTION: True})


def _utc_naive(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _insert(connection: Connection, table: Table) -> Any:
    """An INSERT that silently skips rows violating a unique constraint, atomically."""
    # The dialect modules are imported here: the engine has loaded its own already, and the
    # other one (PostgreSQL's is ~30 ms) need never be imported.
    dialect = connection.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(table).on_conflict_do_nothing()
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing()
    raise ConfigError(f"unsupported database dialect {dialect!r}")


