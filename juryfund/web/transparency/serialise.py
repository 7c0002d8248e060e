"""Published decisions as open data: the records of the CSV and JSON downloads and of the API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ...infra.links import external_url
from ...models import Area
from ...services.transparency import PublishedDecision
from ..serialise import attributes

#: The fields of a published decision in CSV, JSON and the API, in this order.
RECORD_FIELDS = (
    "reference",
    "title",
    "applicant",
    "fund_id",
    "fund",
    "body",
    "decided_at",
    "outcome",
    "amount_cents",
    "amount_eur",
)


def euros(cents: int | None) -> str | None:
    """Cents as a decimal euro string with a dot ("1234.50"), for open data; None stays None."""
    if cents is None:
        return None
    sign, cents = ("-" if cents < 0 else ""), abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def iso_utc(moment: datetime) -> str:
    """An aware datetime as RFC 3339 in UTC, to the second ("2026-03-01T17:00:00Z")."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def decision_record(decision: PublishedDecision) -> dict[str, Any]:
    """A published decision as plain data (keys of RECORD_FIELDS); nothing personal beyond consent."""
    return attributes(
        decision,
        RECORD_FIELDS,
        fund=decision.fund_name,
        decided_at=iso_utc(decision.decided_at),
        amount_cents=decision.approved_cents,
        amount_eur=euros(decision.approved_cents),
    )


def project_url(area: Area, decision: PublishedDecision) -> str:
    """The absolute address of the decision's project page, or "" when it has none."""
    if not decision.has_project_page:
        return ""
    return external_url("transparency.project", slug=area.slug, reference=decision.reference)


def decision_json(area: Area, decision: PublishedDecision) -> dict[str, Any]:
    """A published decision for JSON: its record and its project page's address (or null)."""
    return {**decision_record(decision), "project_url": project_url(area, decision) or None}
