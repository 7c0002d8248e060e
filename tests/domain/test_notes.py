"""Notes the product writes itself: stored as codes, read back (old English ones too), and a
note a person typed never taken for one."""

from __future__ import annotations

import pytest

from juryfund.domain.notes import CodeNote, NoteCode, code_note, read_note

pytestmark = pytest.mark.domain


@pytest.mark.parametrize(
    ("code", "params", "detail"),
    [
        (NoteCode.ALLOCATION, (), ""),
        (NoteCode.SETTLEMENT, (), ""),
        (NoteCode.ALLOWANCE, (1000, 33000), ""),
        (NoteCode.NO_QUORUM, (), ""),
        (NoteCode.RECEIPT_ACCEPTED, (2,), ""),
        (NoteCode.RECEIPT_REFUSED, (3,), "Privat gekauft,\nnicht für das Fest."),
    ],
)
def test_a_code_note_reads_back_as_written(code, params, detail):
    assert read_note(code_note(code, *params, detail=detail)) == CodeNote(code, params, detail)


@pytest.mark.parametrize(
    ("stored", "read"),
    [
        ("allocation", CodeNote(NoteCode.ALLOCATION)),
        ("settlement", CodeNote(NoteCode.SETTLEMENT)),
        ("no quorum", CodeNote(NoteCode.NO_QUORUM)),
        (
            "settlement: flat allowance 10 % of proven costs 330.00 EUR",
            CodeNote(NoteCode.ALLOWANCE, (1000, 33000)),
        ),
        (
            "settlement: flat allowance 2.5 % of proven costs 1234.05 EUR",
            CodeNote(NoteCode.ALLOWANCE, (250, 123405)),
        ),
        ("receipt 1: accepted", CodeNote(NoteCode.RECEIPT_ACCEPTED, (1,))),
        (
            "receipt 4: refused (Pfand (Flaschen))",
            CodeNote(NoteCode.RECEIPT_REFUSED, (4,), "Pfand (Flaschen)"),
        ),
        # A lapse names whose money came back before the note (services.ledger).
        ("SOL-2026-0007: settlement", CodeNote(NoteCode.SETTLEMENT, reference="SOL-2026-0007")),
        ("SOL-2026-0007: @settlement", CodeNote(NoteCode.SETTLEMENT, reference="SOL-2026-0007")),
    ],
)
def test_notes_stored_before_the_codes_are_read_as_their_codes(stored, read):
    assert read_note(stored) == read


@pytest.mark.parametrize(
    "typed",
    [
        "",
        None,
        "Überweisung 1",
        "Settlement",  # not the stored word exactly: a person wrote it
        "allocation for the summer",
        "@Max bitte prüfen",
        "@allowance:1000",  # a code with too few parameters is not ours
        "@settlement:5",
        "SOL-2026-0007: Nachzahlung",
        "2026 → 2027",
    ],
)
def test_a_typed_note_is_never_taken_for_a_code(typed):
    assert read_note(typed) is None
