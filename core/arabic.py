"""Arabic text normalisation for search and comparison."""
import re

_TASHKEEL = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_TATWEEL = "\u0640"
_TRANSLATE = str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا",
    "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي",
    **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
    **{chr(0x06F0 + d): str(d) for d in range(10)},  # Eastern Arabic-Indic (Persian) digits
})
_SPACES = re.compile(r"\s+")


def normalise(text: str | None) -> str:
    """A form for matching: no tashkeel or tatweel, one alef, ى→ي, ة→ه, ASCII digits, lower case."""
    if not text:
        return ""
    text = _TASHKEEL.sub("", text).replace(_TATWEEL, "")
    return _SPACES.sub(" ", text.translate(_TRANSLATE)).strip().lower()
