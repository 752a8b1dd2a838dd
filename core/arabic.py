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
