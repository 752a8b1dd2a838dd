"""Numbers inside right-to-left text: each number-like token isolated left to right and kept on one line.

`num` marks one value (a reference, a file number, an ID, a date typed as text) in a template:
`{{ r.reference|num }}` → `<bdi dir="ltr" class="num">2026-00001</bdi>`. `isolated` shows plain text
written with Unicode isolates (LRI … PDI, `core.messaging.compose.isolate`: the timeline, messages) and
wraps each isolated run the same way, so `2026-00001` never breaks at its hyphen in a narrow column.
"""
import re

from markupsafe import Markup, escape

_ISOLATED = re.compile("\u2066([^\u2066\u2069]*)\u2069")
#: A number-like token in plain text: digits (ASCII or Arabic-Indic) joined by - / . : , (2026-00001,
#: 24-45-8, 05/08/2024, 1,500.00).
_NUMBER = re.compile(r"(?<![\w-])[0-9\u0660-\u0669\u06f0-\u06f9]+(?:[-/.:,][0-9\u0660-\u0669\u06f0-\u06f9]+)+(?![\w-])")


def num(value) -> Markup:
    if value is None or value == "":
        return Markup("")
    return Markup('<bdi dir="ltr" class="num">{}</bdi>').format(value)


def isolated(text) -> Markup:
    """Plain text for HTML: isolated runs and hyphenated numbers as `num`, everything else escaped."""
    if not text:
        return Markup("")
    if isinstance(text, Markup):
        return text  # already HTML: its author isolated what it holds
    out, last = [], 0
    source = str(text)
    for match in _ISOLATED.finditer(source):
        out.append(_numbers(source[last:match.start()]))
        out.append(num(match.group(1)))
        last = match.end()
    out.append(_numbers(source[last:]))
    return Markup("").join(out)


def _numbers(part: str) -> Markup:
    pieces, last = [], 0
    for match in _NUMBER.finditer(part):
        pieces.append(escape(part[last:match.start()]))
        pieces.append(num(match.group(0)))
        last = match.end()
    pieces.append(escape(part[last:]))
    return Markup("").join(pieces)
