#!/usr/bin/env python3
"""One-command tasks for a fresh checkout; needs only Python 3.11+.

python3 dev.py demo          install, build the demo database and serve it on http://127.0.0.1:5000
python3 dev.py setup         install the dev extras and the browser tests' tools, run nothing
python3 dev.py test [ARGS]   install with the dev extras and run the whole test suite (ARGS go to pytest)
python3 dev.py translations  extract the messages and update every catalog
python3 dev.py bench [ARGS]  benchmark with gunicorn and wrk on seeded databases (ARGS: bench/run.py --help)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
LOCALES = ("de", "en", "tr", "ar", "uk", "ru", "pl")


def run(*args: str | os.PathLike, env: dict | None = None) -> None:
    """Run a command in the checkout, stopping on the first failure."""
    print("+", " ".join(str(a) for a in args), flush=True)
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env)
    if result.returncode != 0:
        sys.exit(result.returncode)


def install(extras: str = "") -> None:
    """Create .venv once and install juryfund into it (editable)."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be started by an older python3
        sys.exit("juryfund needs Python 3.11 or newer.")
    if not PYTHON.exists():
        venv.create(VENV, with_pip=True)
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", "--editable", f".{extras}")


def flask(*args: str, env: dict) -> None:
    """Run `flask --app app ...` inside the virtual environment."""
    run(PYTHON, "-m", "flask", "--app", "app", *args, env=env)


def demo() -> None:
    """Install, migrate, seed the demo and serve it (SQLite, mail written to files)."""
    install()
    env = {**os.environ, "JURYFUND_ENV": os.environ.get("JURYFUND_ENV", "development")}
    env.setdefault("JURYFUND_INSTANCE_PATH", str(ROOT / "instance"))
    flask("db", "upgrade", env=env)
    flask("juryfund", "demo", env=env)
    host, port = env.get("JURYFUND_HOST", "127.0.0.1"), env.get("JURYFUND_PORT", "5000")
    print(f"\njuryfund demo: open http://{host}:{port}/  (staff login at /staff/login)")
    print(
        f"Mails are written as .eml files to {Path(env['JURYFUND_INSTANCE_PATH']) / 'mail'}\n",
        flush=True,
    )
    # The mail sender runs beside the web server, as in production, writing .eml files.
    sender = subprocess.Popen(
        [
            str(PYTHON),
            "-m",
            "flask",
            "--app",
            "app",
            "juryfund",
            "send-mail",
            "--loop",
            "--interval",
            "2",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        flask("run", "--host", host, "--port", port, env=env)
    finally:
        sender.terminate()


def setup() -> None:
    """Install the dev extras and the browser tests' tools, without running anything."""
    install("[dev]")
    install_axe_core()
    install_chromium()


def test(pytest_args: list[str]) -> None:
    """Install with the dev extras and the browser tests' tools, then run pytest over the suite."""
    setup()
    run(PYTHON, "-m", "pytest", *pytest_args)


def install_axe_core() -> None:
    """Put axe-core (the browser tests' accessibility checker) into node_modules, with or without npm.

    The version and its sha512 come from package-lock.json, so the file is the one npm would
    install. Without Node.js the tarball is fetched from the npm registry with Python alone.
    """
    target = ROOT / "node_modules" / "axe-core" / "axe.min.js"
    if target.exists():
        return
    if shutil.which("npm"):
        run("npm", "ci", "--no-audit", "--no-fund")
        return
    import base64
    import hashlib
    import io
    import json
    import tarfile
    import urllib.request

    locked = json.loads((ROOT / "package-lock.json").read_text())["packages"][
        "node_modules/axe-core"
    ]
    url = f"https://registry.npmjs.org/axe-core/-/axe-core-{locked['version']}.tgz"
    print(f"+ fetching {url}", flush=True)
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            tarball = response.read()
    except OSError as error:
        print(f"axe-core could not be fetched ({error}); the accessibility tests will skip.")
        return
    algorithm, _, expected = locked["integrity"].partition("-")
    if base64.b64encode(hashlib.new(algorithm, tarball).digest()).decode() != expected:
        sys.exit(
            f"axe-core from {url} does not match package-lock.json's {algorithm}; not installed."
        )
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        present = set(archive.getnames())
        target.parent.mkdir(parents=True, exist_ok=True)
        # Only the named files, by name: nothing in the archive chooses where we write.
        for name in ("package.json", "LICENSE", "axe.min.js"):
            member = (
                archive.extractfile(f"package/{name}") if f"package/{name}" in present else None
            )
            if member is not None:
                (target.parent / name).write_bytes(member.read())


#: Debian packages the browser and PDF tests use: the browser, and Pango with fonts for WeasyPrint.
SYSTEM_PACKAGES = ("chromium", "libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core")


def install_chromium() -> None:
    """Install Debian's chromium (browser tests) and Pango (PDF tests) where we may, else say how."""
    if Path("/usr/bin/chromium").exists():
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run("apt-get", "update", "-q", env=env)
        run("apt-get", "install", "-y", "-q", *SYSTEM_PACKAGES, env=env)
        return
    print(
        "The browser tests skip: /usr/bin/chromium is missing. Install it once with\n"
        f"    sudo apt-get install {' '.join(SYSTEM_PACKAGES)}",
        flush=True,
    )


def bench(bench_args: list[str]) -> None:
    """Install, then run the benchmark (bench/run.py) and the CSV export memory check."""
    install()
    if shutil.which("wrk") is None:
        if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
            run("apt-get", "update", "-q")
            run("apt-get", "install", "-y", "-q", "wrk")
        else:
            sys.exit("The benchmark needs wrk: sudo apt-get install wrk")
    run(PYTHON, ROOT / "bench" / "run.py", *bench_args)
    if not bench_args:
        run(PYTHON, ROOT / "bench" / "export_memory.py")
        # Page weight and load time under Slow 4G (needs chromium, as the browser tests do).
        run(PYTHON, ROOT / "bench" / "pageweight.py")


def translations() -> None:
    """Extract messages from code and templates and merge them into every catalog."""
    install("[dev]")
    pybabel = BIN / "pybabel"
    pot = ROOT / "translations" / "messages.pot"
    run(
        pybabel,
        "extract",
        "-F",
        "babel.cfg",
        "-k",
        "_l",
        "--no-location",
        "--sort-output",
        "--omit-header",
        "--width=100",
        "-o",
        pot,
        ".",
    )
    for locale in LOCALES:
        catalog = ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po"
        action = "update" if catalog.exists() else "init"
        extra = ["--no-fuzzy-matching", "--ignore-obsolete"] if action == "update" else []
        # The same width as the English fill below, so a run changes only what changed.
        run(
            pybabel,
            action,
            "-i",
            pot,
            "-d",
            ROOT / "translations",
            "-l",
            locale,
            "-w",
            "100",
            *extra,
        )
    # Message ids are English, so the English catalog is the ids themselves.
    run(PYTHON, "-c", FILL_ENGLISH)


FILL_ENGLISH = """
from babel.messages.pofile import read_po, write_po
path = 'translations/en/LC_MESSAGES/messages.po'
with open(path, 'rb') as f:
    catalog = read_po(f, locale='en')
for message in catalog:
    if not message.id:
        continue
    if message.pluralizable and not all(message.string):
        message.string = tuple(message.id)
    elif not message.pluralizable and not message.string:
        message.string = message.id
    message.flags.discard('fuzzy')
with open(path, 'wb') as f:
    write_po(f, catalog, width=100, omit_header=False)
"""


def main(argv: list[str]) -> None:
    """Dispatch the sub-command."""
    if not argv or argv[0] not in {"demo", "setup", "test", "translations", "bench"}:
        sys.exit(__doc__)
    if argv[0] == "demo":
        demo()
    elif argv[0] == "setup":
        setup()
    elif argv[0] == "test":
        test(argv[1:])
    elif argv[0] == "bench":
        bench(argv[1:])
    else:
        translations()


if __name__ == "__main__":
    main(sys.argv[1:])
