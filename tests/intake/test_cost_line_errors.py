"""A mistake in one cost line is told next to that line only: the checks of the plan's total
wait until every line is readable, and a line sent without a field is an error, never a 500."""

from __future__ import annotations

import pytest

from .conftest import application_data
from .field_errors import field_errors

pytestmark = pytest.mark.intake


def test_a_typo_in_one_cost_line_is_told_only_next_to_that_line(area, send):
    """A quantity typed as "1,5" gets its message next to the quantity; the amount requested
    (exactly the plan's total) is not also called "above your cost plan", with a total that
    silently leaves that line out."""
    typed = application_data(**{"cost_items-0-quantity": "1,5"})
    response = send("/soldiner-kiez/apply", typed, "check", headers={"Accept-Language": "de"})
    errors = field_errors(response)
    assert "cost_items-0-quantity" in errors
    assert "requested" not in errors, errors["requested"]


def test_a_cost_line_sent_without_its_description_field_is_an_error_next_to_it_not_a_500(
    area, send
):
    """A cost line whose request carries a price but no description field at all (a script,
    an old cached page, a browser extension) gets "required" next to the description; the
    public form never answers 500."""
    typed = application_data(**{"cost_items-3-unit_price": "10,00"})
    response = send("/soldiner-kiez/apply", typed, "check", headers={"Accept-Language": "de"})
    assert response.status_code == 200
    assert "cost_items-3-description" in field_errors(response)
