"""Alembic migrations of the store schema (run by `cds_hooks.store.migrate`)."""
