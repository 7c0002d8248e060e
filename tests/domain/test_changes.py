"""What changed between two versions of an application: fields, cost lines, files."""

from __future__ import annotations

import pytest

from juryfund.domain.changes import (
    Change,
    ChangeKind,
    File,
    Line,
    Snapshot,
    blank,
    blank_snapshot,
    changes_from_json,
    changes_to_json,
    compare,
)

pytestmark = pytest.mark.domain

EARTH = Line("Erde", "material", 10, 450)
PLANTS = Line("Stauden", "material", 20, 3000)
MUSIC = Line("Musiker", "services", 1, 60000)
QUOTE = File("angebot.pdf", 1200, "a" * 64)
PHOTO = File("hof.png", 800, "b" * 64)


def version(lines=(EARTH, PLANTS), files=(QUOTE,), **fields):
    """A version with a title and amount unless told otherwise."""
    return Snapshot(
        fields={"title": "Hoffest", "requested_cents": 50000, **fields},
        lines=tuple(lines),
        files=tuple(files),
    )


def field(name, old, new):
    return Change(ChangeKind.FIELD, name, old, new)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (version(), version(), []),
        (
            version(),
            version(title="Großes Hoffest"),
            [field("title", "Hoffest", "Großes Hoffest")],
        ),
        (
            version(),
            version(requested_cents=60000, title="Hoffest"),
            [field("requested_cents", 50000, 60000)],
        ),
        # A field only one side has counts as empty on the other.
        (version(), version(phone="030 123"), [field("phone", None, "030 123")]),
        (version(place="Hof"), version(), [field("place", "Hof", None)]),
        # Booleans and dates (as ISO text) compare by value.
        (
            version(consent_publish_name=True, start_date="2026-06-01"),
            version(consent_publish_name=False, start_date="2026-06-02"),
            [
                field("consent_publish_name", True, False),
                field("start_date", "2026-06-01", "2026-06-02"),
            ],
        ),
    ],
)
def test_compare_fields(old, new, expected):
    assert compare(old, new) == expected


def test_compare_fields_follow_the_given_order_then_by_name():
    old = version(b="1", a="1", z="1")
    new = version(b="2", a="2", z="2", title="Neu")
    names = [c.name for c in compare(old, new, order=("z", "title"))]
    assert names == ["z", "title", "a", "b"]


def changed(old, new):
    return Change(ChangeKind.LINE_CHANGED, "", old.as_dict(), new.as_dict())


@pytest.mark.parametrize(
    ("old_lines", "new_lines", "expected"),
    [
        ((EARTH, PLANTS), (EARTH, PLANTS), []),
        # Reordering the plan is no change.
        ((EARTH, PLANTS), (PLANTS, EARTH), []),
        (
            (EARTH,),
            (EARTH, MUSIC),
            [Change(ChangeKind.LINE_ADDED, "", None, MUSIC.as_dict())],
        ),
        (
            (EARTH, MUSIC),
            (EARTH,),
            [Change(ChangeKind.LINE_REMOVED, "", MUSIC.as_dict(), None)],
        ),
        # Same description: that line with a new amount (spaces and case do not matter).
        (
            (EARTH, PLANTS),
            (EARTH, Line(" stauden ", "material", 25, 3000)),
            [changed(PLANTS, Line(" stauden ", "material", 25, 3000))],
        ),
        # Same place, same amounts, new description: that line renamed.
        (
            (EARTH, PLANTS),
            (EARTH, Line("Stauden und Zwiebeln", "material", 20, 3000)),
            [changed(PLANTS, Line("Stauden und Zwiebeln", "material", 20, 3000))],
        ),
        # Another description and another amount: one removed, one added.
        (
            (EARTH, PLANTS),
            (EARTH, MUSIC),
            [
                Change(ChangeKind.LINE_REMOVED, "", PLANTS.as_dict(), None),
                Change(ChangeKind.LINE_ADDED, "", None, MUSIC.as_dict()),
            ],
        ),
        # Two identical lines, one dropped: exactly one removed.
        (
            (EARTH, EARTH),
            (EARTH,),
            [Change(ChangeKind.LINE_REMOVED, "", EARTH.as_dict(), None)],
        ),
    ],
)
def test_compare_cost_lines(old_lines, new_lines, expected):
    assert compare(version(lines=old_lines), version(lines=new_lines)) == expected


def test_changed_line_carries_amounts_in_cents():
    [change] = compare(
        version(lines=(PLANTS,)), version(lines=(Line("Stauden", "material", 20, 3550),))
    )
    assert (change.old["total_cents"], change.new["total_cents"]) == (60000, 71000)


@pytest.mark.parametrize(
    ("old_files", "new_files", "expected"),
    [
        ((QUOTE,), (QUOTE,), []),
        ((QUOTE,), (), [Change(ChangeKind.FILE_REMOVED, "", QUOTE.as_dict(), None)]),
        ((QUOTE,), (QUOTE, PHOTO), [Change(ChangeKind.FILE_ADDED, "", None, PHOTO.as_dict())]),
        # The same bytes under another name are the same file.
        ((QUOTE,), (File("neu.pdf", 1200, QUOTE.sha256),), []),
        # Replaced: one removed, one added.
        (
            (QUOTE,),
            (PHOTO,),
            [
                Change(ChangeKind.FILE_REMOVED, "", QUOTE.as_dict(), None),
                Change(ChangeKind.FILE_ADDED, "", None, PHOTO.as_dict()),
            ],
        ),
        # Two copies, one removed.
        ((QUOTE, QUOTE), (QUOTE,), [Change(ChangeKind.FILE_REMOVED, "", QUOTE.as_dict(), None)]),
    ],
)
def test_compare_files(old_files, new_files, expected):
    assert compare(version(files=old_files), version(files=new_files)) == expected


def test_compare_lists_fields_then_lines_then_files():
    old = version(lines=(EARTH,), files=(QUOTE,))
    new = version(lines=(EARTH, MUSIC), files=(), title="Neu")
    assert [c.kind for c in compare(old, new)] == [
        ChangeKind.FIELD,
        ChangeKind.LINE_ADDED,
        ChangeKind.FILE_REMOVED,
    ]


def test_snapshot_and_changes_survive_json():
    snap = version(start_date="2026-06-01", consent_publish_name=True, name="Ayşe")
    assert Snapshot.from_json(snap.to_json()) == snap
    changes = compare(version(), version(lines=(MUSIC,), files=(PHOTO,), title="عيد"))
    assert changes_from_json(changes_to_json(changes)) == changes
    assert changes_from_json(None) is None
    assert changes_from_json("[]") == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (field("email", "a@example.org", "b@example.org"), field("email", "—", "—")),
        # Nothing typed stays nothing: erasure does not invent a value.
        (field("phone", "", "030 1"), field("phone", "", "—")),
        (field("title", "Hoffest", "Neu"), field("title", "Hoffest", "Neu")),
        (
            Change(ChangeKind.FILE_REMOVED, "", QUOTE.as_dict(), None),
            Change(ChangeKind.FILE_REMOVED, "", {**QUOTE.as_dict(), "name": "—"}, None),
        ),
        (changed(EARTH, PLANTS), changed(EARTH, PLANTS)),
    ],
)
def test_blank_hides_named_fields_and_file_names(change, expected):
    assert blank([change], fields=("email", "phone"), placeholder="—", files=True) == [expected]


def test_blank_snapshot_hides_named_fields_and_file_names():
    snap = version(email="a@example.org", phone="")
    blanked = blank_snapshot(snap, fields=("email", "phone"), placeholder="—", files=True)
    assert blanked.fields == {
        "title": "Hoffest",
        "requested_cents": 50000,
        "email": "—",
        "phone": "",
    }
    assert blanked.lines == snap.lines
    assert [(f.name, f.sha256) for f in blanked.files] == [("—", QUOTE.sha256)]
