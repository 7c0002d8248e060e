"""The closed vocabularies of the domain: kinds of funds, bodies, members, applicants and costs."""

from __future__ import annotations

FUND_KINDS = ("action_fund", "neighbourhood_fund")
BODY_KINDS = ("jury", "council")
#: The group a member belongs to (a deputy replaces only someone of their own group).
MEMBER_ROLES = ("resident", "institution")
#: How a member sits on the body: full member, deputy or successor (domain.composition.Seat).
MEMBER_SEATS = ("full", "deputy", "successor")
APPLICANT_KINDS = ("person", "initiative", "association")
ROUND_MODES = ("meeting", "circulation")

#: Cost categories of a cost plan. A fund lists which of them it pays for; fees for the
#: applicants themselves are a category so the form can say plainly that they are not eligible.
COST_CATEGORIES = (
    "material",
    "consumables",
    "services",
    "rent",
    "publicity",
    "catering",
    "transport",
    "equipment",
    "applicant_fee",
    "other",
)
