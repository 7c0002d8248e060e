"""Bank details for payouts: IBAN (ISO 13616, mod-97 checksum) and BIC (ISO 9362).

Pure rules: input may hold spaces and lowercase letters (as people copy them from a bank
card or letter); what is stored is the normalised form, uppercase without spaces, and what is
shown is grouped in fours. A refusal is a DomainError on the field with a stable reason.
"""

from __future__ import annotations

import re

from .errors import DomainError

#: IBAN length per country (ISO 13616 registry), at least every EU/EEA country and its
#: neighbours a neighbourhood fund's applicant may bank in.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22,
    "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GI": 23,
    "GL": 18, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27, "LI": 21,
    "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28,
    "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TR": 26, "UA": 29,
    "VA": 22,
}  # fmt: skip

#: Longest IBAN of any country (ISO 13616 allows 34 characters).
IBAN_MAX = 34
_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]+")
_BIC_SHAPE = re.compile(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?")
#: What people type between the groups: spaces (also non-breaking ones) and hyphens.
_SEPARATORS = re.compile(r"[\s\u00a0\u202f-]+")


def compact(text: str) -> str:
    """The text without separators, in uppercase: how an IBAN or BIC is stored."""
    return _SEPARATORS.sub("", text).upper()


def mod97(iban: str) -> int:
    """The ISO 7064 MOD 97-10 remainder of a compact IBAN (1 for a valid one)."""
    rearranged = iban[4:] + iban[:4]
    # Letters count as two digits: A = 10 … Z = 35.
    remainder = 0
    for char in rearranged:
        remainder = int(str(remainder) + str(int(char, 36))) % 97
    return remainder


def parse_iban(text: str, *, field: str = "iban") -> str:
    """The IBAN typed by a person, checked and normalised (uppercase, no spaces).

    Refuses an empty one, a malformed one, an unknown country, a wrong length for the
    country and a wrong checksum, each with its own reason.
    """
    iban = compact(text)
    if not iban:
        raise DomainError("iban.empty", field=field)
    if len(iban) > IBAN_MAX or not _IBAN_SHAPE.fullmatch(iban):
        raise DomainError("iban.invalid", field=field)
    country = iban[:2]
    length = IBAN_LENGTHS.get(country)
    if length is None:
        raise DomainError("iban.country", field=field, country=country)
    if len(iban) != length:
        raise DomainError("iban.length", field=field, country=country, length=length)
    if mod97(iban) != 1:
        raise DomainError("iban.checksum", field=field)
    return iban


def parse_bic(text: str, *, field: str = "bic") -> str:
    """The BIC typed by a person (optional: empty stays empty), checked and normalised."""
    bic = compact(text)
    if bic and not _BIC_SHAPE.fullmatch(bic):
        raise DomainError("bic.invalid", field=field)
    return bic


def format_iban(iban: str) -> str:
    """An IBAN for reading: groups of four characters separated by spaces."""
    iban = compact(iban)
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def mask_iban(iban: str) -> str:
    """An IBAN with all but its country, checksum and last four characters hidden."""
    iban = compact(iban)
    if len(iban) <= 8:
        return "•" * len(iban)
    hidden = iban[:4] + "•" * (len(iban) - 8) + iban[-4:]
    return format_iban(hidden)
