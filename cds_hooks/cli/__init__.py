"""`iliac-cds` command line."""

from cds_hooks.cli.main import main

__all__ = ["main"]
