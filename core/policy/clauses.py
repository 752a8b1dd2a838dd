"""A tenant's clauses: the shared library with the tenant's overrides applied.

A tenant's `clauses` setting maps a clause id to its override:

    ar / en   the tenant's own wording (text, or the two cells of a table row)
    term      the word for the beneficiary in this clause ("beneficiary" / "user")
    omit      true: the clause is not in the tenant's policy
    after     the id of the clause it follows (moves a shared clause; places a clause of the tenant's own)
    kind      for a clause of the tenant's own: its kind (default: that of the clause it follows)

An id that is not in the library is a clause of the tenant's own (it needs `after` and `ar`). The
channels and tools sections hold one clause per entry of the tenant's lists (`channels.<code>`),
worded as the entry's label.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.catalog import CHANNELS, TOOLS
from core.policy import library as library_module
from core.policy.library import KINDS, TABLE_KINDS, Clause, Library, Section

CLAUSE_ID = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+$")
#: Keys an override may have.
OVERRIDE_KEYS = ("ar", "en", "term", "omit", "after", "kind")

_GENERATED_CATALOGS = {"channels": ("channels", "custom_channels", CHANNELS),
                       "tools": ("tools", "custom_tools", TOOLS)}


@dataclass
class TenantClause:
    """One clause as a tenant uses it."""

    id: str
    kind: str
    #: The platform's wording ({"ar", "en"}); None for a clause of the tenant's own.
    shared: dict | None
    #: The wording the tenant's policy uses ({"ar", "en"}); en is None when the tenant gave only Arabic
    #: for a clause of its own (the English policy then shows the Arabic).
    wording: dict
    term: str | None = None
    #: "shared" (the platform's wording), "own" (the tenant's wording of a shared clause), "added".
    source: str = "shared"
    #: Which languages carry the tenant's own wording.
    own_languages: tuple[str, ...] = ()
    omitted: bool = False
    moved: bool = False
    modules: tuple[str, ...] = ()
    #: A list entry's label: its shared wording is data, printed as it is (no placeholders).
    literal: bool = False

    def is_literal(self, locale: str) -> bool:
        return self.literal and locale not in self.own_languages

    @property
    def section(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def differs(self) -> bool:
        """Anything the tenant changed: own wording, its own word, its place or leaving it out."""
        return self.source != "shared" or bool(self.term) or self.omitted or self.moved

    def record(self) -> dict:
        """What a policy version keeps of the clause (JSON)."""
        out = {"id": self.id, "kind": self.kind, "source": self.source, "ar": self.wording["ar"],
               "en": self.wording["en"]}
        if self.term:
            out["term"] = self.term
        if self.omitted:
            out["omitted"] = True
        if self.moved:
            out["moved"] = True
        return out


@dataclass
class TenantSection:
    section: Section
    clauses: list[TenantClause] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.section.id

    @property
    def visible(self) -> list[TenantClause]:
        return [c for c in self.clauses if not c.omitted]

    @property
    def shown(self) -> bool:
        """A section with nothing but its heading (say, no staff tools) is left out."""
        if self.section.generated == "board_approval":
            return any(c.kind == "heading" for c in self.visible)
        return any(c.kind != "heading" for c in self.visible)


def _as_wording(value):
    return tuple(value) if isinstance(value, list) else value


def _generated(section: Section, snapshot: dict) -> list[Clause]:
    if section.generated not in _GENERATED_CATALOGS:
        return []
    key, custom_key, catalog = _GENERATED_CATALOGS[section.generated]
    custom = {c["code"]: c for c in snapshot.get(custom_key, [])}
    out = []
    for code in snapshot.get(key, []):
        if code in catalog:
            label_ar, label_en = catalog[code].label_ar, catalog[code].label_en
        elif code in custom:
            label_ar, label_en = custom[code]["label_ar"], custom[code]["label_en"]
        else:
            continue
        # A label is data, not wording: braces in it are printed, never read as placeholders.
        out.append(Clause(f"{section.id}.{code}", "item", " ".join(label_ar.split()),
                          " ".join(label_en.split()), literal=True))
    return out


def _tenant_clause(clause: Clause, override: dict) -> TenantClause:
    shared = {"ar": clause.ar, "en": clause.en}
    own = tuple(lang for lang in ("ar", "en") if override.get(lang) is not None)
    wording = {lang: _as_wording(override[lang]) if lang in own else shared[lang] for lang in ("ar", "en")}
    return TenantClause(clause.id, clause.kind, shared, wording, term=override.get("term"),
                        source="own" if own else "shared", own_languages=own,
                        omitted=bool(override.get("omit")), modules=clause.modules, literal=clause.literal)


def _added_clause(clause_id: str, override: dict, kind: str) -> TenantClause:
    wording = {"ar": _as_wording(override.get("ar")), "en": _as_wording(override.get("en"))}
    return TenantClause(clause_id, kind, None, wording, term=override.get("term"), source="added",
                        own_languages=tuple(lang for lang in ("ar", "en") if wording[lang] is not None),
                        omitted=bool(override.get("omit")))


def _place(order: list[TenantClause], movers: list[tuple[TenantClause, str]]) -> list[TenantClause]:
    """Put each moved or added clause after the clause it names; chains resolve in any order."""
    pending = list(movers)
    placed_after: dict[str, list[str]] = {}
    while pending:
        progressed = False
        for item in list(pending):
            clause, target = item
            ids = [c.id for c in order]
            if target not in ids:
                continue
            # After the target and after clauses already put after it, so the file's order is kept.
            index = ids.index(target) + 1
            while index < len(order) and order[index].id in placed_after.get(target, []):
                index += 1
            order.insert(index, clause)
            placed_after.setdefault(target, []).append(clause.id)
            pending.remove(item)
            progressed = True
        if not progressed:  # a target that does not exist, or a cycle: validation refuses both
            break
    return order


def _omit_children(clauses: list[TenantClause]) -> None:
    """Sub-items live inside their item: leaving the item out leaves them out."""
    parent_omitted = False
    for clause in clauses:
        if clause.kind == "subitem":
            if parent_omitted and not clause.omitted:
                clause.omitted = True
        else:
            parent_omitted = clause.omitted and clause.kind in ("item", "bullet")


def resolve(snapshot: dict, library: Library | None = None) -> list[TenantSection]:
    """Every section the tenant's modules show, with its clauses in the tenant's order (omitted ones
    included and marked)."""
    library = library or library_module.load()
    modules = set(snapshot.get("modules", []))
    overrides = snapshot.get("clauses") or {}
    out = []
    for section in library.sections:
        if not section.shown_for(modules):
            continue
        base = [c for c in (*section.clauses, *_generated(section, snapshot))
                if not c.modules or modules & set(c.modules)]
        known = {c.id: c for c in base}
        hidden = {c.id for c in section.clauses} - set(known)  # in a module the tenant does not have
        clauses, movers = [], []
        for clause in base:
            override = overrides.get(clause.id, {})
            tenant_clause = _tenant_clause(clause, override)
            if override.get("after"):
                tenant_clause.moved = True
                movers.append((tenant_clause, override["after"]))
            else:
                clauses.append(tenant_clause)
        for clause_id, override in overrides.items():
            if clause_id.split(".", 1)[0] != section.id or clause_id in known or clause_id in hidden:
                continue
            target = known.get(override.get("after")) or library.clause(override.get("after") or "")
            kind = override.get("kind") or (target.kind if target and target.kind != "heading" else "para")
            if kind == "heading":
                kind = "para"
            movers.append((_added_clause(clause_id, override, kind), override.get("after") or ""))
        clauses = _place(clauses, movers)
        _omit_children(clauses)
        out.append(TenantSection(section, clauses))
    return out


def known_ids(snapshot: dict, library: Library | None = None) -> set[str]:
    """Ids a tenant's override may name without adding a clause: the library's and its list entries'."""
    library = library or library_module.load()
    ids = {c.id for s in library.sections for c in s.clauses}
    for section in library.sections:
        ids |= {c.id for c in _generated(section, snapshot)}
    return ids


def override_problems(snapshot: dict, library: Library | None = None) -> list[tuple[str, object]]:
    """(key, message) for each override that cannot apply: for the tenant-file schema."""
    from core.policy.placeholders import wording_problems
    from core.validation import N_

    library = library or library_module.load()
    overrides = snapshot.get("clauses") or {}
    known = known_ids(snapshot, library)
    problems: list[tuple[str, object]] = []
    kinds = {cid: (library.clause(cid).kind if library.clause(cid) else "item") for cid in known}
    for clause_id, override in overrides.items():
        key = f"clauses.{clause_id}"
        if not CLAUSE_ID.match(clause_id):
            problems.append((key, N_("must be a clause id such as procedure.explain_review")))
            continue
        section = library.section(clause_id.split(".", 1)[0])
        if section is None:
            problems.append((key, N_("there is no section '{section}' in the shared policy",
                                     section=clause_id.split(".", 1)[0])))
            continue
        after = override.get("after")
        own = clause_id not in known
        if own:
            if not after:
                problems.append((key, N_("there is no clause '{id}' in the shared policy; to add a clause of "
                                         "your own, say which clause it follows with 'after'", id=clause_id)))
                continue
            if override.get("ar") is None and not override.get("omit"):
                problems.append((f"{key}.ar", N_("a clause of your own needs its Arabic wording")))
            kinds[clause_id] = override.get("kind") or kinds.get(after, "para")
        elif override.get("kind") and override["kind"] != kinds[clause_id]:
            problems.append((f"{key}.kind", N_("a shared clause keeps its kind ('{kind}')", kind=kinds[clause_id])))
        if after is not None:
            if after.split(".", 1)[0] != section.id:
                problems.append((f"{key}.after", N_("must name a clause of the same section ('{section}')",
                                                    section=section.id)))
            elif after not in known and after not in overrides:
                problems.append((f"{key}.after", N_("there is no clause '{id}'", id=after)))
            elif after == clause_id:
                problems.append((f"{key}.after", N_("a clause cannot follow itself")))
        kind = kinds.get(clause_id, "para")
        for lang in ("ar", "en"):
            value = override.get(lang)
            if value is None:
                continue
            if (kind in TABLE_KINDS) != isinstance(value, list):
                problems.append((f"{key}.{lang}", N_("a table row is worded as its two cells, other clauses as text")
                                 if kind in TABLE_KINDS else N_("must be text")))
                continue
            if isinstance(value, list) and len(value) != 2:
                problems.append((f"{key}.{lang}", N_("a table row has two cells")))
            for text in (value if isinstance(value, list) else [value]):
                if not text.strip():
                    problems.append((f"{key}.{lang}", N_("must not be empty")))
                problems.extend((f"{key}.{lang}", p) for p in wording_problems(text, lang))
        if override.get("kind") and override["kind"] not in KINDS:
            problems.append((f"{key}.kind", N_("unknown kind")))
    problems.extend(_cycle_problems(overrides))
    return problems


def _cycle_problems(overrides: dict) -> list[tuple[str, object]]:
    from core.validation import N_

    out = []
    for start in overrides:
        seen, current = [start], overrides[start].get("after")
        while current in overrides and overrides[current].get("after"):
            if current in seen:
                out.append((f"clauses.{start}.after", N_("the clauses' places name each other in a circle")))
                break
            seen.append(current)
            current = overrides[current].get("after")
    return out
