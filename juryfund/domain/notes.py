"""Notes the product writes itself: stored as codes, worded in the reader's language when shown.

A booking or a history line is never changed once written (append-only), and the same line is
read in German by the QM team and in Turkish by an applicant: so the product stores what
happened as a code ("@settlement", "@allowance:1000:33000") and the page words it. A note staff
or applicants typed is stored as typed and is only ever taken for a code when it is one exactly.

Notes written before the codes were English words ("settlement", "no quorum"); they are read
as their codes too (LEGACY), so old rows are worded like new ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

#: What starts a code note; the code and its whole-number parameters follow, ":" between them.
MARK = "@"


class NoteCode(StrEnum):
    """What a note the product wrote says; the parameters each one carries are noted."""

    ALLOCATION = "allocation"  # the year's budget booked when the year is opened
    SETTLEMENT = "settlement"  # the payment or release that settles a proof of use
    ALLOWANCE = "allowance"  # the flat allowance: share in basis points, proven costs in cents
    NO_QUORUM = "no_quorum"  # a meeting or written round without quorum deferred the item
    RECEIPT_ACCEPTED = "receipt_accepted"  # a flagged receipt counted: its position
    RECEIPT_REFUSED = "receipt_refused"  # a flagged receipt refused: its position; the reason


@dataclass(frozen=True)
class CodeNote:
    """A note the product wrote, read back: its code, parameters and any typed text with it."""

    code: NoteCode
    params: tuple[int, ...] = ()
    detail: str = ""  # text a person typed that goes with it (a refused receipt's reason)
    reference: str = ""  # the application a lapse's note names ("SOL-2026-0001: …")


def code_note(code: NoteCode, *params: int, detail: str = "") -> str:
    """The stored form of a note the product writes, e.g. "@allowance:1000:33000"."""
    text = MARK + ":".join([code.value, *(str(int(param)) for param in params)])
    return f"{text} {detail.strip()}" if detail.strip() else text


#: How many parameters each code carries; a stored note with another count is not ours.
_ARITY = {NoteCode.ALLOWANCE: 2, NoteCode.RECEIPT_ACCEPTED: 1, NoteCode.RECEIPT_REFUSED: 1}
_CODES = frozenset(code.value for code in NoteCode)
_CODED = re.compile(r"@(?P<code>[a-z_]+)(?P<params>(?::\d{1,18})*)(?: (?P<detail>.*))?", re.S)
#: Whose money a lapse is: ledger._book_routed puts the reference before the note.
_REFERENCE = re.compile(r"(?P<reference>[A-Za-z0-9]{1,10}-\d{4}-\d{1,10}): (?P<rest>.*)", re.S)
#: The English notes stored before the codes, each read as its code.
LEGACY = {
    "allocation": NoteCode.ALLOCATION,
    "settlement": NoteCode.SETTLEMENT,
    "no quorum": NoteCode.NO_QUORUM,
}
_LEGACY_ALLOWANCE = re.compile(
    r"settlement: flat allowance (?P<share>\d+(?:\.\d+)?) % of proven costs "
    r"(?P<euros>\d+)\.(?P<cents>\d{2}) EUR"
)
_LEGACY_RECEIPT = re.compile(
    r"receipt (?P<position>\d+): (?P<choice>accepted|refused)(?: \((?P<reason>.*)\))?", re.S
)


def read_note(note: str | None) -> CodeNote | None:
    """The code a stored note says, None for a note a person typed (shown as typed)."""
    if not note:
        return None
    found = _read_whole(note)
    if found is not None:
        return found
    prefixed = _REFERENCE.fullmatch(note)
    if prefixed is None:
        return None
    found = _read_whole(prefixed["rest"])
    if found is None:
        return None
    return CodeNote(found.code, found.params, found.detail, prefixed["reference"])


def _read_whole(note: str) -> CodeNote | None:
    """The code of a whole note, as stored now or in the English of older versions."""
    coded = _CODED.fullmatch(note)
    if coded is not None:
        params = tuple(int(p) for p in coded["params"].split(":") if p)
        if coded["code"] not in _CODES or len(params) != _ARITY.get(NoteCode(coded["code"]), 0):
            return None  # "@Max bitte prüfen": typed, not ours
        return CodeNote(NoteCode(coded["code"]), params, coded["detail"] or "")
    return _read_legacy(note)


def _read_legacy(note: str) -> CodeNote | None:
    """The code of a note stored in English before the codes, None for any other text."""
    if note in LEGACY:
        return CodeNote(LEGACY[note])
    allowance = _LEGACY_ALLOWANCE.fullmatch(note)
    if allowance is not None:
        share_bp = int(Decimal(allowance["share"]) * 100)
        cents = int(allowance["euros"]) * 100 + int(allowance["cents"])
        return CodeNote(NoteCode.ALLOWANCE, (share_bp, cents))
    receipt = _LEGACY_RECEIPT.fullmatch(note)
    if receipt is not None:
        refused = receipt["choice"] == "refused"
        code = NoteCode.RECEIPT_REFUSED if refused else NoteCode.RECEIPT_ACCEPTED
        return CodeNote(code, (int(receipt["position"]),), receipt["reason"] or "")
    return None
