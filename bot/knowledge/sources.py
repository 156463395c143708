"""Reading sources into units: Markdown guides (front matter + headings) and FAQ tables.

Unit boundaries follow how the guides are written: each `### 问：` heading with its answer is
one FAQ unit; other sections are split on headings, and a long section into chunks of whole
paragraphs so that an answer quotes the fact, not the page. A numbered list (a materials list,
the steps of a procedure) is never cut, and a line that introduces a list stays with it.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from bot.knowledge.store import FAQ, MATERIALS, SECTION

GUIDE_SUFFIXES = (".md", ".markdown")
TABLE_SUFFIXES = (".csv", ".xlsx")
PHRASINGS_FILES = ("faq_phrasings.yml", "section_phrasings.yml")
"""The editors' linked questions (关联问题/相似问法): for FAQ entries and for sections."""
SKIPPED_FILES = {"readme.md"}
SECTION_HINTS = {
    "事项简介": "这件事是什么，包括哪些事项，由哪些部门办理",
    "适用对象与办理条件": "谁可以办，需要符合什么条件，什么情况不能办",
    "申请材料": "要准备哪些材料和证件，哪些免提交",
    "办理流程": "怎么办理，办理步骤和流程",
    "办理时限与收费": "多长时间办好，收不收费，要交多少钱",
    "办理渠道": "在哪里办，窗口地址、办公时间、网站、小程序和咨询电话",
    "政策依据": "依据哪些法律、法规和政策文件",
}
"""What each section of the guide template answers, in a citizen's words. The policy pack
fixes these section names; a section is found by its hint when a question names the kind of
fact it wants (要带什么, 多久, 在哪办) rather than the fact itself."""
"""A folder's README describes the folder, it is not content for citizens."""

CHUNK_CHARS = 360
"""Chunks of a long section stay under this many characters unless one list is longer."""

FAQ_PREFIX = re.compile(r"^问[:：]\s*")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_NUMBERED = re.compile(r"^\s*\d+[.、．]\s")
_BULLET = re.compile(r"^\s*[-*+]\s")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_DATE = r"(\d{4}-\d{2}-\d{2})"
_VALIDITY = re.compile(
    rf"^\s*[（(]\s*(?:有效期[:：]?\s*(?:{_DATE}\s*(?:至|到|—|~)\s*)?(?:至\s*)?{_DATE}?|自\s*{_DATE}\s*起施行)\s*[)）]\s*$"
)
"""A section's validity, on the line under its heading: （有效期至2027-12-31）,
（有效期：2027-01-01至2027-12-31）or（自2027-01-01起施行）. Dates are China dates."""


@dataclass
class SourceUnit:
    heading_path: list[str]
    kind: str
    text: str
    question: str | None = None
    phrasings: list[str] = field(default_factory=list)
    effective: str | None = None
    expires: str | None = None

    @property
    def section(self) -> str:
        return self.heading_path[-1] if self.heading_path else ""

    @property
    def key(self) -> str:
        """Identity across versions: the same place, words and validity are the same unit."""
        parts: list = [self.heading_path, self.kind, self.text, self.phrasings]
        if self.effective or self.expires:
            parts.append([self.effective, self.expires])
        payload = json.dumps(parts, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass
class SourceDocument:
    source: str
    title: str
    units: list[SourceUnit]
    content_hash: str
    service_code: str | None = None
    departments: list[str] = field(default_factory=list)
    updated: str = ""
    effective: str | None = None
    expires: str | None = None
    body: str | None = None
    """The text the document was read from, kept as a version's text (None for a FAQ table's
    group, whose text is rendered by `faq_markdown` when an editor opens it)."""
    phrasings: dict[str, list[str]] = field(default_factory=dict)


class SourceError(ValueError):
    """A source file that cannot be read as a guide or a FAQ table; the message says why."""


def plain(text: str) -> str:
    """Markdown emphasis removed: answers are shown in chat bubbles, not rendered Markdown."""
    return _BOLD.sub(r"\1", text).strip()


_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|\n")
MIN_SENTENCE_CHARS = 8


def sentences(text: str) -> list[str]:
    """A unit's text cut into sentences and list items; a fragment too short to mean anything
    alone (「可以。」) is kept with the sentence after it."""
    pieces = [p.strip() for p in _SENTENCE_END.split(text) if p and p.strip()]
    merged: list[str] = []
    carry = ""
    for piece in pieces:
        piece = carry + piece
        if len(piece) < MIN_SENTENCE_CHARS:
            carry = piece
            continue
        merged.append(piece)
        carry = ""
    if carry:
        if merged:
            merged[-1] += carry
        else:
            merged.append(carry)
    return merged


def _hash(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, default=str).encode()).hexdigest()


# --------------------------------------------------------------------------- Markdown guides


def split_front_matter(text: str) -> tuple[dict, str]:
    if not text.startswith("---"):
        return {}, text
    try:
        _, block, body = text.split("---", 2)
    except ValueError:
        return {}, text
    try:
        meta = yaml.safe_load(block) or {}
    except yaml.YAMLError as error:
        raise SourceError(f"头信息（YAML）格式有误：{error}") from error
    return (meta if isinstance(meta, dict) else {}), body


def _blocks(lines: list[str]) -> list[str]:
    """Paragraphs and lists; a list runs until a blank line followed by a non-list line."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if not line.strip():
            if current:
                blocks.append(current)
                current = []
            continue
        is_item = bool(_NUMBERED.match(line) or _BULLET.match(line))
        if current and is_item and not (_NUMBERED.match(current[0]) or _BULLET.match(current[0])):
            blocks.append(current)
            current = []
        current.append(line.rstrip())
    if current:
        blocks.append(current)
    merged: list[list[str]] = []
    for block in blocks:
        is_list = bool(_NUMBERED.match(block[0]) or _BULLET.match(block[0]))
        previous = merged[-1] if merged else None
        if (
            previous
            and is_list
            and _introduces(previous)
            or previous
            and is_list
            and _NUMBERED.match(block[0])
            and _NUMBERED.match(previous[-1])
        ):
            previous.extend(block)
        else:
            merged.append(list(block))
    return ["\n".join(block) for block in merged]


def _introduces(block: list[str]) -> bool:
    last = block[-1].strip()
    return last.endswith(("：", ":")) or (last.startswith("**") and last.endswith("**"))


def _chunks(blocks: list[str]) -> list[str]:
    chunks: list[str] = []
    for block in blocks:
        if chunks and len(chunks[-1]) + len(block) + 1 <= CHUNK_CHARS:
            chunks[-1] = f"{chunks[-1]}\n{block}"
        elif chunks and _is_bullets(block) and len(block) > CHUNK_CHARS:
            chunks.extend(_split_bullets(block))
        else:
            chunks.append(block)
    return chunks


def _is_bullets(block: str) -> bool:
    return all(_BULLET.match(line) or line.startswith(" ") for line in block.splitlines())


def _split_bullets(block: str) -> list[str]:
    """An over-long bulleted (not numbered) list may be cut between items."""
    parts: list[str] = []
    for line in block.splitlines():
        if parts and (line.startswith(" ") or len(parts[-1]) + len(line) + 1 <= CHUNK_CHARS):
            parts[-1] = f"{parts[-1]}\n{line}"
        else:
            parts.append(line)
    return parts


def _section_kind(heading_path: list[str]) -> str:
    return MATERIALS if any("材料" in heading for heading in heading_path) else SECTION


def guide_units(body: str, phrasings: dict[str, list[str]] | None = None) -> tuple[str | None, list[SourceUnit]]:
    """The document's `#` title (if any) and its units, in reading order."""
    phrasings = phrasings or {}
    title: str | None = None
    path: list[tuple[int, str]] = []
    lines: list[str] = []
    units: list[SourceUnit] = []

    def flush() -> None:
        nonlocal lines
        if not path:
            return
        effective, expires, lines = validity(lines)
        if not any(line.strip() for line in lines):
            return
        headings = [text for _level, text in path]
        section = headings[-1]
        if FAQ_PREFIX.match(section):
            answer = plain("\n".join(line for line in lines).strip())
            units.append(
                SourceUnit(
                    heading_path=headings,
                    kind=FAQ,
                    text=answer,
                    question=FAQ_PREFIX.sub("", section),
                    phrasings=list(phrasings.get(section, [])),
                    effective=effective,
                    expires=expires,
                )
            )
            return
        linked = list(phrasings.get(section, []))
        for chunk in _chunks(_blocks(lines)):
            units.append(
                SourceUnit(
                    heading_path=headings,
                    kind=_section_kind(headings),
                    text=plain(chunk),
                    phrasings=linked,
                    effective=effective,
                    expires=expires,
                )
            )

    for line in body.splitlines():
        match = _HEADING.match(line)
        if not match:
            lines.append(line)
            continue
        flush()
        lines = []
        level, text = len(match.group(1)), plain(match.group(2))
        if level == 1:
            title = title or text
            path = []
            continue
        path = [(lvl, txt) for lvl, txt in path if lvl < level] + [(level, text)]
    flush()
    return title, units


def validity(lines: list[str]) -> tuple[str | None, str | None, list[str]]:
    """A section's (effective, expires) from its validity line, and its lines without it."""
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        match = _VALIDITY.match(line)
        if not match or not any(match.groups()):
            return None, None, lines
        since, until, start = match.groups()
        return since or start, until, lines[:index] + lines[index + 1 :]
    return None, None, lines


EXPIRED_SECTION = "（本节规定的有效期到{day}为止，现已调整，新的规定正在更新中，请以最新公布为准。）"


def without_expired(body: str, today: str) -> str:
    """A guide's Markdown as a citizen may read it on `today` (a China date): each section past
    its 有效期 keeps its heading and says it has expired instead of stating the old rule — the
    page a citation links to must not quote what the chat no longer does."""
    out: list[str] = []
    section: list[str] = []

    def flush() -> None:
        _since, until, _rest = validity(section)
        out.extend(["", EXPIRED_SECTION.format(day=until), ""] if until and until < today else section)

    for line in body.splitlines():
        if _HEADING.match(line):
            flush()
            section = []
            out.append(line)
        else:
            section.append(line)
    flush()
    return "\n".join(out)


def preview_units(text: str, phrasings: dict[str, list[str]] | None = None) -> list[dict]:
    """The units a guide's text makes, as the chat will quote them: what an editor checks
    before saving an import or a draft. Raises SourceError on unreadable front matter."""
    _meta, body = split_front_matter(text)
    _title, units = guide_units(body, phrasings or {})
    return [
        {
            "heading_path": unit.heading_path,
            "kind": unit.kind,
            "text": unit.text,
            "question": unit.question,
            "phrasings": unit.phrasings,
            "effective": unit.effective,
            "expires": unit.expires,
            "chars": len(unit.text),
        }
        for unit in units
    ]


def load_phrasings(folder: Path) -> dict[str, dict[str, list[str]]]:
    """The editors' linked questions: {guide stem: {heading: [question, …]}}."""
    merged: dict[str, dict[str, list[str]]] = {}
    for name in PHRASINGS_FILES:
        path = folder / name
        if not path.exists():
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as error:
            raise SourceError(f"{path.name} 格式有误：{error}") from error
        for stem, headings in data.items():
            target = merged.setdefault(str(stem), {})
            for heading, items in (headings or {}).items():
                target.setdefault(str(heading), []).extend(str(p) for p in (items or []))
    return merged


def read_guide(path: Path, source: str, phrasings: dict[str, list[str]] | None = None) -> SourceDocument:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise SourceError("文件不是 UTF-8 编码") from error
    return parse_guide(text, source, phrasings, default_title=path.stem)


def _front_date(meta: dict, *names: str) -> str | None:
    for name in names:
        if meta.get(name):
            value = str(meta[name])
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise SourceError(f"头信息 {name} 应为日期，如 2027-01-01")
            return value
    return None


def parse_guide(
    text: str, source: str, phrasings: dict[str, list[str]] | None = None, default_title: str = ""
) -> SourceDocument:
    """A guide from its text (a file's, or the editors' workbench's). Units inherit the
    document's 有效期至 unless their section names its own."""
    meta, body = split_front_matter(text)
    heading_title, units = guide_units(body, phrasings)
    title = str(meta.get("title") or heading_title or default_title or source)
    departments = [meta["lead_department"]] if meta.get("lead_department") else []
    departments += [str(d) for d in meta.get("cooperating_departments") or []]
    if meta.get("department") and not departments:
        departments = [str(meta["department"])]
    expires = _front_date(meta, "expires", "有效期至")
    for unit in units:
        unit.expires = unit.expires or expires
    return SourceDocument(
        source=source,
        title=title,
        units=units,
        content_hash=_hash(text, phrasings or {}),
        service_code=str(meta["code"]) if meta.get("code") else None,
        departments=departments,
        updated=str(meta.get("updated") or ""),
        effective=_front_date(meta, "effective", "生效日期"),
        expires=expires,
        body=text,
        phrasings={k: list(v) for k, v in (phrasings or {}).items()},
    )


# --------------------------------------------------------------------------- FAQ tables


def _table_rows(path: Path) -> list[dict[str, str]]:
    if path.suffix.lower() == ".csv":
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise SourceError("CSV 既不是 UTF-8 也不是 GB18030 编码")
        return [dict(row) for row in csv.DictReader(text.splitlines())]
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(path, read_only=True, data_only=True).active
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise SourceError(f"无法读取 XLSX：{error}") from error
    rows = list(sheet.iter_rows(values_only=True))
    if not rows:
        return []
    header = [str(cell or "").strip() for cell in rows[0]]
    return [
        {header[i]: "" if cell is None else str(cell) for i, cell in enumerate(row) if i < len(header)}
        for row in rows[1:]
    ]


def faq_markdown(document: SourceDocument) -> str:
    """A FAQ table's group as a guide's text, which reads back into the same units: what an
    editor opens, edits and publishes in the workbench."""
    head = {"title": document.title}
    if document.departments:
        head["department"] = document.departments[0]
    lines = ["---", yaml.safe_dump(head, allow_unicode=True).strip(), "---", "", f"# {document.title}", ""]
    for unit in document.units:
        lines += [f"### {unit.heading_path[-1]}", "", unit.text, ""]
    return "\n".join(lines)


def read_table(path: Path, source: str) -> list[SourceDocument]:
    """A FAQ spreadsheet: one document per `title` (the file name when the column is absent)."""
    rows = [{(k or "").strip().lower(): (v or "").strip() for k, v in row.items()} for row in _table_rows(path)]
    if rows and "answer" not in rows[0]:
        raise SourceError("FAQ 表格缺少 answer 列（需要 question、answer 两列，可选 title、department）")
    updated = date.fromtimestamp(path.stat().st_mtime).isoformat()
    groups: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        if row.get("answer"):
            groups.setdefault(row.get("title") or path.stem, []).append(row)
    documents = []
    for title, group in groups.items():
        units = []
        for row in group:
            question = row.get("question") or None
            heading = f"问：{question}" if question else "说明"
            units.append(
                SourceUnit(
                    heading_path=[heading],
                    kind=FAQ if question else SECTION,
                    text=plain(row["answer"]),
                    question=question,
                )
            )
        departments = sorted({row["department"] for row in group if row.get("department")})
        documents.append(
            SourceDocument(
                source=f"{source}#{title}",
                title=title,
                units=units,
                content_hash=_hash(title, group),
                departments=departments,
                updated=updated,
            )
        )
    return documents
