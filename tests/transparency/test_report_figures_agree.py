"""The annual report never names two different sums "Bewilligt" for the same fund and year.

Two projects are approved (400 € and 300 €); the first spends 250 € and is settled, so 150 €
go back to the fund. The report's summary and its "Nach Fonds" table say "Bewilligt 700,00 €";
its money table shows the 550,00 € still committed as "Gebunden", as the budget page does.
"""

from __future__ import annotations

import re

import pytest

from juryfund.infra import clock
from tests.fixtures import Spec
from tests.office_steps import DE, settle_partly_spent

pytestmark = pytest.mark.transparency


def test_annual_report_approved_figures_agree(client, login, staff, area, decide):
    hoffest, _lesung = decide(
        [Spec("Hoffest", 50000, approved=40000, reasons="Gekürzt."), Spec("Lesung", 30000)]
    )
    login(staff)
    settle_partly_spent(client, hoffest, area)

    year = clock.area_today(area).year
    html = client.get(f"/{area.slug}/report/{year}", headers=DE).get_data(as_text=True)
    html = html.replace("\xa0", " ")
    per_fund = re.search(r'<table class="numbers report-per-fund">.*?</table>', html, re.S).group(0)
    assert ">Bewilligt<" in per_fund and "700,00 €" in per_fund
    money = re.search(r'<table class="numbers report-money">.*?</table>', html, re.S).group(0)
    headers = re.findall(r'<th scope="col">([^<]+)</th>', money)
    committed = re.search(r'<td data-series="committed">([^<]+)</td>', money).group(1)
    # Whatever the money table calls "Bewilligt" is the approved sum the report states above.
    first_row = re.findall(r'<td data-series="[a-z_]+">([^<]+)</td>', money)[: len(headers) - 1]
    labelled = dict(zip(headers[1:], first_row, strict=True))
    # The money table calls the 550 € still committed what the budget page calls it; it
    # names no second "Bewilligt" sum.
    assert "Bewilligt" not in labelled, labelled
    assert labelled["Gebunden"] == committed == "550,00 €", labelled
