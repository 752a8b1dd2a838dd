"""The clause library: the shared policy as named clauses with default wording (policy_templates/clauses.toml).

Sections hold clauses in order; a section or a clause may belong to modules (shown only to tenants with
one of them on). The library is read once per process and checked as it is read: a clause id that
repeats, a kind that does not exist or an unknown placeholder is a platform bug, not a tenant's.
"""
from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from core.catalog import MODULES
from core.config import ROOT
from core.policy.placeholders import LOCALES, wording_problems

PATH = ROOT / "policy_templates" / "clauses.toml"

#: heading: the section's title (h2); subheading (h3); para; item (numbered) and bullet (unnumbered) list
#: entries; subitem: inside the item or bullet before it; header and row: a table's cells.
KINDS = ("heading", "subheading", "para", "item", "bullet", "subitem", "header", "row")
TABLE_KINDS = frozenset({"header", "row"})
#: Sections whose entries come from the tenant's settings rather than from the library.
GENERATED = ("channels", "tools", "board_approval")


class LibraryError(ValueError):
    """The library file is wrong; the message names the clause."""


@dataclass(frozen=True)
class Clause:
    id: str
    kind: str
    #: Arabic and English wording: a string, or the cells of a table row.
    ar: str | tuple[str, ...]
    en: str | tuple[str, ...]
    modules: tuple[str, ...] = ()
    #: Wording that is data (a channel's label): printed as it is, never read for placeholders.
    literal: bool = False

    @property
    def section(self) -> str:
        return self.id.split(".", 1)[0]

    def wording(self, locale: str):
        return self.ar if locale == "ar" else self.en


@dataclass(frozen=True)
class Section:
    id: str
    clauses: tuple[Clause, ...]
    modules: tuple[str, ...] = ()
    generated: str | None = None

    @property
    def anchor(self) -> str:
        return self.id.replace("_", "-")

    def shown_for(self, modules: set[str]) -> bool:
        return not self.modules or bool(modules & set(self.modules))


@dataclass(frozen=True)
class Library:
    sections: tuple[Section, ...]
    #: SHA-256 of the file: which wording the platform ships.
    fingerprint: str
    _by_id: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        for section in self.sections:
            for clause in section.clauses:
                self._by_id[clause.id] = clause

    def clause(self, clause_id: str) -> Clause | None:
        return self._by_id.get(clause_id)

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    def replace(self, clause_id: str, **changes) -> Library:
        """A copy with one clause's wording changed (what a platform release of new wording does)."""
        sections = tuple(
            Section(s.id, tuple(Clause(**{**c.__dict__, **changes}) if c.id == clause_id else c
                                for c in s.clauses), s.modules, s.generated)
            for s in self.sections)
        return Library(sections, hashlib.sha256(repr(sections).encode()).hexdigest())


def _wording(value, clause_id: str, kind: str, locale: str):
    cells = kind in TABLE_KINDS
    if cells:
        if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
            raise LibraryError(f"{clause_id}: {locale} must be the two cells of the row")
        value = tuple(value)
    elif not isinstance(value, str) or not value.strip():
        raise LibraryError(f"{clause_id}: {locale} must be text")
    for text in (value if cells else (value,)):
        problems = wording_problems(text, locale)
        if problems:
            raise LibraryError(f"{clause_id}: {locale}: {'; '.join(problems)}")
    return value


def parse(text: str) -> Library:
    """The library from its TOML text, checked."""
    raw = tomllib.loads(text)
    sections, seen = [], set()
    for entry in raw.get("section", []):
        section_id = entry["id"]
        modules = tuple(entry.get("modules", ()))
        generated = entry.get("generated")
        if generated is not None and generated not in GENERATED:
            raise LibraryError(f"{section_id}: unknown generated list '{generated}'")
        clauses = []
        for item in entry.get("clause", []):
            clause_id, kind = item["id"], item.get("kind")
            if clause_id in seen:
                raise LibraryError(f"{clause_id}: the id is used twice")
            seen.add(clause_id)
            if clause_id.split(".", 1)[0] != section_id or "." not in clause_id:
                raise LibraryError(f"{clause_id}: must start with its section's id '{section_id}.'")
            if kind not in KINDS:
                raise LibraryError(f"{clause_id}: unknown kind '{kind}'")
            clause_modules = tuple(item.get("modules", ()))
            for module in (*modules, *clause_modules):
                if module not in MODULES:
                    raise LibraryError(f"{clause_id}: unknown module '{module}'")
            words = {locale: _wording(item.get(locale), clause_id, kind, locale) for locale in LOCALES}
            clauses.append(Clause(clause_id, kind, words["ar"], words["en"], clause_modules))
        if not clauses or clauses[0].kind != "heading":
            raise LibraryError(f"{section_id}: a section starts with its heading clause")
        sections.append(Section(section_id, tuple(clauses), modules, generated))
    return Library(tuple(sections), hashlib.sha256(text.encode()).hexdigest())


_CACHE: dict[tuple[str, float], Library] = {}


def load(path: Path = PATH) -> Library:
    """The library the platform ships (read again only when the file changes)."""
    key = (str(path), path.stat().st_mtime)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = parse(path.read_text(encoding="utf-8"))
    return _CACHE[key]
