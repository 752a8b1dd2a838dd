"""Arabic text normalisation for search and comparison."""
import re

from core.digits import ARABIC_INDIC, EASTERN_ARABIC_INDIC

_TASHKEEL = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_TATWEEL = "\u0640"
_TRANSLATE = str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا",
    "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي",
    **{digit: str(d) for d, digit in enumerate(ARABIC_INDIC)},
    **{digit: str(d) for d, digit in enumerate(EASTERN_ARABIC_INDIC)},
})
_SPACES = re.compile(r"\s+")


def normalise(text: str | None) -> str:
    """A form for matching: no tashkeel or tatweel, one alef, ى→ي, ة→ه, ASCII digits, lower case."""
    if not text:
        return ""
    text = _TASHKEEL.sub("", text).replace(_TATWEEL, "")
    return _SPACES.sub(" ", text.translate(_TRANSLATE)).strip().lower()


# --- names: the key stored in Beneficiary.name_search and the words a search looks for ------------

_NOT_WORD = re.compile(r"[^\w\s]")
_ABD = re.compile(r"(?:(?<=\s)|^)(عبد)\s+(?=ال)")          # «عبد الله» → «عبدالله», «عبد الرحمن» → «عبدالرحمن»
_LATIN_ARTICLE = re.compile(r"(?:(?<=\s)|^)(al|el)\s+(?=[a-z]{3})")  # "Al-Zahrani" → "alzahrani"
ARTICLES = ("ال", "al", "el")


def name_key(text: str | None) -> str:
    """What a name is stored and compared as: `normalise`, punctuation as spaces (Al-Zahrani → al zahrani),
    «عبد ال…» and "al …" written as one word, so «عبد الله» and «عبدالله» are the same key."""
    text = normalise(_NOT_WORD.sub(" ", normalise(text).replace("'", "").replace("\u2019", "")))
    text = text.replace("_", " ")
    return _SPACES.sub(" ", _LATIN_ARTICLE.sub(r"\1", _ABD.sub(r"\1", text))).strip()


def word_stem(word: str) -> str:
    """A typed word without its article: «القحطاني» → «قحطاني», "alzahrani" → "zahrani"; short words stay."""
    for article in ARTICLES:
        rest = word.removeprefix(article)
        if rest != word and len(rest) >= (2 if article == "ال" else 3):
            return rest
    return word


def name_words(text: str | None) -> list[str]:
    """The distinct words a name search looks for, each without its article, in the order typed."""
    return list(dict.fromkeys(word_stem(w) for w in name_key(text).split()))


def article_forms(stem: str) -> tuple[str, ...]:
    """How a stem can start a word of a stored name: bare, or after the article of its script."""
    if stem[:1].isascii():
        return (stem, "al" + stem, "el" + stem)
    return (stem, "ال" + stem)
