"""Every catalog is complete, free of fuzzy entries, consistent with the code, and compiles."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from juryfund.config import SUPPORTED_LOCALES

pytestmark = pytest.mark.i18n

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"


def _catalog(locale: str):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=locale)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalog_has_no_untranslated_or_fuzzy_entry(locale):
    catalog = _catalog(locale)
    untranslated = [
        m.id for m in catalog if m.id and not (all(m.string) if m.pluralizable else m.string)
    ]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert (untranslated, fuzzy) == ([], [])


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalog_placeholders_match_and_compiles(locale):
    catalog = _catalog(locale)
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalog.check()]
    assert problems == []
    write_mo(io.BytesIO(), catalog)


PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalog_uses_exactly_the_placeholders_of_the_message(locale):
    wrong = []
    for message in _catalog(locale):
        if not message.id:
            continue
        wanted = set(
            PLACEHOLDER.findall(message.id if isinstance(message.id, str) else message.id[1])
        )
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            # A plural form may leave the number out ("one application"); every other name must stay.
            if set(PLACEHOLDER.findall(string)) - {"num"} != wanted - {"num"}:
                wrong.append((message.id, string))
    assert wrong == []


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalog_has_every_message_of_the_code(locale, tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    have = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(locale) if m.id}
    assert sorted(wanted - have) == []
