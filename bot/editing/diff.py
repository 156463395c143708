"""Readable differences between two versions of a text, for the reviewer and the history.

Line hunks with a little context (a guide is long; a reviewer reads what changed), and within a
changed line the characters that changed: Chinese has no spaces, so a word diff would mark the
whole sentence.
"""

from __future__ import annotations

from difflib import SequenceMatcher

CONTEXT = 2


def _segments(old: str, new: str) -> tuple[list[list], list[list]]:
    """[[text, changed], …] for the old and the new line."""
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    before: list[list] = []
    after: list[list] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if old[i1:i2]:
            before.append([old[i1:i2], tag != "equal"])
        if new[j1:j2]:
            after.append([new[j1:j2], tag != "equal"])
    return before, after


def line_diff(old: str, new: str, context: int = CONTEXT) -> list[dict]:
    """Hunks of {"op": "same"|"del"|"add", "text", "old_no", "new_no", "segments"?}; "gap"
    rows stand for unchanged lines left out."""
    a, b = old.splitlines(), new.splitlines()
    rows: list[dict] = []
    for group in SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context):
        if rows:
            rows.append({"op": "gap"})
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows += [
                    {"op": "same", "text": a[i], "old_no": i + 1, "new_no": j1 + k + 1}
                    for k, i in enumerate(range(i1, i2))
                ]
                continue
            pairs = tag == "replace" and (i2 - i1) == (j2 - j1)
            for k, i in enumerate(range(i1, i2)):
                row = {"op": "del", "text": a[i], "old_no": i + 1}
                if pairs:
                    row["segments"] = _segments(a[i], b[j1 + k])[0]
                rows.append(row)
            for k, j in enumerate(range(j1, j2)):
                row = {"op": "add", "text": b[j], "new_no": j + 1}
                if pairs:
                    row["segments"] = _segments(a[i1 + k], b[j])[1]
                rows.append(row)
    return rows


def phrasings_diff(old: dict[str, list[str]], new: dict[str, list[str]]) -> list[dict]:
    """Linked questions added or removed, per heading."""
    changes = []
    for heading in sorted(set(old) | set(new)):
        before, after = old.get(heading, []), new.get(heading, [])
        added = [q for q in after if q not in before]
        removed = [q for q in before if q not in after]
        if added or removed:
            changes.append({"heading": heading, "added": added, "removed": removed})
    return changes


def summary(rows: list[dict]) -> dict[str, int]:
    return {
        "added": sum(r["op"] == "add" for r in rows),
        "removed": sum(r["op"] == "del" for r in rows),
    }
