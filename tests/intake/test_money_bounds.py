"""Large amounts on the application form: stored in 64 bits, or refused next to their field."""

from __future__ import annotations

import html as htmllib
import re

import pytest
from sqlalchemy import select

from juryfund.domain.errors import MoneyError
from juryfund.domain.intake import MAX_QUANTITY
from juryfund.domain.money import MAX_CENTS, bounded_sum, check_bound
from juryfund.extensions import db
from juryfund.models import Application, CostItem

from .conftest import application_data, only_application

pytestmark = [pytest.mark.intake, pytest.mark.security]

URL = "/soldiner-kiez/apply"
#: A cost plan of one line: 100,000 pieces at 1,000 € each, exactly the bound of 100 million €.
HUGE_LINE = {
    "cost_items-0-description": "Pflastersteine",
    "cost_items-0-quantity": "100000",
    "cost_items-0-unit_price": "1.000,00",
    "cost_items-1-description": "",
    "cost_items-1-quantity": "",
    "cost_items-1-unit_price": "",
    "cost_items-2-description": "",
    "cost_items-2-quantity": "",
    "cost_items-2-unit_price": "",
}


def field_error(page: str, field_id: str) -> str:
    """The error text shown next to a field ("" when there is none)."""
    match = re.search(
        rf'<p class="field-error" id="{re.escape(field_id)}-error">(.*?)</p>', page, re.DOTALL
    )
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split()) if match else ""


def field_value(page: str, field_id: str) -> str:
    """The value an input shows when the form comes back."""
    tag = re.search(rf'<input[^>]*\bid="{re.escape(field_id)}"[^>]*>', page)
    assert tag, field_id
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return htmllib.unescape(value.group(1)) if value else ""


def test_the_bound_helpers_name_the_field_that_passes_it():
    assert check_bound(MAX_CENTS, field="amount") == MAX_CENTS
    with pytest.raises(MoneyError) as refused:
        check_bound(MAX_CENTS + 1, field="amount")
    assert (refused.value.reason, refused.value.field) == ("money.too_large", "amount")
    assert refused.value.params == {"maximum_cents": MAX_CENTS}
    with pytest.raises(MoneyError) as refused:
        bounded_sum([(MAX_CENTS - 1, "a"), (1, "b"), (1, "c"), (1, "d")])
    assert (refused.value.reason, refused.value.field) == ("money.total_too_large", "c")


def test_cost_line_of_100000_times_1000_euros_is_stored(area, apply):
    response = apply(**HUGE_LINE, requested="1.000,00")
    assert response.status_code == 302
    application = only_application()
    assert (application.total_cents, application.requested_cents) == (MAX_CENTS, 100000)
    line = db.session.scalars(select(CostItem)).one()
    assert (line.quantity, line.unit_cents, line.total_cents) == (100000, 100000, MAX_CENTS)


def test_cost_plan_above_the_bound_is_refused_next_to_the_line_that_passes_it(area, send):
    data = application_data(
        **{
            **HUGE_LINE,
            "cost_items-2-description": "Fugensand",
            "cost_items-2-quantity": "1",
            "cost_items-2-unit_price": "0,01",
        },
        requested="1.000,00",
    )
    response = send(URL, data, "check")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    # The blank line in between is skipped: the error sits on the third line, as typed.
    assert "100.000.000,00" in field_error(page, "cost_items-2-unit_price")
    assert field_error(page, "cost_items-0-unit_price") == ""
    assert field_value(page, "cost_items-2-unit_price") == "0,01"
    assert field_value(page, "cost_items-0-quantity") == "100000"
    assert 'name="confirmed_fund"' not in page
    assert db.session.scalars(select(Application)).all() == []


def test_cost_line_above_the_bound_is_refused_at_its_unit_price(area, send):
    data = application_data(
        **{**HUGE_LINE, "cost_items-0-quantity": "2", "cost_items-0-unit_price": "99.999.999,99"},
        requested="1.000,00",
    )
    response = send(URL, data, "submit")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "100.000.000,00" in field_error(page, "cost_items-0-unit_price")
    assert field_value(page, "cost_items-0-unit_price") == "99.999.999,99"
    assert db.session.scalars(select(Application)).all() == []


@pytest.mark.parametrize("quantity", ["99999999999999999999", "100001", "0", "1,5", "9" * 5000])
def test_quantity_out_of_range_is_a_field_error(area, send, quantity):
    data = application_data(**{"cost_items-0-quantity": quantity})
    response = send(URL, data, "check")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    # One translated message: not the form's and the domain's both, nor WTForms' English one.
    assert field_error(page, "cost_items-0-quantity") in {
        "Fehler: Bitte geben Sie eine Zahl von 1 bis 100000 ein.",
        "Fehler: Bitte geben Sie eine ganze Zahl ein.",
    }
    assert field_value(page, "cost_items-0-quantity") == quantity
    assert 'name="confirmed_fund"' not in page


def test_form_and_domain_share_the_quantity_range(area, send):
    data = application_data(**{"cost_items-0-quantity": str(MAX_QUANTITY)})
    page = send(URL, data, "check").get_data(as_text=True)
    assert field_error(page, "cost_items-0-quantity") == ""
