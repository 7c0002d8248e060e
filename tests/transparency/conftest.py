"""Fixtures for the public outputs: personal data that must never leak.

The area, jury, fund and staff, and ``decide`` (applications decided by a real jury meeting) are
the shared fixtures of ``tests/fixtures.py``.
"""

from __future__ import annotations

from tests.fixtures import Spec, ready_application  # noqa: F401  (the transparency tests import them from here)

#: Personal data no public output may contain unless the applicant agreed (name) — or ever.
SECRET_NAME = "Zelda Geheimname"
SECRET_EMAIL = "zelda.private@example.org"
SECRET_PHONE = "+49 30 5550199"
SECRET_ADDRESS = "Versteckweg 7, 13359 Berlin"
