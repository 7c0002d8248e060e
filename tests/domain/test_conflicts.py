"""Likely conflicts of interest and who is excluded (domain.conflicts), table by table."""

from __future__ import annotations

import pytest

from juryfund.domain.conflicts import Ground, Party, excluded, likely_conflict, normalise

pytestmark = pytest.mark.voting


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("Müller", "mueller"),
        ("  MÜLLER  ", "mueller"),
        ("Jürgen Groß", "juergen gross"),
        ("Ayşe Yılmaz", "ayse yilmaz"),
        ("Ömer Çelik", "oemer celik"),
        ("José-María  O'Neill", "jose maria o neill"),
        ("Kiezküche e.V.", "kiezkueche e v"),
        ("", ""),
    ],
)
def test_normalise(text, normalised):
    assert normalise(text) == normalised


AYSE = Party(
    name="Ayşe Yılmaz",
    email="ayse@example.org",
    organisation="Hofgemeinschaft e.V.",
    texts=("Hoffest", "Ein Fest im Hof mit Hans Meier als Koch"),
)


@pytest.mark.parametrize(
    ("member", "grounds"),
    [
        (Party("Someone Else", "other@example.org"), set()),
        (Party("Someone Else", " AYSE@example.org "), {Ground.EMAIL}),
        (Party("Ayse Yilmaz", "other@example.org"), {Ground.NAME}),
        (Party("AYŞE  YILMAZ"), {Ground.NAME}),
        (Party("Ayşe", "other@example.org"), set()),  # a first name alone is no match
        (Party("Other", organisation="Hofgemeinschaft"), {Ground.ORGANISATION}),
        (Party("Other", organisation="hofgemeinschaft e. V."), {Ground.ORGANISATION}),
        (Party("Other", organisation="Hof"), set()),  # only the whole name of it
        (Party("Hans Meier"), {Ground.NAMED}),
        (Party("Hans Meierhofer"), set()),  # whole words only
        (Party("Meier"), set()),
        (
            Party("Ayşe Yılmaz", "ayse@example.org", "Hofgemeinschaft"),
            {Ground.EMAIL, Ground.NAME, Ground.ORGANISATION},
        ),
        (Party("", ""), set()),
    ],
)
def test_likely_conflict(member, grounds):
    assert likely_conflict(member, AYSE) == grounds


def test_an_applicant_without_organisation_matches_no_member_without_one():
    applicant = Party("Ayşe Yılmaz", "ayse@example.org")
    assert likely_conflict(Party("Other", "o@example.org"), applicant) == set()


@pytest.mark.parametrize(
    ("detected", "declared", "ruled", "is_excluded"),
    [
        (False, False, None, False),  # nothing raised
        (True, False, None, True),  # found: excluded until the body rules otherwise
        (True, False, False, False),  # the body lifted the finding
        (True, False, True, True),  # the body confirmed it
        (False, True, None, True),  # the member's own declaration
        (False, True, False, True),  # declared again after a lifting ruling
        (False, False, True, True),  # the body excluded a member on its own motion
        (False, False, False, False),
    ],
)
def test_who_is_excluded(detected, declared, ruled, is_excluded):
    assert excluded(detected=detected, declared=declared, ruled=ruled) is is_excluded
