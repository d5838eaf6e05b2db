"""Alembic environment: migrations run on the connection that
`cds_hooks.storage.database.create_schema` hands in.

That connection already holds the schema lock (SQLite BEGIN IMMEDIATE, PostgreSQL advisory
lock), so several workers starting at once migrate one after the other.
"""

from __future__ import annotations

from alembic import context

from cds_hooks.storage.database import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run migrations through cds_hooks.storage.database (migrate / alembic_config(connection))"
    )

# Batch mode lets future ALTER TABLE migrations work on SQLite too.
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
