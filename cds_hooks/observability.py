"""Placeholder: replaced by the issue that owns this part."""

from flask import Flask


def init_app(app: Flask) -> None:
    return None
