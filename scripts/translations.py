"""Refresh the Arabic catalog: extract every UI string, merge it into translations/ar/…/messages.po,
fill translations from translations/pending/*.json (msgid → Arabic), compile, and list what is left.

Run with `make translations` after adding UI strings. Exit code 1 if any string has no Arabic.
"""
import json
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "translations/ar/LC_MESSAGES/messages.po"
POT = ROOT / "translations/messages.pot"
BIN = Path(sys.executable).parent


def run(*args: str) -> None:
    subprocess.run([str(BIN / "pybabel"), *args], cwd=ROOT, check=True, capture_output=True)


def main() -> int:
    run("extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-o", str(POT), "--no-location",
        "--sort-output", ".")
    run("update", "-i", str(POT), "-d", "translations", "--no-fuzzy-matching", "--ignore-obsolete")
    table = {}
    for path in sorted((ROOT / "translations/pending").glob("*.json")):
        table.update(json.loads(path.read_text(encoding="utf-8")))
    with PO.open("rb") as fh:
        catalog = read_po(fh)
    for message in catalog:
        if message.id and not message.string and message.id in table:
            message.string = table[message.id]
    with PO.open("wb") as fh:
        write_po(fh, catalog, width=100, sort_output=True, ignore_obsolete=True)
    run("compile", "-d", "translations")
    left = [m.id for m in catalog if m.id and not m.string]
    for msgid in left:
        print(f"untranslated: {msgid!r}")
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
