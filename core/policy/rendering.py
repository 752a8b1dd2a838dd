"""Rendering the shared policy template for one tenant, in a sandbox, with a generated table of contents.

A version's body (everything but the board approval records) is rendered once when the version is
made and kept; the approval section is rendered from the records whenever the policy is shown, and
dropped into the body at a marker the template places.
"""
import hashlib
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from core.approvals import weekday_number
from core.config import ROOT
from core.policy import placeholders

TEMPLATES = ROOT / "policy_templates"

TOC_SLOT = Markup("<!--wasl:toc-->")
APPROVAL_SLOT = Markup("<!--wasl:board-approval-->")

_env = ImmutableSandboxedEnvironment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=True,
    undefined=StrictUndefined,
    keep_trailing_newline=False,
)

_HEADING = re.compile(r'<h([23])\b[^>]*\bid="([a-z0-9-]+)"[^>]*>(.*?)</h\1>', re.S)
_TAG = re.compile(r"<[^>]+>")

_EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class RenderedPolicy:
    title_ar: str
    title_en: str
    body_ar: str
    body_en: str

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(f"{self.body_ar}\0{self.body_en}".encode()).hexdigest()


def render(snapshot: dict) -> RenderedPolicy:
    """The tenant's policy in both languages, from a settings snapshot (names included)."""
    title_ar, title_en = placeholders.default_titles(snapshot)
    return RenderedPolicy(title_ar=title_ar, title_en=title_en,
                          body_ar=render_body(snapshot, "ar"), body_en=render_body(snapshot, "en"))


def render_body(snapshot: dict, locale: str) -> str:
    """One language of the policy, its table of contents filled in, the approval section still a marker."""
    values = placeholders.context(snapshot, locale)
    html = _env.get_template(f"policy.{locale}.html").render(
        **values, slots={"toc": TOC_SLOT, "board_approval": APPROVAL_SLOT})
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
    }


def render_approvals(records: list[dict], association: str, locale: str) -> Markup:
    """The board approval section's content: the records as written, or "not yet approved"."""
    html = _env.get_template(f"board_approval.{locale}.html").render(
        association=association, approvals=[_approval_values(r) for r in records])
    return Markup(html)


def assemble(body: str, approvals_html: Markup) -> Markup:
    """A stored body with its approval section filled in, ready for a page or the PDF."""
    return Markup(body.replace(APPROVAL_SLOT, approvals_html, 1))


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
    """The text of a rendered body, one line per block (the table of contents left out): what diffs compare."""
    parser = _TextLines()
    parser.feed(str(body).replace(APPROVAL_SLOT, ""))
    parser.close()
    parser._flush()
    return parser.lines
