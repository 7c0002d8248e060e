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
#: The texts an area's staff write about the area, in German and optionally in each offered
#: language; each is also a column of the area, which holds the German source.
AREA_TEXT_FIELDS = ("description", "goals", "contact_info", "meeting_places")
#: The texts about one fund, likewise (German on the fund row).
FUND_TEXT_FIELDS = ("description", "eligibility_hints")

#: Cost categories of a cost plan. A fund lists which of them it pays for; fees for the
#: applicants themselves are a category so the form can say plainly that they are not eligible.
#: "fee" is a fee (Honorar) for someone else, e.g. a musician; each fund's fee rule decides it
#: (domain.fundrules), not its list of eligible categories.
COST_CATEGORIES = (
    "material",
    "consumables",
    "services",
    "rent",
    "publicity",
    "catering",
    "transport",
    "equipment",
    "fee",
    "applicant_fee",
    "other",
)

#: How a fund treats fees (Honorare): paid like any cost, never paid, or paid up to a cap.
FEE_RULES = ("allowed", "forbidden", "capped")
#: Staff's choice on a receipt flagged at proof of use (dated before the application or outside
#: the funding period): it counts toward the proven costs, or it does not.
RECEIPT_CHOICES = ("accepted", "refused")
