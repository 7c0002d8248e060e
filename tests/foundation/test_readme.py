"""The README holds on a fresh machine: its links stay inside the checkout, its commands are real."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import tarfile
from pathlib import Path

import pytest

import dev

pytestmark = pytest.mark.foundation

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
#: Fenced code blocks and inline code spans: addresses inside them are examples, not links.
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")
BARE_ADDRESS = re.compile(r"\b(?:https?://|www\.)\S+")


def _prose(path: Path) -> str:
    """The document without its code, where a Markdown renderer makes links."""
    return CODE.sub("", path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "document", ["README.md", *sorted(p.name for p in (ROOT / "docs").glob("*.md"))]
)
def test_links_point_to_files_in_the_checkout(document):
    """Every Markdown link is a relative path to a file or folder that exists in the repository."""
    path = README if document == "README.md" else ROOT / "docs" / document
    for target in MARKDOWN_LINK.findall(_prose(path)):
        assert "://" not in target and not target.startswith(("mailto:", "//")), target
        file_part = target.split("#", 1)[0]
        if file_part:
            assert (path.parent / file_part).exists(), f"{document} links to missing {target}"


def test_readme_has_no_bare_addresses_that_renderers_turn_into_links():
    """Outside code, the README names no web address (GitHub would make it a link off the repo)."""
    assert BARE_ADDRESS.findall(_prose(README)) == []


def test_readme_test_command_is_what_ci_runs():
    """.ci/run calls the README's test command, so the quick start is checked on every change."""
    assert "python3 dev.py test" in README.read_text(encoding="utf-8")
    assert re.search(r"^python3 dev\.py test\b", (ROOT / ".ci" / "run").read_text(), re.MULTILINE)


def test_axe_core_is_installed_from_the_lock_file_without_node(tmp_path, monkeypatch):
    """Without npm, dev.py fetches the locked axe-core tarball and refuses one that differs."""
    script = b"/* axe */ window.axe = {};"
    tarball = io.BytesIO()
    with tarfile.open(fileobj=tarball, mode="w:gz") as archive:
        info = tarfile.TarInfo("package/axe.min.js")
        info.size = len(script)
        archive.addfile(info, io.BytesIO(script))
    good = tarball.getvalue()
    lock = {
        "packages": {
            "node_modules/axe-core": {
                "version": "9.9.9",
                "integrity": "sha512-" + base64.b64encode(hashlib.sha512(good).digest()).decode(),
            }
        }
    }
    (tmp_path / "package-lock.json").write_text(json.dumps(lock))
    fetched: list[str] = []

    class Response(io.BytesIO):
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    served = {"body": good}

    def urlopen(url, timeout):
        fetched.append(url)
        return Response(served["body"])

    monkeypatch.setattr(dev, "ROOT", tmp_path)
    monkeypatch.setattr(dev.shutil, "which", lambda name: None)
    monkeypatch.setattr("urllib.request.urlopen", urlopen)

    dev.install_axe_core()
    assert fetched == ["https://registry.npmjs.org/axe-core/-/axe-core-9.9.9.tgz"]
    assert (tmp_path / "node_modules" / "axe-core" / "axe.min.js").read_bytes() == script

    # A tampered tarball (wrong checksum) is refused and nothing is written.
    (tmp_path / "node_modules" / "axe-core" / "axe.min.js").unlink()
    served["body"] = good + b"tampered"
    with pytest.raises(SystemExit):
        dev.install_axe_core()
    assert not (tmp_path / "node_modules" / "axe-core" / "axe.min.js").exists()
