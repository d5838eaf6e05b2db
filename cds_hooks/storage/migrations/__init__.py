"""Alembic migrations of the store schema (run by `cds_hooks.storage.database.create_schema`)."""
