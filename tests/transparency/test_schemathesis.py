"""The API against its own OpenAPI document, with schemathesis over the WSGI app.

Generated requests (valid and invalid) must never get a 5xx, and every answer must match the
documented status codes, content types and schemas. The document is loaded from the app itself
(GET /api/v1/openapi.json); each operation then runs against an app seeded with real decisions
and budgets, so the documented example slug ("soldiner-kiez") gets full answers, not only 404s.

(schemathesis.pytest.from_fixture would load the document from the seeded app directly, but
its lazy loader touches a pytest-internal attribute that pytest 9 removed; hence the two steps.)
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from juryfund import create_app
from juryfund.extensions import db
from juryfund.services import ledger

from .conftest import Spec

pytestmark = pytest.mark.transparency


def _document_app():
    """An app that only serves the document (no database needed for it)."""
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "JURYFUND_SECRET_KEYS": ["schema-only"],
        }
    )


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _document_app())


@pytest.fixture
def seeded_app(app, area, fund, staff, decide, make):
    """The test app with published decisions in two years, a payment and a second area."""
    apps = decide(
        [
            Spec("Hoffest", 57000, kind="initiative", organisation="Hofgemeinschaft"),
            Spec("Pflanzaktion", 48000, kind="person", name="Olena", consent=True),
            Spec("Kiezkino", outcome="rejected"),
        ]
    )
    decide([Spec("Winterfest", 30000)], at=datetime(2025, 12, 1, 18, tzinfo=UTC))
    ledger.book(
        fund.years[0],
        "payment",
        20000,
        application=apps[0],
        payment_type="advance",
        actor=staff.actor,
    )
    make.area(name="Lerchenberg", slug="lerchenberg", code="LER")
    db.session.commit()

    def isolated(environ, start_response):
        """Each request in its own app context (fresh session and g), as in production."""
        with app.app_context():
            return app(environ, start_response)

    return isolated


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_matches_its_openapi_document(case, seeded_app):
    case.call_and_validate(app=seeded_app)
