"""Fixtures shared by the foundation tests."""

from __future__ import annotations

import os

import pytest


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No JURYFUND_* variable from the outside leaks into these tests."""
    for name in list(os.environ):
        if name.startswith("JURYFUND_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("JURYFUND_INSTANCE_PATH", str(tmp_path))
    return monkeypatch
