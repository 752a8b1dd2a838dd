"""What changed between two versions of a policy: a line diff of their rendered text."""
from dataclasses import dataclass
from difflib import SequenceMatcher

from core.models import PolicyVersion
from core.policy.rendering import text_lines


@dataclass(frozen=True)
class DiffLine:
    #: "same", "removed", "added", or "gap" (unchanged lines left out).
    kind: str
    text: str = ""
    old_number: int | None = None
    new_number: int | None = None


def diff_lines(old: list[str], new: list[str], context: int = 2) -> list[DiffLine]:
    """The changed lines with `context` unchanged lines around each change; [] when nothing changed."""
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    out: list[DiffLine] = []
    for index, group in enumerate(matcher.get_grouped_opcodes(context)):
        if index or group[0][1] > 0:
            out.append(DiffLine("gap"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(DiffLine("same", old[i], i + 1, j1 + (i - i1) + 1) for i in range(i1, i2))
                continue
            if tag in ("replace", "delete"):
                out.extend(DiffLine("removed", old[i], old_number=i + 1) for i in range(i1, i2))
            if tag in ("replace", "insert"):
                out.extend(DiffLine("added", new[j], new_number=j + 1) for j in range(j1, j2))
    if out and all(line.kind in ("same", "gap") for line in out):
        return []
    if out and out[-1].kind == "same" and out[-1].old_number < len(old):
        out.append(DiffLine("gap"))
    return out


def compare(old: PolicyVersion, new: PolicyVersion, locale: str) -> list[DiffLine]:
    """The diff of two versions' text in one language."""
    return diff_lines(text_lines(old.body(locale)), text_lines(new.body(locale)))
