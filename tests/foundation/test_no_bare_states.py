"""Services and views name states through the domain's enums, never as bare strings (issue 13).

A state compared or assigned as a string literal escapes the transition tables; a rename would
miss it. This test greps the code that decides things for such literals.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from juryfund.domain.lifecycles import ProofState, RoundState
from juryfund.domain.states import State
from juryfund.domain.voting import Outcome

pytestmark = pytest.mark.foundation

ROOT = Path(__file__).resolve().parents[2] / "juryfund"
NAMES = sorted({s.value for enum in (State, RoundState, ProofState, Outcome) for s in enum})
#: A literal state compared (== / !=), tested for membership, or assigned to a state column.
BARE = re.compile(
    r'(?:[!=]=\s*|\bin\s*\((?:[^)]*,\s*)?|state\s*=\s*|result\s*=\s*|outcome\s*=\s*)"('
    + "|".join(NAMES)
    + r')"'
)


def test_services_and_views_use_the_state_enums():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for folder in ("services", "web")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if BARE.search(line)
    ]
    assert found == []
