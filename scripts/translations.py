"""Refresh the Arabic catalog: extract every UI string, merge it into translations/ar/…/messages.po,
fill translations from translations/pending/*.json (msgid → Arabic), compile, and list what is left.

A plural message (`ngettext` / `{% trans count=n %}…{% pluralize %}`) is keyed by its singular msgid and
given as a list of Arabic's six forms in CLDR order — zero (0), one (1), two (2), few (3–10), many (11–99),
other (100–102, 200…) — or as a dict with those names. The script places each form where the catalog's
Plural-Forms expression puts its sample number (gettext's index order is not CLDR's: it puts 100 before 11):

    "%(num)d day left": ["لم يبقَ أي يوم", "بقي يوم واحد", "بقي يومان", "بقيت %(num)d أيام",
                         "بقي %(num)d يومًا", "بقي %(num)d يوم"]

A message with a context (`pgettext("button", "Record")`) is keyed "context|msgid": "button|Record".

Run with `make translations` after adding UI strings. Exit code 1 if any string has no Arabic.
"""
import gettext
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
    run("extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-k", "lazy_ngettext:1,2", "-o", str(POT),
        "--no-location", "--sort-output", ".")
    run("update", "-i", str(POT), "-d", "translations", "--no-fuzzy-matching", "--ignore-obsolete")
    table = {}
    for path in sorted((ROOT / "translations/pending").glob("*.json")):
        table.update(json.loads(path.read_text(encoding="utf-8")))
    with PO.open("rb") as fh:
        catalog = read_po(fh)
    bad = []
    for message in catalog:
        if not message.id or not _missing(message):
            continue
        key = message.id[0] if message.pluralizable else message.id
        if message.context:  # pgettext("button", "Record") is keyed "button|Record"
            key = f"{message.context}|{key}"
        if key not in table:
            continue
        value = table[key]
        if message.pluralizable:
            try:
                message.string = _plural_forms(value, catalog)
            except ValueError as exc:
                bad.append(f"{key!r}: {exc}")
                continue
        elif isinstance(value, str):
            message.string = value
        else:
            bad.append(f"{key!r}: not a plural message, give one string")
    with PO.open("wb") as fh:
        write_po(fh, catalog, width=100, sort_output=True, ignore_obsolete=True)
    run("compile", "-d", "translations")
    left = [m.id for m in catalog if m.id and _missing(m)]
    for msgid in left:
        print(f"untranslated: {msgid!r}")
    for problem in bad:
        print(f"pending: {problem}")
    return 1 if left or bad else 0


#: A sample number for each CLDR plural category of Arabic.
CLDR_SAMPLES = {"zero": 0, "one": 1, "two": 2, "few": 3, "many": 11, "other": 100}


def _plural_forms(value, catalog) -> tuple[str, ...]:
    """The pending forms (CLDR list or dict) in the catalog's gettext order."""
    if isinstance(value, list):
        if len(value) != len(CLDR_SAMPLES):
            raise ValueError(f"a plural needs {len(CLDR_SAMPLES)} forms: {', '.join(CLDR_SAMPLES)}")
        value = dict(zip(CLDR_SAMPLES, value, strict=True))
    if not isinstance(value, dict) or set(value) != set(CLDR_SAMPLES):
        raise ValueError(f"a plural needs the forms {', '.join(CLDR_SAMPLES)}")
    index = gettext.c2py(catalog.plural_expr)
    out = [""] * catalog.num_plurals
    for category, sample in CLDR_SAMPLES.items():
        out[index(sample)] = value[category]
    if not all(out):
        raise ValueError("the catalog's plural rule does not give each form its own place")
    return tuple(out)


def _missing(message) -> bool:
    """No Arabic yet: an empty string, or a plural with any of its forms empty."""
    if message.pluralizable:
        return not message.string or any(not form for form in message.string)
    return not message.string


if __name__ == "__main__":
    sys.exit(main())
