"""The domain package stays pure Python: no Flask, SQLAlchemy or Werkzeug (DESIGN.md §9)."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.domain

DOMAIN_DIR = Path(__file__).resolve().parents[2] / "juryfund" / "domain"
DOMAIN_FILES = sorted(DOMAIN_DIR.glob("*.py"))
#: Every module of the package, found on disk: a new module is checked without editing this test.
DOMAIN_MODULES = sorted(path.stem for path in DOMAIN_FILES if path.stem != "__init__")
FORBIDDEN = ("flask", "flask_", "sqlalchemy", "werkzeug")
#: The only third-party distribution the domain may use (for locale-aware money).
ALLOWED_THIRD_PARTY = {"babel"}


def imported_roots(path: Path) -> set[str]:
    """Top-level names of every absolute import in one source file (relative ones are local)."""
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_domain_files_exist():
    # The rules DESIGN.md names live here; the list above is whatever else the package holds.
    assert {path.stem for path in DOMAIN_FILES} >= {
        "__init__",
        "voting",
        "states",
        "money",
        "budget",
        "errors",
        "lifecycles",
    }


def imported_modules(path: Path) -> list[str]:
    """Absolute names of every module one domain file imports, relative imports resolved."""
    modules = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                modules.append(node.module or "")
                continue
            # `from . import x` inside juryfund.domain is juryfund.domain; each further dot
            # climbs one package (`from ..models import x` is juryfund.models).
            package = ["juryfund", "domain"][: max(2 - (node.level - 1), 0)]
            base = ".".join(package)
            if node.module:
                modules.append(f"{base}.{node.module}" if base else node.module)
            else:
                modules.extend(f"{base}.{alias.name}" for alias in node.names)
    return modules


@pytest.mark.parametrize("path", DOMAIN_FILES, ids=lambda path: path.name)
def test_domain_module_imports_only_stdlib_and_babel(path):
    roots = imported_roots(path)
    forbidden = {root for root in roots if root.startswith(FORBIDDEN)}
    assert forbidden == set()
    # "juryfund" is allowed only for juryfund.domain itself, checked below.
    foreign = roots - set(sys.stdlib_module_names) - ALLOWED_THIRD_PARTY - {"juryfund"}
    assert foreign == set()


@pytest.mark.parametrize("path", DOMAIN_FILES, ids=lambda path: path.name)
def test_domain_module_imports_no_other_juryfund_layer(path):
    outside = [
        module
        for module in imported_modules(path)
        if (module == "juryfund" or module.startswith("juryfund."))
        and not (module == "juryfund.domain" or module.startswith("juryfund.domain."))
    ]
    assert outside == []


def test_relative_imports_that_leave_the_domain_are_caught(tmp_path):
    """The check above must see `from ..models import x`, not only absolute imports."""
    probe = tmp_path / "probe.py"
    probe.write_text("from ..models import Area\nfrom . import money\nfrom .voting import Tally\n")
    assert imported_modules(probe) == [
        "juryfund.models",
        "juryfund.domain.money",
        "juryfund.domain.voting",
    ]


# Importing juryfund.domain.* normally would first run juryfund/__init__.py, which holds
# create_app and imports Flask; the check would then blame the domain for its parent. So the
# child process registers a bare stand-in for the "juryfund" package (a module object whose
# __path__ points at the real directory) before importing: Python then finds the real
# juryfund.domain submodules without executing the parent's __init__.py, and absolute imports
# inside the domain keep working. It compares sys.modules before and after, so modules that
# site-packages hooks load at interpreter start-up are not counted.
PROBE = """
import json, sys, types
before = set(sys.modules)
package = types.ModuleType("juryfund")
package.__path__ = [sys.argv[1]]
sys.modules["juryfund"] = package
for name in sys.argv[2:]:
    __import__("juryfund.domain." + name)
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def test_domain_import_loads_no_web_or_database_library():
    completed = subprocess.run(
        [sys.executable, "-I", "-c", PROBE, str(DOMAIN_DIR.parent), *DOMAIN_MODULES],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    loaded = json.loads(completed.stdout)
    assert {f"juryfund.domain.{name}" for name in DOMAIN_MODULES} <= set(loaded)
    offending = sorted(name for name in loaded if name.split(".")[0].startswith(FORBIDDEN))
    assert offending == []
