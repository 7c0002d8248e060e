"""The OpenAPI 3.0 document of the public API: every endpoint, parameter and response, exactly.

Response schemas forbid unknown properties, so the tests (schemathesis) notice when the API and
this description drift apart.
"""

from __future__ import annotations

from ...domain.vocabulary import FUND_KINDS
from ...services.transparency import FIRST_YEAR, LAST_YEAR

#: Page size of the decisions list unless the client asks otherwise, and its limits.
PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 100_000
MAX_ID = 2**31 - 1


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict, description: str = "") -> dict:
    """A closed object: every property required, no others allowed."""
    schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERROR_400 = _json(_ref("Error"), "A query parameter is not a whole number or out of range.")
ERROR_404 = _json(_ref("Error"), "No area with this slug, or no such fund in the area.")

SLUG = {
    "name": "slug",
    "in": "path",
    "required": True,
    "description": "The area's URL name, e.g. `soldiner-kiez`.",
    "schema": {"type": "string", "minLength": 1},
    "example": "soldiner-kiez",
}
YEAR = {
    "name": "year",
    "in": "query",
    "required": False,
    "schema": {"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR},
}
CENTS = {"type": "integer", "description": "Amount in euro cents."}

#: The balances of a fund year (or their sum), as the budget endpoint gives them.
BALANCES = {
    "allocated_cents": {**CENTS, "description": "Allocation + adjustments + carried in."},
    "committed_cents": {**CENTS, "description": "Commitments − releases."},
    "paid_cents": {**CENTS, "description": "Payments − refunds."},
    "available_cents": {
        "type": "integer",
        "nullable": True,
        "minimum": 0,
        "description": "Allocated + returned − committed − lapsed − carried out, in euro "
        "cents; null for a closed year, whose figures are final.",
    },
    "returned_cents": {
        **CENTS,
        "minimum": 0,
        "description": "Money of closed years' projects that came back into this year.",
    },
    "lapsed_cents": {**CENTS, "minimum": 0, "description": "Given back to the funder."},
    "carried_out_cents": {
        **CENTS,
        "minimum": 0,
        "description": "Unspent money carried into the next year at the close.",
    },
}

SCHEMAS = {
    "Error": _object({"error": {"type": "string"}}, "What went wrong, in English."),
    "Fund": _object(
        {
            "id": {"type": "integer", "minimum": 1},
            "name": {"type": "string"},
            "kind": {"type": "string", "enum": list(FUND_KINDS)},
            "cap_cents": {**CENTS, "description": "Most one application may get, in cents."},
            "minimum_cents": {**CENTS, "description": "Smallest request the fund takes, in cents."},
            "active": {"type": "boolean"},
        }
    ),
    "AreaSummary": _object(
        {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "city": {"type": "string"},
            "funds": {"type": "array", "items": _ref("Fund")},
            "url": {"type": "string", "format": "uri", "description": "The area's public page."},
        }
    ),
    "AreaList": _object({"areas": {"type": "array", "items": _ref("AreaSummary")}}),
    "Area": _object(
        {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "city": {"type": "string"},
            "funds": {"type": "array", "items": _ref("Fund")},
            "url": {"type": "string", "format": "uri"},
            "description": {"type": "string"},
            "timezone": {"type": "string", "description": "IANA time zone; years count in it."},
            "action_fields": {"type": "array", "items": {"type": "string"}},
            "links": _object(
                {
                    "decisions": {"type": "string", "format": "uri"},
                    "budget": {"type": "string", "format": "uri"},
                    "decisions_page": {"type": "string", "format": "uri"},
                    "feed": {"type": "string", "format": "uri"},
                }
            ),
        }
    ),
    "Decision": _object(
        {
            "reference": {
                "type": "string",
                "description": "Application reference, e.g. SOL-2026-0001.",
            },
            "title": {"type": "string"},
            "applicant": {
                "type": "string",
                "nullable": True,
                "description": "The applicant's name (only with their consent) or their group's "
                "name; null for a private initiative.",
            },
            "fund_id": {"type": "integer", "minimum": 1},
            "fund": {"type": "string"},
            "body": {"type": "string", "description": "The jury or council that decided."},
            "decided_at": {"type": "string", "format": "date-time"},
            "outcome": {"type": "string", "enum": ["approved", "rejected"]},
            "amount_cents": {
                **CENTS,
                "minimum": 1,
                "nullable": True,
                "description": "Approved amount in cents; null when rejected.",
            },
            "amount_eur": {
                "type": "string",
                "nullable": True,
                "pattern": r"^[0-9]+\.[0-9]{2}$",
                "description": "The approved amount in euros with a dot, e.g. 480.00.",
            },
            "project_url": {
                "type": "string",
                "format": "uri",
                "nullable": True,
                "description": "The funded project's public page; null when there is none.",
            },
        },
        "A decision in force (corrections replace what they supersede).",
    ),
    "DecisionPage": _object(
        {
            "area": {"type": "string"},
            "year": {"type": "integer", "nullable": True},
            "fund_id": {"type": "integer", "nullable": True},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "pages": {"type": "integer", "minimum": 1},
            "total": {"type": "integer", "minimum": 0},
            "items": {"type": "array", "items": _ref("Decision"), "maxItems": MAX_PER_PAGE},
        }
    ),
    "Balances": _object(BALANCES),
    "BudgetLine": _object(
        {
            "id": {"type": "integer", "minimum": 1},
            "name": {"type": "string"},
            "kind": {"type": "string", "enum": list(FUND_KINDS)},
            "closed": {"type": "boolean", "description": "The year is closed."},
            **BALANCES,
        }
    ),
    "Budget": _object(
        {
            "area": {"type": "string"},
            "year": {"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR},
            "funds": {"type": "array", "items": _ref("BudgetLine")},
            "totals": _ref("Balances"),
        }
    ),
}


def document() -> dict:
    """The OpenAPI document as a JSON-ready dict."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "juryfund open data API",
            "version": "1.0.0",
            "description": "Read-only public data of neighbourhood funds: areas, the published "
            "decisions of their juries and councils, and their budgets. Amounts are integer "
            "euro cents. Names of private applicants appear only with their consent.",
        },
        "paths": {
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "summary": "This document",
                    "responses": {"200": _json({"type": "object"}, "The OpenAPI document.")},
                }
            },
            "/api/v1/areas": {
                "get": {
                    "operationId": "listAreas",
                    "summary": "Every area with its funds",
                    "responses": {"200": _json(_ref("AreaList"), "The areas, by name.")},
                }
            },
            "/api/v1/areas/{slug}": {
                "get": {
                    "operationId": "getArea",
                    "summary": "One area",
                    "parameters": [SLUG],
                    "responses": {"200": _json(_ref("Area"), "The area."), "404": ERROR_404},
                }
            },
            "/api/v1/areas/{slug}/decisions": {
                "get": {
                    "operationId": "listDecisions",
                    "summary": "The area's published decisions, newest first",
                    "parameters": [
                        SLUG,
                        {
                            **YEAR,
                            "description": "Only decisions of this calendar year "
                            "(in the area's time zone); all years when left out.",
                        },
                        {
                            "name": "fund",
                            "in": "query",
                            "required": False,
                            "description": "Only decisions of this fund (its id).",
                            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                        },
                        {
                            "name": "page",
                            "in": "query",
                            "required": False,
                            "description": "Page number; a page after the last is empty.",
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": MAX_PAGE,
                                "default": 1,
                            },
                        },
                        {
                            "name": "per_page",
                            "in": "query",
                            "required": False,
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": MAX_PER_PAGE,
                                "default": PER_PAGE,
                            },
                        },
                    ],
                    "responses": {
                        "200": _json(_ref("DecisionPage"), "One page of decisions."),
                        "400": ERROR_400,
                        "404": ERROR_404,
                    },
                }
            },
            "/api/v1/areas/{slug}/budget": {
                "get": {
                    "operationId": "getBudget",
                    "summary": "Allocated, committed, paid and available money per fund",
                    "parameters": [
                        SLUG,
                        {**YEAR, "description": "The year; this year when left out."},
                    ],
                    "responses": {
                        "200": _json(_ref("Budget"), "The year's budget per fund."),
                        "400": ERROR_400,
                        "404": ERROR_404,
                    },
                }
            },
        },
        "components": {"schemas": SCHEMAS},
    }
