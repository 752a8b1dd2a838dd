"""Each seed association publishes what its board approved: its rendered Arabic policy, compared with its
seed document (tests/seeds/, copied verbatim from shared/seeds/) clause by clause.

A seed's text is read line by line: its letterhead, title page and table of contents are left out, list
numbering is stripped, and the corrections listed here are applied — each one an extraction error or an
obvious typing slip, never a change of meaning. Both sides are compared after normalising spelling
that carries no meaning (hamza seats, taa marbuta, alef maqsura, diacritics, digits, punctuation).
The test lists every seed line the page does not say (missing), every clause the page says that the
seed does not (added), and clauses out of the seed's order.
"""
import html as html_lib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

SEEDS_DIR = Path(__file__).parent / "seeds"

LETTERHEAD_001 = [
    r"WISAM", r"جمعية التنمية", r"الأهلية بالحميمة", r"مسجلة لدى المركز الوطني",
    r"للتنمية القطاع غير الربحي برقم 4215", r"المملكة العربية السعودية", r"المركز الوطني لتنمية القطاع غير الربحي",
    r"جمعية التنمية الأهلية بالحميمة", r"مكة المكرمة - الجموم", r"ترخيص \(4215\)", r"الرقم :",
    r"(التاريخ|الموافق) : / /", r"/ / : (التاريخ|الموافق)", r":? ?المرفقات :?", r"قرية الصمد .*",
    r"Tnmiahomima@gmail\.com.*", r"cutt\.us/WdvzG", r"SA49 8000 0324 6080 1016 0967",
]


@dataclass
class Seed:
    file: str
    title: str
    #: The first line of the policy's body (after title page and contents), as written.
    start: str
    #: (text, replacement, why): extraction errors and typing slips, applied to the seed text (a compiled
    #: pattern where the text alone would match too much).
    corrections: list = field(default_factory=list)
    #: Whole lines of the body that are not the policy (a letterhead repeated on every page).
    skip: list = field(default_factory=list)
    #: Clauses the page may show that the seed's body has not, and why.
    accepted: dict = field(default_factory=dict)
    #: The seed's table was extracted as it looks (left to right): a row's cells, tab-separated, are
    #: read right to left, as the Arabic table is.
    rows_extracted_left_to_right: bool = False


SEEDS = {
    "irth": Seed("000_2f7a34ed2da0c709.txt", "سياسة تنظيم العلاقة مع المستفيدين", "تمهيد:", corrections=[
        ("وتعديلمها", "وتعميمها", "extraction error"),
        ("ت Saulات", "تساؤلات", "extraction error"),
        ("تقديم حاجة المستفيد", "تقدير حاجة المستفيد", "typing slip: every other seed, and the sense"),
        ("للارتفاع بمستوى", "للارتقاء بمستوى", "extraction error: ق read as ف"),
        ("لإنها معاملاته", "لإنهاء معاملاته", "extraction error"),
        ("والتوصيّع", "والتوقيع", "extraction error"),
        ("التتحقق", "التحقق", "extraction error"),
    ], accepted={"board_approval.heading": "Wasl states whether the board has approved the policy"}),
    "al-humaima": Seed("001_e226a43392019b30.txt", "سياسة تنظيم العلاقة مع المستفيدين", "تمهيد :", corrections=[
        ("تهدية :", "تمهيد :", "extraction error"),
        ("الأهداف التفصيلية لـ", "الأهداف التفصيلية", "extraction noise"),
        ("مختل ف", "مختلف", "extraction error"),
        ("طال ب", "طالب", "extraction error"),
        ("اكتمال الطلبات (٦)", "اكتمال الطلبات", "a stray footnote mark"),
    ], skip=LETTERHEAD_001),
    "green-energy": Seed("002_41e345cdfd4a9b0d.txt", "سياسة تنظيم العلاقة مع المستفيدين", "تمهيد :-", accepted={
        "board_approval.heading": "the seed's table of contents lists «اعتماد مجلس الإدارة»"}),
    "live-law": Seed("003_adbd9a6e8f1cc51d.txt", "سياسة تنظيم العلاقة مع المستخدمين", "تمهيد :-", corrections=[
        ("و انتماء", "وانتماء", "typing slip"),
        ("منايب", "مناديب", "typing slip"),
        ("مختل ف", "مختلف", "extraction error"),
        ("لإنهاء معاملته بالشكل", "لإنهاء معاملاته بالشكل", "typing slip: its own table of contents says معاملاته"),
    ]),
    "model-welfare": Seed("004_ff5da67fa0f74789.txt", "سياسة تنظيم العلاقة مع المستفيدين وتقديم الخدمات", "مقدمة",
                          corrections=[
        ("وتعديها بما", "وتعميمها بما", "extraction error"),
        ("ومقترناتهم", "ومقترحاتهم", "extraction error"),
        ("يتاسب", "يتناسب", "extraction error"),
        ("ببلاقة", "بلباقة", "typing slip"),
        ("الخدمات الموجود.", "الخدمات الموجودة.", "typing slip (agreement)"),
        ("النظم", "التظلم", "extraction error"),
        ("التي تعامل معها", "التي تتعامل معها", "extraction error"),
        ("بعذر مشروع قبله", "بعذر مشروع تقبله", "extraction error"),
        ("للتاسبعين", "للتابعين", "extraction error"),
        ("أملاكيها", "أملاكها", "extraction error"),
        ("وبحال الجهات", "ويحال الجهات", "extraction error"),
        (re.compile("(?<![اإأ])ثبات الحالة"), "إثبات الحالة", "extraction error"),
        ("توفت المستفيدة", "توفيت المستفيدة", "typing slip"),
        ("حد ابناءها", "أحد ابناءها", "extraction error"),
        ("باشتئام الایتمام", "باستثناء الأيتام", "extraction error"),
        (re.compile(" [٢٣]- إذا"), " إذا", "the lines of one table cell, numbered inline"),
    ], rows_extracted_left_to_right=True),
}

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ی": "ي", "ک": "ك", "ة": "ه",
                          "ؤ": "ء", "ئ": "ء", "ـ": None})
_MARKS = re.compile("[\u064b-\u0652\u0670]")
_BULLET = re.compile(r"^[\s\-–•:]*(?:[0-9٠-٩]+\s*[-.)]\s*)?[\s\-–]*")


def norm(text: str) -> str:
    """Spelling that carries no meaning made equal: letters, marks, digits, punctuation, spaces."""
    text = _MARKS.sub("", html_lib.unescape(text).translate(_DIGITS).translate(_LETTERS))
    text = re.sub(r"[^\w\s]|_", " ", text)
    text = re.sub(r"(?<=\d)(?=[^\d\s])|(?<=[^\d\s])(?=\d)", " ", text)
    text = " ".join(text.split())
    return re.sub(r"(?<=\d) (?=\d)", "", text)


def _pattern(pattern) -> re.Pattern:
    return pattern if isinstance(pattern, re.Pattern) else re.compile(re.escape(pattern))


def seed_units(seed: Seed) -> tuple[str, list[str]]:
    """The seed's title and the lines (and table cells) of its body, corrected and normalised."""
    text = (SEEDS_DIR / seed.file).read_text(encoding="utf-8")
    for pattern, replacement, _why in seed.corrections:
        text = _pattern(pattern).sub(replacement, text)
    lines = [line.strip() for line in text.splitlines()]
    body = lines[lines.index(seed.start):]
    skip = [re.compile(rf"^{pattern}$") for pattern in seed.skip]
    units = []
    for line in body:
        if any(p.match(line) for p in skip):
            continue
        cells = line.split("\t")
        for cell in reversed(cells) if seed.rows_extracted_left_to_right else cells:
            unit = norm(_BULLET.sub("", cell))
            if unit:
                units.append(unit)
    return norm(seed.title), units


class _PageUnits(HTMLParser):
    """The page's clauses (data-clause) and cells (data-cell), each without the units nested in it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.units: list[tuple[str, list[str]]] = []
        self.title: list[str] = []
        self._stack: list[tuple[str, int | None, str | None]] = []
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        index = None
        if ("data-clause" in attrs and tag != "tr") or "data-cell" in attrs:
            enclosing = next((cid for _t, _i, cid in reversed(self._stack) if cid), None)
            self.units.append((attrs.get("data-clause") or enclosing or "board_approval.record", []))
            index = len(self.units) - 1
        if tag == "h1":
            self._in_title = True
        self._stack.append((tag, index, attrs.get("data-clause")))

    def handle_endtag(self, tag):
        if tag == "h1":
            self._in_title = False
        while self._stack and self._stack.pop()[0] != tag:
            pass

    def handle_data(self, data):
        if self._in_title:
            self.title.append(data)
        for _tag, index, _clause in reversed(self._stack):
            if index is not None:
                self.units[index][1].append(data)
                break


def page_units(page: str) -> tuple[str, list[tuple[str, str]]]:
    parser = _PageUnits()
    parser.feed(page)
    return norm("".join(parser.title)), [(cid, norm("".join(parts))) for cid, parts in parser.units
                                         if norm("".join(parts))]


def compare(seed: Seed, page: str) -> dict[str, list[str]]:
    seed_title, units = seed_units(seed)
    title, rendered = page_units(page)
    # Whole words only: a clause is found where the seed says it, not inside a longer word.
    said = f" {' '.join(text for _, text in rendered)} "
    written = f" {' '.join(units)} "
    report = {"title": [] if title == seed_title else [f"{title!r} is not the seed's {seed_title!r}"],
              "missing": [u for u in units if f" {u} " not in said], "added": [], "out of order": []}
    position = 0
    for clause_id, text in rendered:
        found = written.find(f" {text} ", position)
        if found >= 0:
            position = found
        elif f" {text} " in written:
            report["out of order"].append(f"{clause_id}: {text}")
        elif clause_id not in seed.accepted:
            report["added"].append(f"{clause_id}: {text}")
    return report


@pytest.mark.parametrize("slug", list(SEEDS))
def test_the_published_arabic_policy_says_the_seed_clause_for_clause(client, seed_tenants, slug):
    page = client.get(f"/{slug}/policy?lang=ar").get_data(as_text=True)
    report = compare(SEEDS[slug], page)
    assert report == {"title": [], "missing": [], "added": [], "out of order": []}, "\n".join(
        f"{kind}: {line}" for kind, lines in report.items() for line in lines)


def test_the_comparison_lists_a_missing_an_added_and_a_moved_clause(client, seed_tenants):
    """The comparison itself: a page that drops, adds and reorders clauses is reported clause by clause."""
    page = client.get("/al-humaima/policy?lang=ar").get_data(as_text=True)
    changed = re.sub(r'<li data-clause="procedure.serve"[^>]*>.*?</li>', "", page, flags=re.S)
    changed = changed.replace('<p data-clause="preamble.2"', '<p data-clause="preamble.x">جملة لم يقلها المجلس.</p>'
                              '<p data-clause="preamble.2"', 1)
    goal = re.search(r'<p data-clause="general_goal.1".*?</p>', changed, re.S).group(0)
    changed = changed.replace(goal, "", 1).replace("</section>", goal + "</section>", 1)
    report = compare(SEEDS["al-humaima"], changed)
    assert report["missing"] == [norm("تقديم الخدمة اللازمة .")]
    assert report["added"] == [f"preamble.x: {norm('جملة لم يقلها المجلس.')}"]
    assert [line.split(":")[0] for line in report["out of order"]] == ["general_goal.heading"]


def test_every_correction_applies_to_its_seed():
    """A correction that matches nothing is stale: the seed says something else than the test assumes."""
    for slug, seed in SEEDS.items():
        text = (SEEDS_DIR / seed.file).read_text(encoding="utf-8")
        for pattern, _replacement, why in seed.corrections:
            assert _pattern(pattern).search(text), f"{slug}: {pattern!r} ({why}) is not in the seed"
