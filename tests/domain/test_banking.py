"""Bank details: IBAN checksum, lengths per country, BIC shape, normalising and showing."""

import pytest

from juryfund.domain.banking import (
    IBAN_LENGTHS,
    format_iban,
    mask_iban,
    mod97,
    parse_bic,
    parse_iban,
)
from juryfund.domain.errors import DomainError

pytestmark = pytest.mark.domain

VALID_IBANS = [
    ("DE89370400440532013000", "DE89370400440532013000"),
    ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
    ("de89 3704 0044 0532 0130 00", "DE89370400440532013000"),
    ("  DE89-3704-0044-0532-0130-00  ", "DE89370400440532013000"),
    ("DE89\u00a03704\u00a00044\u00a00532\u00a00130\u00a000", "DE89370400440532013000"),
    ("AT611904300234573201", "AT611904300234573201"),
    ("FR14 2004 1010 0505 0001 3M02 606", "FR1420041010050500013M02606"),
    ("NL91ABNA0417164300", "NL91ABNA0417164300"),
    ("PL61109010140000071219812874", "PL61109010140000071219812874"),
    ("BE68539007547034", "BE68539007547034"),
    ("NO9386011117947", "NO9386011117947"),
    ("MT84MALT011000012345MTLCAST001S", "MT84MALT011000012345MTLCAST001S"),
    ("TR330006100519786457841326", "TR330006100519786457841326"),
]

REFUSED_IBANS = [
    ("", "iban.empty"),
    ("   ", "iban.empty"),
    ("DE89370400440532013001", "iban.checksum"),  # last digit changed
    ("DE98370400440532013000", "iban.checksum"),  # check digits swapped
    ("DE8937040044053201300", "iban.length"),  # one digit short
    ("DE893704004405320130000", "iban.length"),  # one digit too many
    ("XX89370400440532013000", "iban.country"),
    ("D89370400440532013000", "iban.invalid"),
    ("DEAB370400440532013000", "iban.invalid"),
    ("DE89 3704 0044 0532 0130 0!", "iban.invalid"),
    ("DE89" + "0" * 40, "iban.invalid"),
    ("370400440532013000", "iban.invalid"),
]


@pytest.mark.parametrize(("typed", "stored"), VALID_IBANS)
def test_valid_iban_is_stored_uppercase_without_spaces(typed, stored):
    assert parse_iban(typed) == stored


@pytest.mark.parametrize(("typed", "reason"), REFUSED_IBANS)
def test_bad_iban_is_refused_on_its_field_with_its_reason(typed, reason):
    with pytest.raises(DomainError) as caught:
        parse_iban(typed, field="pr-iban")
    assert (caught.value.reason, caught.value.field) == (reason, "pr-iban")


def test_wrong_length_names_the_country_and_its_length():
    with pytest.raises(DomainError) as caught:
        parse_iban("DE8937040044053201300")
    assert caught.value.params == {"country": "DE", "length": 22}


def test_every_eu_and_eea_country_is_known():
    eea = (
        "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IS IT LI LT LU LV MT NL NO PL PT RO SE SI SK"
    )
    assert set(eea.split()) <= set(IBAN_LENGTHS)


def test_mod97_of_a_valid_iban_is_one():
    assert mod97("GB82WEST12345698765432") == 1
    assert mod97("GB82WEST12345698765431") != 1


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("", ""),
        ("  ", ""),
        ("COBADEFFXXX", "COBADEFFXXX"),
        ("cobadeff", "COBADEFF"),
        ("COBA DE FF XXX", "COBADEFFXXX"),
        ("GENODEF1S04", "GENODEF1S04"),
    ],
)
def test_bic_is_optional_and_normalised(typed, stored):
    assert parse_bic(typed) == stored


@pytest.mark.parametrize(
    "typed", ["COBADE", "COBADEFFX", "COBADEFFXX", "1OBADEFF", "COBA12FF", "COBADEFF!XX"]
)
def test_bad_bic_is_refused(typed):
    with pytest.raises(DomainError) as caught:
        parse_bic(typed)
    assert (caught.value.reason, caught.value.field) == ("bic.invalid", "bic")


def test_iban_is_shown_in_groups_of_four_and_masked_for_others():
    assert format_iban("DE89370400440532013000") == "DE89 3704 0044 0532 0130 00"
    assert mask_iban("DE89370400440532013000") == "DE89 •••• •••• •••• ••30 00"
    assert "0532" not in mask_iban("DE89370400440532013000")
    assert mask_iban("") == ""
