"""Conflicts of interest (Befangenheit, § 20 VwVfG): which are likely, and who is excluded.

The product looks for likely conflicts itself before anyone votes: a member whose e-mail, name
or organisation matches the applicant's, or who is named in the application. A member may also
declare one, and staff may raise one. Whatever raised it, only the body decides otherwise
(§ 20 (4) VwVfG), and staff record that decision; until then the member does not vote on the
item and does not count for its quorum.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "Ground",
    "Party",
    "RaisedBy",
    "excluded",
    "likely_conflict",
    "normalise",
]


class Ground(StrEnum):
    """Why the product thinks a member has a conflict on an application."""

    EMAIL = "email"  # the member's e-mail is the applicant's
    NAME = "name"  # the member's name is the applicant's
    ORGANISATION = "organisation"  # the member's organisation is the applying one
    NAMED = "named"  # the member's full name appears in the application's texts


class RaisedBy(StrEnum):
    """Who brought a conflict up: the product's check, the member, or staff (for the body)."""

    DETECTED = "detected"
    MEMBER = "member"
    STAFF = "staff"


@dataclass(frozen=True)
class Party:
    """A person as far as conflicts go: a member, or an applicant with their application."""

    name: str
    email: str = ""
    organisation: str = ""
    #: Free texts of an application (title, description, place, …) a member may be named in.
    texts: tuple[str, ...] = field(default_factory=tuple)


# Umlauts and ß as Germans write them without the letters (Müller = Mueller); other accents
# (Ayşe, Yılmaz, José) lose their marks after this.
_SPELLED_OUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ı": "i", "ø": "o"})
# Legal forms say nothing about who an organisation is: "Kiezküche e.V." is "Kiezküche".
_LEGAL_FORMS = frozenset({"ev", "e v", "gmbh", "ggmbh", "ug", "gbr", "eg", "ag"})


def normalise(text: str) -> str:
    """Text reduced for comparison: lower case, umlauts spelled out, no accents, single spaces."""
    text = unicodedata.normalize("NFC", text).casefold().translate(_SPELLED_OUT)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def _organisation(text: str) -> str:
    """An organisation's name without its legal form (e.V., gGmbH, …)."""
    words = normalise(text).split()
    while len(words) > 1:  # a name that is nothing but a legal form stays as it is
        if " ".join(words[-2:]) in _LEGAL_FORMS and len(words) > 2:
            words = words[:-2]  # "e.V." normalises to the two words "e v"
        elif words[-1] in _LEGAL_FORMS:
            words = words[:-1]
        else:
            break
    return " ".join(words)


def _names_in(name: str, texts: Iterable[str]) -> bool:
    """True when a full name (two words or more) stands as whole words in one of the texts."""
    wanted = normalise(name)
    if len(wanted.split()) < 2:  # a first name alone would flag every Anna in every text
        return False
    return any(f" {wanted} " in f" {normalise(text)} " for text in texts)


def likely_conflict(member: Party, applicant: Party) -> frozenset[Ground]:
    """The grounds on which the member probably has a conflict on the applicant's application."""
    grounds: set[Ground] = set()
    email = member.email.strip().lower()
    if email and email == applicant.email.strip().lower():
        grounds.add(Ground.EMAIL)
    if normalise(member.name) and normalise(member.name) == normalise(applicant.name):
        grounds.add(Ground.NAME)
    organisation = _organisation(member.organisation)
    if organisation and organisation == _organisation(applicant.organisation):
        grounds.add(Ground.ORGANISATION)
    if _names_in(member.name, (applicant.organisation, *applicant.texts)):
        grounds.add(Ground.NAMED)
    return frozenset(grounds)


def excluded(*, detected: bool, declared: bool, ruled: bool | None) -> bool:
    """Whether a member is excluded from voting on an item.

    A member's own declaration always excludes (a lifting ruling removes the declaration it
    lifts, so one standing now was made after it). Otherwise the body's ruling decides where
    there is one, and a conflict the product detected excludes until the body rules otherwise.
    """
    if declared:
        return True
    return ruled if ruled is not None else detected
