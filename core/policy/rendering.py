"""Rendering a tenant's policy from the clause library, in a sandbox, with a generated table of contents.

A version's body (the title, the contents and the clauses) is rendered once when the version is made
and kept. The letterhead and the board approval section are filled in whenever the policy is shown
(at markers the template places), and every number-like token is then isolated left to right so bidi
cannot reverse `24-45-8` inside Arabic text.

The version's fingerprint is the hash of what it says: the text of both languages and the wording of
its clauses (placeholders unfilled). A board approval records it, so an approval belongs to one text.
"""
import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from core.approvals import weekday_number
from core.config import ROOT
from core.policy import clauses as clause_module
from core.policy import placeholders
from core.policy.library import TABLE_KINDS

TEMPLATES = ROOT / "policy_templates"

TOC_SLOT = Markup("<!--wasl:toc-->")
APPROVAL_SLOT = Markup("<!--wasl:board-approval-->")
LETTERHEAD_SLOT = Markup("<!--wasl:letterhead-->")

_env = ImmutableSandboxedEnvironment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=True,
    undefined=StrictUndefined,
    keep_trailing_newline=False,
)

_HEADING = re.compile(r'<h([23])\b[^>]*\bid="([a-z0-9-]+)"[^>]*>(.*?)</h\1>', re.S)
_TAG = re.compile(r"<[^>]+>")

_EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

#: The document's own words (not the UI's): the policy is in its language whatever the page's.
STRINGS = {
    "ar": {
        "contents": "جدول المحتويات",
        "licence": "ترخيص رقم",
        "licence_date": "تاريخ الترخيص",
        "hijri_suffix": "هـ",
        "iban": "الآيبان",
        "phone": "الهاتف", "email": "البريد الإلكتروني", "website": "الموقع", "social": "التواصل الاجتماعي",
        "not_approved": "لم يعتمد مجلس الإدارة هذه السياسة بعد.",
        "names_other": "هذا السجل يسمّي سياسة أخرى غير هذه السياسة، فلا يُعدّ اعتماداً لها.",
        "other_text": "اعتمد هذا السجل نصاً آخر غير نص هذا الإصدار.",
        "as_written": "",
    },
    "en": {
        "contents": "Contents",
        "licence": "Licence no.",
        "licence_date": "licence date",
        "hijri_suffix": " AH",
        "iban": "IBAN",
        "phone": "Phone", "email": "E-mail", "website": "Website", "social": "Social media",
        "not_approved": "Not yet approved by the board of directors.",
        "names_other": "This record names a different policy, so it is not an approval of this policy.",
        "other_text": "This record approved another text than this version's.",
        "as_written": "The record as written in the minutes (Arabic):",
    },
}


@dataclass
class _Rendered:
    """One clause, filled and escaped, as the structure template places it."""

    id: str
    kind: str
    html: Markup = Markup("")
    cells: tuple = ()
    attrs: Markup = Markup("")
    children: list = field(default_factory=list)


@dataclass
class _Block:
    kind: str
    clause: _Rendered | None = None
    anchor: str = ""
    tag: str = "ol"
    css: str = ""
    items: list = field(default_factory=list)
    header: _Rendered | None = None
    rows: list = field(default_factory=list)


@dataclass
class _ListItem:
    clause: _Rendered
    children: list = field(default_factory=list)


@dataclass(frozen=True)
class RenderedPolicy:
    title_ar: str
    title_en: str
    body_ar: str
    body_en: str
    #: The clauses the policy uses, in order (omitted ones marked): what a version keeps.
    clauses: tuple = ()

    @property
    def fingerprint(self) -> str:
        return text_hash(self.body_ar, self.body_en, self.clauses)


def text_hash(body_ar: str, body_en: str, clauses) -> str:
    """SHA-256 of what a version says: its text in both languages and its clauses' wording."""
    wording = [[c["id"], c["ar"], c["en"], c.get("term")] for c in clauses or () if not c.get("omitted")]
    payload = {"ar": text_lines(body_ar), "en": text_lines(body_en), "clauses": wording}
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def render(snapshot: dict, library=None) -> RenderedPolicy:
    """The tenant's policy in both languages, from a settings snapshot (names included)."""
    title_ar, title_en = placeholders.default_titles(snapshot)
    sections = clause_module.resolve(snapshot, library)
    records = tuple(c.record() for s in sections for c in s.clauses)
    return RenderedPolicy(title_ar=title_ar, title_en=title_en,
                          body_ar=_render_body(snapshot, sections, "ar"),
                          body_en=_render_body(snapshot, sections, "en"), clauses=records)


def render_body(snapshot: dict, locale: str) -> str:
    """One language of the policy, contents filled in, letterhead and approval section still markers."""
    return _render_body(snapshot, clause_module.resolve(snapshot), locale)


def _attrs(clause, locale: str, fallback: bool) -> Markup:
    attrs = Markup('data-clause="{}" data-source="{}"').format(clause.id, clause.source)
    if fallback:  # a clause of the tenant's own that has no English yet: the Arabic, marked so
        attrs += Markup(' lang="ar" dir="rtl"')
    return attrs


def _fill(clause, values: dict, locale: str):
    wording = clause.wording[locale]
    fallback = wording is None
    language = "ar" if fallback else locale
    wording = clause.wording["ar"] if fallback else wording
    own_values = placeholders.with_term(values[language], clause.term, language)

    def one(text: str):
        if clause.is_literal(language):
            return escape(text)
        lines = text.split("\n")
        if len(lines) > 1 and clause.kind in TABLE_KINDS:
            return tuple(placeholders.fill(line, own_values) for line in lines if line.strip())
        return placeholders.fill(" ".join(text.split()), own_values)

    rendered = _Rendered(clause.id, clause.kind, attrs=_attrs(clause, locale, fallback))
    if clause.kind in TABLE_KINDS:
        rendered.cells = tuple(one(text) for text in wording)
    else:
        rendered.html = one(wording)
    return rendered


def _blocks(section, values: dict, locale: str) -> list[_Block]:
    blocks: list[_Block] = []
    css = f"policy-{section.id}" if section.section.generated else ""
    for clause in section.visible:
        rendered = _fill(clause, values, locale)
        last = blocks[-1] if blocks else None
        if clause.kind in ("item", "bullet"):
            tag = "ol" if clause.kind == "item" else "ul"
            if not (last and last.kind == "list" and last.tag == tag):
                last = _Block("list", tag=tag, css=css)
                blocks.append(last)
            last.items.append(_ListItem(rendered))
        elif clause.kind == "subitem":
            if last and last.kind == "list" and last.items:
                last.items[-1].children.append(rendered)
            else:  # its item was moved away: the sub-item stands as a bullet of its own
                blocks.append(_Block("list", tag="ul", items=[_ListItem(rendered)]))
        elif clause.kind in TABLE_KINDS:
            if not (last and last.kind == "table"):
                last = _Block("table")
                blocks.append(last)
            if clause.kind == "header":
                last.header = rendered
            else:
                last.rows.append(rendered)
        else:
            blocks.append(_Block(clause.kind, clause=rendered, anchor=clause.id.replace(".", "-").replace("_", "-")))
    return blocks


def _render_body(snapshot: dict, sections, locale: str) -> str:
    values = {lang: placeholders.context(snapshot, lang) for lang in placeholders.LOCALES}
    shown = [{"id": s.id, "anchor": s.section.anchor, "modules": " ".join(s.section.modules),
              "blocks": _blocks(s, values, locale)} for s in sections if s.shown]
    html = _env.get_template("policy.html").render(
        title=values[locale]["title"], sections=shown, strings=STRINGS[locale],
        slots={"toc": TOC_SLOT, "board_approval": APPROVAL_SLOT, "letterhead": LETTERHEAD_SLOT})
    return html.replace(TOC_SLOT, table_of_contents(html), 1)


def table_of_contents(html: str) -> Markup:
    """An ordered list of the document's h2 sections with their h3 subsections, linked by id."""
    items: list[tuple[str, str, list[tuple[str, str]]]] = []
    for level, anchor, inner in _HEADING.findall(html):
        if anchor == "contents":
            continue
        text = Markup(_TAG.sub("", inner).strip())  # already escaped by the template
        if level == "2" or not items:
            items.append((anchor, text, []))
        else:
            items[-1][2].append((anchor, text))
    out = ['<ol class="toc">']
    for anchor, text, children in items:
        out.append(f'<li><a href="#{anchor}">{text}</a>')
        if children:
            out.append('<ol class="toc-sub">')
            out.extend(f'<li><a href="#{a}">{t}</a></li>' for a, t in children)
            out.append("</ol>")
        out.append("</li>")
    out.append("</ol>")
    return Markup("".join(out))


# --- Filled in when the policy is shown ------------------------------------------------------------

def _approval_values(record: dict) -> dict:
    number = weekday_number(record["weekday"]) if record.get("weekday") else None
    gregorian = record.get("gregorian_date")
    return {
        "meeting": record.get("meeting") or "",
        "session": record.get("session") or "",
        "weekday": record.get("weekday") or "",
        "weekday_en": _EN_WEEKDAYS[number] if number is not None else "",
        "hijri_date": record.get("hijri_date") or "",
        "gregorian_date": gregorian.isoformat() if hasattr(gregorian, "isoformat") else (gregorian or ""),
        "policy_title": record.get("policy_title") or "",
        "text_ar": record.get("text_ar") or "",
        "approves": bool(record.get("approves", True)),
        "names_other": bool(record.get("names_other")),
        "other_text": bool(record.get("other_text")),
    }


def render_approvals(records: list[dict], association: str, locale: str, approved: bool) -> Markup:
    """The board approval section's content: the records as written, each marked if it does not approve
    this policy, and "not yet approved" unless one does."""
    html = _env.get_template("board_approval.html").render(
        association=association, approvals=[_approval_values(r) for r in records], lang=locale,
        strings=STRINGS[locale], approved=approved)
    return Markup(html)


def render_letterhead(names: dict, settings: dict, locale: str) -> Markup:
    """The association's letterhead from its current settings, in one language."""
    strings = STRINGS[locale]
    contact = settings.get("contact") or {}
    if locale == "en" and contact.get("address_en"):
        address, address_lang = contact["address_en"], ""
    else:
        parts = [p for p in (contact.get("city_ar"), contact.get("address_ar")) if p]
        address, address_lang = " · ".join(parts), ("ar" if locale != "ar" and parts else "")
    contacts = [(kind, strings[kind], contact[kind]) for kind in ("phone", "email", "website", "social")
                if contact.get(kind)]
    return Markup(_env.get_template("letterhead.html").render(
        name=names[f"name_{locale}"], licence=settings.get("license_number") or "",
        licence_date=settings.get("license_date_hijri") or "", address=address, address_lang=address_lang,
        contacts=contacts, iban=contact.get("iban") or "", strings=strings))


#: A number, or numbers joined by - / . : (dates, meeting numbers, references), in any digits.
_NUMBER = re.compile(r"(?<![\w#])[0-9٠-٩۰-۹]+(?:[-/.:][0-9٠-٩۰-۹]+)*")
_NUMBER_ONLY = re.compile(r"^\s*[0-9٠-٩۰-۹]+(?:[-/.:][0-9٠-٩۰-۹]+)*\s*$")
_SKIP = {"bdi", "style", "script", "title", "a"}
#: Left-to-right isolate + override and their ends: WeasyPrint ignores CSS unicode-bidi, so printed
#: documents carry the Unicode controls themselves.
LRI, LRO, PDF_, PDI = "\u2066", "\u202d", "\u202c", "\u2069"


def _print_controls(text: str) -> str:
    if not text.strip():
        return text
    if _NUMBER_ONLY.match(text):
        return f"{LRI}{LRO}{text}{PDF_}{PDI}"
    return f"{LRI}{text}{PDI}"


def isolate_numbers(html: str, print_controls: bool = False) -> Markup:
    """Every number-like token in the text wrapped left to right (`.num`: isolated, its characters in
    their written order, never wrapped), so `24-45-8` never reads `8-45-24` inside Arabic text and
    `٢٤-٤٥-٨` reads like `٠٣/٠٢/١٤٤٦`, as written. With `print_controls` (the PDF), the text of every
    left-to-right `<bdi>` also gets the Unicode isolate (and, for a number, override) characters."""
    out, skip = [], []
    ltr_bdi = 0
    for part in re.split(r"(<[^>]+>)", str(html)):
        if part.startswith("<"):
            match = re.match(r"<(/?)([a-zA-Z0-9]+)", part)
            if match:
                closing, tag = match.group(1), match.group(2).lower()
                if tag in _SKIP and not part.endswith("/>"):
                    if closing and skip and skip[-1][0] == tag:
                        ltr_bdi -= skip.pop()[1]
                    elif not closing:
                        is_ltr = int(tag == "bdi" and 'dir="ltr"' in part)
                        skip.append((tag, is_ltr))
                        ltr_bdi += is_ltr
            out.append(part)
        elif not part.strip():
            out.append(part)
        elif skip:
            out.append(_print_controls(part) if print_controls and ltr_bdi and skip[-1][0] == "bdi" else part)
        else:
            def wrap(match):
                token = match.group(0)
                inner = f"{LRI}{LRO}{token}{PDF_}{PDI}" if print_controls else token
                return f'<bdi dir="ltr" class="num">{inner}</bdi>'
            out.append(_NUMBER.sub(wrap, part))
    return Markup("".join(out))


@lru_cache(maxsize=32)
def assemble(body: str, approvals_html: Markup, letterhead_html: Markup = Markup("")) -> Markup:
    """A stored body with its letterhead and approval section filled in, numbers isolated. Kept for the
    same three texts (the public page shows the same version to every visitor): isolating the numbers
    walks the whole document. Bounded: a body is tens of KB, so 32 of them (with their results) stay
    within a few MB a process."""
    html = str(body).replace(APPROVAL_SLOT, approvals_html, 1).replace(LETTERHEAD_SLOT, letterhead_html, 1)
    return isolate_numbers(html)


# --- The text of a body: what diffs and fingerprints compare -----------------------------------------

class _TextLines(HTMLParser):
    """Block-level text of the document, one line per heading, paragraph, list item or table row."""

    BLOCKS = {"h1", "h2", "h3", "h4", "p", "li", "ol", "ul", "tr", "table", "section", "header", "div",
              "dl", "dt", "dd", "blockquote"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._current: list[str] = []
        self._skip = 0
        self._cells = 0

    def _flush(self):
        line = " ".join("".join(self._current).split())
        if line:
            self.lines.append(line)
        self._current = []

    def handle_starttag(self, tag, attrs):
        if tag == "nav":
            self._skip += 1
        elif tag in self.BLOCKS:
            self._flush()
            if tag == "tr":
                self._cells = 0
        elif tag in ("td", "th"):
            if self._cells:
                self._current.append(" | ")
            self._cells += 1

    def handle_endtag(self, tag):
        if tag == "nav":
            self._skip -= 1
        elif tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data):
        if not self._skip:
            self._current.append(data)


def text_lines(body: str) -> list[str]:
    """The text of a rendered body, one line per block (contents, letterhead and approval left out)."""
    parser = _TextLines()
    parser.feed(str(body).replace(APPROVAL_SLOT, "").replace(LETTERHEAD_SLOT, ""))
    parser.close()
    parser._flush()
    return parser.lines


class _ClauseTexts(HTMLParser):
    """Each clause's text by id; a table row's cells joined with ' | ', a sub-list left to its items."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: dict[str, list[str]] = {}
        self._stack: list[tuple[str, str | None]] = []  # (tag, clause id it opened)

    def _current(self) -> str | None:
        for _tag, clause_id in reversed(self._stack):
            if clause_id:
                return clause_id
        return None

    def handle_starttag(self, tag, attrs):
        clause_id = dict(attrs).get("data-clause")
        if clause_id:
            self.texts[clause_id] = []
        elif tag in ("td", "th") and self._current() and self.texts[self._current()]:
            self.texts[self._current()].append(" | ")
        elif tag == "li" and self._current():
            self.texts[self._current()].append(" ")
        self._stack.append((tag, clause_id))

    def handle_endtag(self, tag):
        while self._stack:
            open_tag, _ = self._stack.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        current = self._current()
        if current:
            self.texts[current].append(data)


def clause_texts(body: str) -> dict[str, str]:
    """The text of every clause of a rendered body, by clause id, in the document's order."""
    parser = _ClauseTexts()
    parser.feed(str(body))
    parser.close()
    return {cid: " ".join("".join(parts).split()) for cid, parts in parser.texts.items()}
