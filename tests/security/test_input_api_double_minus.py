"""A doubled minus sign in a public API query parameter is a JSON 400, never a server error."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "query",
    ["decisions?page=--5", "decisions?per_page=--5", "decisions?fund=--1", "budget?year=--2026"],
)
def test_api_parameter_with_two_minus_signs_is_a_json_400(app, client, area, fund, query):
    """GET /api/v1/areas/<slug>/decisions?page=--5 answers 500 to anyone.

    _int_param (juryfund/web/api/routes.py:85) checks ``text.lstrip("-").isdigit()``, which
    strips every leading minus, so "--5" passes and ``int("--5")`` raises ValueError outside
    the BadRequest path. Every other malformed number ("-", "1e3", "abc") is a JSON 400 as the
    API documents; this one must be too.
    """
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get(f"/api/v1/areas/{area.slug}/{query}")
    assert response.status_code == 400
    assert response.is_json
