"""The transparency blueprint, shared by the modules that register views on it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("transparency", __name__)
