"""Text people type: what may be stored, and the limits the schema and the policy template share.

Control characters (NUL, which PostgreSQL cannot store, escape codes …) and the bidi controls that can
make a name or a file name read differently from what it is (U+202A–U+202E embeddings and overrides,
U+2066–U+2069 isolates: "‮fdp.exe" shows as "exe.pdf") are refused at input in names and labels;
file names, which the uploader cannot easily fix, have them stripped.
"""
import unicodedata

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: Characters that print nothing: a label made only of these (and spaces) is blank.
INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
LINE_BREAKS = frozenset("\n\r\t")

# Limits the tenant-file schema and the policy template's placeholders both apply (one set of limits).
LICENSE_NUMBER_MAX = 40
TITLE_MAX = 300
LABEL_MAX = 120
NAME_MAX = 200


def forbidden_character(value: str, multiline: bool = False) -> str | None:
    """The first character that may not be stored in such a field, or None."""
    for char in value or "":
        if char in BIDI_CONTROLS:
            return char
        if unicodedata.category(char) == "Cc" and not (multiline and char in LINE_BREAKS):
            return char
    return None


def is_blank(value: str | None) -> bool:
    """Nothing visible: empty, spaces of any kind (no-break spaces too) or zero-width characters."""
    return all(char.isspace() or char in INVISIBLE for char in value or "")


def clean_file_name(name: str) -> str:
    """A file name as given, without control and bidi characters (so it reads as what it is)."""
    return "".join(c for c in name if c not in BIDI_CONTROLS and unicodedata.category(c) != "Cc").strip()
