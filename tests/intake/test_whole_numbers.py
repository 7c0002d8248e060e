"""Whole numbers on the application form (a cost line's quantity, participants, volunteer
hours): read in the digits the resident writes, and one translated message for text."""

from __future__ import annotations

import pytest

from .conftest import application_data
from .field_errors import field_errors

pytestmark = pytest.mark.intake


def test_arabic_digits_are_read_in_a_cost_line_quantity_as_in_its_price(area, send):
    """A resident writing Arabic-Indic digits ("١٠") gets the quantity read as 10, as the
    unit price, the amount requested and the participants are: the form checks, no error."""
    typed = application_data(
        **{"cost_items-0-quantity": "١٠", "cost_items-0-unit_price": "٤٫٥٠", "participants": "٤٠"}
    )
    response = send("/soldiner-kiez/apply", typed, "check", headers={"Accept-Language": "ar"})
    assert field_errors(response) == {}
    assert 'name="confirmed_fund"' in response.get_data(as_text=True)


@pytest.mark.parametrize("field", ["participants", "volunteer_hours"])
def test_an_unreadable_count_gets_one_translated_message(area, send, field):
    """Text in a whole-number field (participants, volunteer hours) gets one message, as the
    cost line's quantity does, not "not a valid integer" plus the range it never reached."""
    response = send(
        "/soldiner-kiez/apply",
        application_data(**{field: "viele"}),
        "check",
        headers={"Accept-Language": "tr"},
    )
    assert field_errors(response)[field] == "Lütfen bir tam sayı girin."
