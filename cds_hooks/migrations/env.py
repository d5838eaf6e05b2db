"""Alembic environment: migrations run on the connection `cds_hooks.store.migrate` hands in.

That connection already holds the schema lock (SQLite BEGIN IMMEDIATE, PostgreSQL advisory
lock), so several workers starting at once migrate one after the other.
"""

from __future__ import annotations

from alembic import context

from cds_hooks.store import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run migrations through cds_hooks.store (migrate / alembic_config(connection))"
    )

# Batch mode lets future ALTER TABLE migrations work on SQLite too.
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
