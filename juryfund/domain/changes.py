"""What changed between two versions of an application: fields, cost lines and files.

A version is a plain snapshot (JSON-ready values only), so it can be stored with the history and
compared again later; the comparison itself knows nothing of the database.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

#: A stored value: text, a number, a yes/no, an ISO date as text, or nothing.
Value = str | int | bool | None


class ChangeKind(StrEnum):
    """What kind of difference one change describes."""

    FIELD = "field"
    LINE_ADDED = "line_added"
    LINE_REMOVED = "line_removed"
    LINE_CHANGED = "line_changed"
    FILE_ADDED = "file_added"
    FILE_REMOVED = "file_removed"


@dataclass(frozen=True)
class Line:
    """One cost plan line of a version (money in cents)."""

    description: str
    category: str
    quantity: int
    unit_cents: int

    @property
    def total_cents(self) -> int:
        """Quantity times unit price."""
        return self.quantity * self.unit_cents

    def as_dict(self) -> dict[str, Any]:
        """The line as JSON-ready data (with its total, for pages that only read it)."""
        return {
            "description": self.description,
            "category": self.category,
            "quantity": self.quantity,
            "unit_cents": self.unit_cents,
            "total_cents": self.total_cents,
        }


@dataclass(frozen=True)
class File:
    """One file of a version, known by name, size and checksum (never its bytes)."""

    name: str
    size: int
    sha256: str

    def as_dict(self) -> dict[str, Any]:
        """The file as JSON-ready data."""
        return {"name": self.name, "size": self.size, "sha256": self.sha256}


@dataclass(frozen=True)
class Snapshot:
    """One version of an application as the applicant sent it."""

    fields: Mapping[str, Value] = field(default_factory=dict)
    lines: tuple[Line, ...] = ()
    files: tuple[File, ...] = ()

    def to_json(self) -> str:
        """The snapshot as JSON text, for storing."""
        return json.dumps(
            {
                "fields": dict(self.fields),
                "lines": [line.as_dict() for line in self.lines],
                "files": [file.as_dict() for file in self.files],
            },
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Snapshot:
        """A snapshot read back from its JSON text."""
        data = json.loads(text)
        return cls(
            fields=dict(data.get("fields", {})),
            lines=tuple(
                Line(
                    str(line["description"]),
                    str(line["category"]),
                    int(line["quantity"]),
                    int(line["unit_cents"]),
                )
                for line in data.get("lines", [])
            ),
            files=tuple(
                File(str(f["name"]), int(f["size"]), str(f["sha256"]))
                for f in data.get("files", [])
            ),
        )


@dataclass(frozen=True)
class Change:
    """One difference: a field (old → new), a cost line added/removed/changed, a file added or
    removed. `old` and `new` hold the value, the line or the file (None where there is none)."""

    kind: ChangeKind
    name: str = ""
    old: Any = None
    new: Any = None

    def as_dict(self) -> dict[str, Any]:
        """The change as JSON-ready data."""
        return {"kind": self.kind.value, "name": self.name, "old": self.old, "new": self.new}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Change:
        """A change read back from its JSON-ready data."""
        return cls(
            ChangeKind(data["kind"]), str(data.get("name", "")), data.get("old"), data.get("new")
        )


def compare(old: Snapshot, new: Snapshot, *, order: Sequence[str] = ()) -> list[Change]:
    """Every difference from `old` to `new`: fields first (in `order`, then the rest by name),
    then cost lines, then files. Equal versions give an empty list."""
    return [
        *_field_changes(old, new, order),
        *_line_changes(old.lines, new.lines),
        *_file_changes(old.files, new.files),
    ]


def _field_changes(old: Snapshot, new: Snapshot, order: Sequence[str]) -> list[Change]:
    """Fields whose value differs; a field missing on one side counts as empty (None)."""
    names = [*order, *sorted((set(old.fields) | set(new.fields)) - set(order))]
    return [
        Change(ChangeKind.FIELD, name, old.fields.get(name), new.fields.get(name))
        for name in names
        if old.fields.get(name) != new.fields.get(name)
    ]


def _line_changes(old: Sequence[Line], new: Sequence[Line]) -> list[Change]:
    """Lines added, removed or changed.

    Lines carry no identity of their own (the form rebuilds the plan on every save), so they are
    matched in three passes: identical lines are unchanged; then a remaining line with the same
    description is that line changed (a new amount); then a remaining line in the same place with
    the same amounts is that line renamed. Whatever is left over was removed or added.
    """
    old_left = list(enumerate(old))
    new_left = list(enumerate(new))
    changes: list[Change] = []

    def pair(same: Any) -> None:
        """Match each remaining old line with the first remaining new line `same` accepts."""
        for o in list(old_left):
            match = next((n for n in new_left if same(o, n)), None)
            if match is not None:
                old_left.remove(o)
                new_left.remove(match)
                if o[1] != match[1]:
                    changes.append(
                        Change(ChangeKind.LINE_CHANGED, "", o[1].as_dict(), match[1].as_dict())
                    )

    pair(lambda o, n: o[1] == n[1])
    pair(lambda o, n: _key(o[1].description) == _key(n[1].description))
    pair(
        lambda o, n: (
            o[0] == n[0]
            and (o[1].category, o[1].quantity, o[1].unit_cents)
            == (n[1].category, n[1].quantity, n[1].unit_cents)
        )
    )
    changes += [Change(ChangeKind.LINE_REMOVED, "", line.as_dict(), None) for _, line in old_left]
    changes += [Change(ChangeKind.LINE_ADDED, "", None, line.as_dict()) for _, line in new_left]
    return changes


def _key(text: str) -> str:
    """A description as compared: case and surrounding or repeated spaces do not matter."""
    return " ".join(text.split()).casefold()


def _file_changes(old: Iterable[File], new: Iterable[File]) -> list[Change]:
    """Files removed and added, by content: the same bytes under another name are the same file."""
    old_list, new_list = list(old), list(new)
    kept = Counter(f.sha256 for f in old_list) & Counter(f.sha256 for f in new_list)
    removed, added = _beyond(old_list, kept), _beyond(new_list, kept)
    return [
        *(Change(ChangeKind.FILE_REMOVED, "", f.as_dict(), None) for f in removed),
        *(Change(ChangeKind.FILE_ADDED, "", None, f.as_dict()) for f in added),
    ]


def _beyond(files: list[File], kept: Counter[str]) -> list[File]:
    """The files of a list beyond the copies of each content both versions keep."""
    left = Counter(kept)
    out = []
    for f in files:
        if left[f.sha256] > 0:
            left[f.sha256] -= 1
        else:
            out.append(f)
    return out


def changes_to_json(changes: Iterable[Change]) -> str:
    """A list of changes as JSON text, for storing with the history."""
    return json.dumps([c.as_dict() for c in changes], ensure_ascii=False, sort_keys=True)


def changes_from_json(text: str | None) -> list[Change] | None:
    """Changes read back from their JSON text; None where none were recorded."""
    if text is None:
        return None
    return [Change.from_dict(item) for item in json.loads(text)]


def blank(
    changes: Iterable[Change], *, fields: Iterable[str], placeholder: str, files: bool
) -> list[Change]:
    """The changes with the values of the named fields replaced by `placeholder` (where a value
    was set) and, with `files`, the file names too: what erasure leaves of a stored diff."""
    names = set(fields)

    def hide(value: Any) -> Any:
        """The placeholder where something was stored; nothing stays nothing."""
        return placeholder if value not in (None, "") else value

    out = []
    for change in changes:
        if change.kind is ChangeKind.FIELD and change.name in names:
            change = Change(change.kind, change.name, hide(change.old), hide(change.new))
        elif files and change.kind in (ChangeKind.FILE_ADDED, ChangeKind.FILE_REMOVED):
            change = Change(
                change.kind,
                change.name,
                _hide_name(change.old, placeholder),
                _hide_name(change.new, placeholder),
            )
        out.append(change)
    return out


def blank_snapshot(
    snapshot: Snapshot, *, fields: Iterable[str], placeholder: str, files: bool
) -> Snapshot:
    """A snapshot with the named fields' values (and, with `files`, the file names) blanked."""
    names = set(fields)
    return Snapshot(
        fields={
            name: (placeholder if name in names and value not in (None, "") else value)
            for name, value in snapshot.fields.items()
        },
        lines=snapshot.lines,
        files=tuple(File(placeholder, f.size, f.sha256) for f in snapshot.files)
        if files
        else snapshot.files,
    )


def _hide_name(file: Any, placeholder: str) -> Any:
    """A stored file with its name replaced (names often carry the applicant's name)."""
    return {**file, "name": placeholder} if isinstance(file, dict) else file
