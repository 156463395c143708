"""Turning a file an editor uploads into the knowledge base's Markdown, safely.

The workbench imports what departments actually send: Markdown, Word (.docx), PDF (tables
kept) and FAQ spreadsheets (.xlsx, .csv). Each becomes a guide in the format `sources.py`
reads — `# 标题`, `## 章节`, `### 问：…` with the answer as body, numbered lists, pipe tables —
so the editor sees the chunks (`preview`) before anything is saved.

An upload is hostile until shown otherwise: its type is read from its bytes (a PDF named
.docx is a PDF, a CSV named .xlsx is refused), its size is capped (BANSHI_KB_IMPORT_MAX_MB)
before any parser runs, a ZIP container (DOCX, XLSX) is measured from its directory without
inflating anything, a PDF's compressed streams are inflated against a budget before pdfminer
inflates them without one, and encrypted or damaged files are refused. Every refusal is a
`ConversionError` whose message an editor can act on; no input bytes raise anything else.

Parsers: python-docx (the maintained reader of Word's OOXML: styles, numbering, tables in
body order), pdfplumber on pdfminer.six (characters with their font size and position, and
tables with their cell geometry), openpyxl (already the knowledge base's XLSX reader).
"""

from __future__ import annotations

import csv
import io
import re
import statistics
import struct
import unicodedata
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import yaml

from bot.knowledge.sources import CHUNK_CHARS, SourceError, guide_units, preview_units, split_front_matter
from bot.settings import env_value

MB = 1024 * 1024
MAX_MB_VARIABLE = "BANSHI_KB_IMPORT_MAX_MB"
DEFAULT_MAX_MB = 20
MAX_ZIP_ENTRIES = 2000
MAX_UNZIPPED_BYTES = 100 * MB
MAX_ZIP_RATIO = 100
"""Text XML compresses about 10:1; a part that claims more than 100:1 is built to explode."""
RATIO_CHECKED_FROM = 1 * MB
MAX_PDF_PAGES = 300
MAX_PDF_INFLATED = 200 * MB
"""What a PDF's non-image streams may inflate to in all (pdfminer inflates them without a limit)."""
MAX_OUTPUT_CHARS = 2_000_000
MAX_TABLE_ROWS = 20_000
MAX_TABLE_COLUMNS = 64

SUPPORTED = "支持的格式：Markdown（.md）、Word（.docx）、PDF、Excel（.xlsx）和 CSV。"
TEXT_SUFFIXES = {"", ".md", ".markdown", ".txt", ".csv", ".tsv"}
TABLE_TEXT_SUFFIXES = {".csv", ".tsv"}


class ConversionError(ValueError):
    """A file the workbench will not import; the message is for the editor, in Chinese."""


@dataclass
class ConvertedDocument:
    title: str
    markdown: str
    phrasings: dict[str, list[str]] = field(default_factory=dict)
    """Linked questions (相似问法) by the exact heading they belong to, e.g. "问：…"."""


def max_upload_bytes() -> int:
    """The import size limit, read at each call so the setting applies without a restart."""
    return int(env_value(MAX_MB_VARIABLE, str(DEFAULT_MAX_MB))) * MB


def convert(filename: str, data: bytes) -> list[ConvertedDocument]:
    """The guides an uploaded file makes (a FAQ table may hold several titles).

    The file name only names the documents and tells CSV from Markdown; the bytes decide
    everything else. Raises ConversionError, and nothing else, for any input bytes."""
    limit = max_upload_bytes()
    if not data:
        raise ConversionError("文件是空的，请检查后重新上传。")
    if len(data) > limit:
        raise ConversionError(
            f"文件有 {len(data) / MB:.1f} MB，超过了导入上限 {limit // MB} MB。请拆分成几个较小的文件后再导入。"
        )
    kind = ""
    try:
        kind = detect_type(filename, data)
        documents = _CONVERTERS[kind](_stem(filename), data)
    except ConversionError:
        raise
    except Exception as error:  # the parsers raise many kinds of error on a damaged file
        raise ConversionError(
            f"无法读取这个{_KIND_NAMES.get(kind, '')}文件，文件可能已损坏。请用原软件打开并重新保存后再试。"
        ) from error
    _check_output(documents)
    return documents


def preview(markdown: str, phrasings: dict[str, list[str]] | None = None) -> list[dict]:
    """The units the knowledge base would make of this text, as the chat will quote them, so
    the editor checks the chunks before saving."""
    try:
        return preview_units(markdown, phrasings)
    except SourceError as error:
        raise ConversionError(f"文档无法解析：{error}") from error


def _check_output(documents: list[ConvertedDocument]) -> None:
    if sum(len(d.markdown) for d in documents) > MAX_OUTPUT_CHARS:
        raise ConversionError(f"文件内容超过 {MAX_OUTPUT_CHARS:,} 字，请拆分成几个文件后再导入。")
    for document in documents:
        if not preview(document.markdown, document.phrasings):
            raise ConversionError(
                "文件里没有找到可导入的正文。扫描件或图片请先转成文字；Markdown 需要至少一个带正文的“## 标题”。"
            )


def _stem(filename: str) -> str:
    stem = PurePosixPath(filename.replace("\\", "/")).stem.strip()
    return _one_line(stem) or "导入文档"


# --------------------------------------------------------------------------- the type, by content

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_KIND_NAMES = {"pdf": " PDF ", "docx": " Word ", "xlsx": " Excel ", "csv": " CSV ", "markdown": " Markdown "}


def detect_type(filename: str, data: bytes) -> str:
    """The file's type — pdf, docx, xlsx, csv or markdown — from its bytes; refuses anything else.

    Binary formats are known by their magic, whatever the name says. Text is accepted only
    under a text name (or none): a CSV renamed .xlsx is a mistake worth pointing out."""
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    if data.lstrip()[:5] == b"%PDF-" or (b"%PDF-" in data[:1024] and b"%%EOF" in data[-1024:]):
        return "pdf"  # a PDF may carry up to a kilobyte of junk before its header
    if data.startswith(_OLE):
        raise ConversionError(_legacy_message(suffix))
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(data)
    if data.startswith(b"{\\rtf"):
        raise ConversionError("这是 RTF 格式的文件，请在 Word 或 WPS 中另存为 .docx 后再导入。")
    text = _decode_text(data)
    if suffix not in TEXT_SUFFIXES:
        raise ConversionError(
            f"文件扩展名是 {suffix}，内容却是纯文本（可能是改了扩展名的 CSV 或文本文件）。"
            f"请用正确的扩展名（.csv 或 .md）重新保存后再导入。{SUPPORTED}"
        )
    if suffix in TABLE_TEXT_SUFFIXES or (suffix in {"", ".txt"} and _looks_like_faq_table(text)):
        return "csv"
    return "markdown"


def _legacy_message(suffix: str) -> str:
    if suffix in {".xls", ".et"}:
        return "这是旧版 Excel 文件（.xls）或加密的表格，无法直接导入。请在 Excel 或 WPS 中另存为 .xlsx（不设密码）后再导入。"
    if suffix in {".doc", ".wps"}:
        return "这是旧版 Word 文件（.doc），无法直接导入。请在 Word 或 WPS 中另存为 .docx 后再导入。"
    return (
        "这是旧版 Office 文件（.doc/.xls）或设置了打开密码的 Office 文件，无法直接导入。"
        "请在 Word/Excel 或 WPS 中另存为 .docx/.xlsx（不设密码）后再导入。"
    )


def _decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), GB18030 (Excel's and Windows' Chinese default) or UTF-16
    with its BOM ("Unicode 文本"); anything with control bytes is a binary we do not know."""
    unknown = ConversionError(f"无法识别这个文件的格式。{SUPPORTED}")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise unknown from error
    elif b"\x00" in data:
        raise unknown
    else:
        text = _decode_8bit(data)
        if text is None:
            raise ConversionError(f"文件既不是 UTF-8 也不是 GB18030（GBK）编码的文本，无法识别。{SUPPORTED}")
    controls = sum(1 for ch in text[:20_000] if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f")
    if "\x00" in text or controls > max(2, len(text[:20_000]) // 200):
        raise unknown
    return text


def _decode_8bit(data: bytes) -> str | None:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


# --------------------------------------------------------------------------- ZIP containers


def _zip_kind(data: bytes) -> str:
    """DOCX or XLSX, after the container's directory passed the limits; nothing inflated."""
    archive = _open_zip(data)
    names = set(archive.namelist())
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "ppt/presentation.xml" in names:
        raise ConversionError(f"演示文稿（PowerPoint）不能直接导入，请把内容整理成 Word 文档。{SUPPORTED}")
    if "mimetype" in names or "content.xml" in names:
        raise ConversionError("这是 WPS/OpenOffice 的开放文档格式，请另存为 .docx 或 .xlsx 后再导入。")
    raise ConversionError(f"这是一个压缩包，不是 Word（.docx）或 Excel（.xlsx）文件。{SUPPORTED}")


def _open_zip(data: bytes) -> zipfile.ZipFile:
    damaged = ConversionError("文件已损坏或不完整（压缩包目录无法读取），请重新保存后再导入。")
    if _declared_entries(data) > MAX_ZIP_ENTRIES:
        raise ConversionError(f"文件内部包含的条目过多（超过 {MAX_ZIP_ENTRIES} 个），不像正常的文档，已拒绝导入。")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except Exception as error:  # zipfile raises several kinds on a damaged directory
        raise damaged from error
    _check_zip_entries(infos)
    return archive


def _declared_entries(data: bytes) -> int:
    """The entry count from the end-of-directory record, read before zipfile builds an object
    for every entry (a hostile directory can list millions)."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return 0  # zipfile reports the damage
    (count,) = struct.unpack_from("<H", data, end + 10)
    locator = end - 20
    if count == 0xFFFF and locator >= 0 and data[locator : locator + 4] == b"PK\x06\x07":
        (offset,) = struct.unpack_from("<Q", data, locator + 8)
        if data[offset : offset + 4] == b"PK\x06\x06" and offset + 40 <= len(data):
            (count,) = struct.unpack_from("<Q", data, offset + 32)
    return count


def _check_zip_entries(infos: list[zipfile.ZipInfo]) -> None:
    bomb = ConversionError("文件解压后体积异常（疑似“压缩炸弹”），已拒绝导入。请确认文件来源，重新保存后再试。")
    if len(infos) > MAX_ZIP_ENTRIES:
        raise ConversionError(f"文件内部包含的条目过多（超过 {MAX_ZIP_ENTRIES} 个），不像正常的文档，已拒绝导入。")
    if sum(info.file_size for info in infos) > MAX_UNZIPPED_BYTES:
        raise bomb
    for info in infos:
        if info.flag_bits & 0x1:
            raise ConversionError("文件已加密（设置了密码），无法读取。请取消密码、另存后再导入。")
        if info.file_size > RATIO_CHECKED_FROM and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            raise bomb


# --------------------------------------------------------------------------- the common document model


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Para:
    text: str


@dataclass
class Item:
    text: str
    number: int | None = None
    """The item's number in a numbered list; None for a bullet."""
    depth: int = 0


@dataclass
class Table:
    rows: list[list[str]]


Block = Heading | Para | Item | Table

_CN_DIGITS = "一二三四五六七八九十百零〇"
_PATTERN_KINDS = (
    ("chapter", re.compile(rf"^第[{_CN_DIGITS}\d]+(?:章|编|部分)")),
    ("section", re.compile(rf"^第[{_CN_DIGITS}\d]+节")),
    ("cn_number", re.compile(rf"^[{_CN_DIGITS}]+[、．.]")),
    ("cn_paren", re.compile(rf"^[（(][{_CN_DIGITS}]+[）)]")),
)
"""Heading numbering in Chinese official documents, outermost first: 第一章, 第一节, 一、, （一）."""
_HEADING_ORDINAL = re.compile(rf"^(?:[{_CN_DIGITS}]+[、．]|[（(][{_CN_DIGITS}]+[）)])\s*")
_SENTENCE_END = ("。", "；", ";", "，", ",", "：", ":")
_MAX_PATTERN_HEADING = 30
LEAD_SECTION = "概述"
"""The section a document's opening text is put in when it comes before any heading."""
_QUESTION = re.compile(r"^问\s*\d*\s*[:：]\s*")
_ANSWER = re.compile(r"^答\s*\d*\s*[:：]\s*")
_QUESTION_AND_ANSWER = re.compile(r"^问\s*\d*\s*[:：]\s*(.+?[？?])\s*答\s*[:：]\s*(.+)$", re.S)
_MANUAL_NUMBER = re.compile(r"^(?:(\d{1,3})[.．、](?!\d)|[（(](\d{1,3})[）)])\s*(\S.*)$", re.S)
_MANUAL_BULLET = re.compile(r"^(?:[•·●○■□◆◇▪►▸]\s*|[-–]\s+)(\S.*)$", re.S)


def pattern_kind(text: str) -> str | None:
    """Which kind of numbered heading a short line is (第一章, 一、, （一）…), if any."""
    if len(text) > _MAX_PATTERN_HEADING or text.endswith(_SENTENCE_END) or "\n" in text:
        return None
    for kind, pattern in _PATTERN_KINDS:
        if pattern.match(text):
            return kind
    return None


def _pattern_levels(kinds: set[str], first: int) -> dict[str, int]:
    ordered = [kind for kind, _pattern in _PATTERN_KINDS if kind in kinds]
    return {kind: min(first + index, 6) for index, kind in enumerate(ordered)}


def _structure(blocks: list[Block]) -> list[Block]:
    """What every converter shares: typed numbering made into lists, 问：/答： paragraphs made
    into FAQ entries, FAQ headings placed under their section."""
    blocks = _faq_levels(_faq_pairs([_list_item(block) for block in blocks]))
    if blocks and not isinstance(blocks[0], Heading):
        blocks.insert(0, Heading(2, LEAD_SECTION))  # the knowledge base reads text under a heading only
    return blocks


def _list_item(block: Block) -> Block:
    if not isinstance(block, Para):
        return block
    match = _MANUAL_NUMBER.match(block.text)
    if match:
        return Item(_join_lines(match.group(3)), number=int(match.group(1) or match.group(2)))
    match = _MANUAL_BULLET.match(block.text)
    if match:
        return Item(_join_lines(match.group(1)))
    return block


def _faq_pairs(blocks: list[Block]) -> list[Block]:
    """A "问：…" paragraph followed by "答：…" (or both in one) is a FAQ entry."""
    result: list[Block] = []
    index = 0
    while index < len(blocks):
        block = blocks[index]
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        if isinstance(block, Para) and (both := _QUESTION_AND_ANSWER.match(block.text)):
            result += [Heading(0, "问：" + _one_line(both.group(1))), Para(both.group(2).strip())]
        elif (
            isinstance(block, Para)
            and _QUESTION.match(block.text)
            and len(block.text) <= 200
            and isinstance(following, Para)
            and (_ANSWER.match(following.text) or block.text.endswith(("？", "?")))
        ):
            question = _one_line(_QUESTION.sub("", block.text))
            result += [Heading(0, f"问：{question}"), Para(_ANSWER.sub("", following.text))]
            index += 1
        else:
            result.append(block)
        index += 1
    return result


def _faq_levels(blocks: list[Block]) -> list[Block]:
    """A FAQ heading goes one level under the section it is in (## 常见问题 → ### 问：…); a
    question-shaped heading inside a 常见问题 section is a FAQ entry too."""
    sections: list[Heading] = []
    for block in blocks:
        if not isinstance(block, Heading):
            continue
        question = _QUESTION.match(block.text)
        in_faq_section = any("问题" in s.text or "问答" in s.text for s in sections)
        if question or (in_faq_section and block.text.endswith(("？", "?")) and block.level > sections[-1].level):
            block.text = "问：" + _QUESTION.sub("", block.text).strip()
            block.level = min((sections[-1].level if sections else 1) + 1, 6)
            continue
        block.level = max(block.level, 2)
        sections = [s for s in sections if s.level < block.level] + [block]
    return blocks


def _render(title: str, blocks: list[Block]) -> str:
    """The guide's Markdown: `# title`, then blocks separated by blank lines, a list's items
    on consecutive lines so the list stays one block."""
    parts = [f"# {title}"]
    items: list[str] = []
    for block in blocks:
        if isinstance(block, Item):
            marker = f"{block.number}." if block.number is not None else "-"
            items.append(f"{'   ' * block.depth}{marker} {_escape(_join_lines(block.text))}")
            continue
        if items:
            parts.append("\n".join(items))
            items = []
        if isinstance(block, Heading):
            parts.append(f"{'#' * block.level} {_one_line(block.text)}")
        elif isinstance(block, Para):
            parts.append("\n".join(_escape(line) for line in block.text.splitlines() if line.strip()))
        elif isinstance(block, Table) and (table := _pipe_table(block.rows)):
            parts.append(table)
    if items:
        parts.append("\n".join(items))
    return "\n\n".join(part for part in parts if part.strip()) + "\n"


def _pipe_table(rows: list[list[str]]) -> str:
    """A GitHub pipe table; a long one as several tables of whole rows under the same header,
    each within a chunk, so that a row is quoted with the header that says what it means."""
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        return ""
    width = max(len(row) for row in rows)
    if width == 1:  # a framed note, not a table
        return "\n\n".join(_escape(row[0]) for row in rows)
    cells = [[_cell(row[i]) if i < len(row) else "" for i in range(width)] for row in rows]
    header = ["| " + " | ".join(cells[0]) + " |", "|" + " --- |" * width]
    parts: list[list[str]] = [list(header)]
    for row in cells[1:]:
        line = "| " + " | ".join(row) + " |"
        if len(parts[-1]) > 2 and len("\n".join([*parts[-1], line])) > CHUNK_CHARS:
            parts.append(list(header))
        parts[-1].append(line)
    return "\n\n".join("\n".join(part) for part in parts)


def _cell(text: str) -> str:
    return _join_lines(text).replace("|", "｜")


def _escape(line: str) -> str:
    """A line of body text never becomes a heading."""
    line = line.strip()
    return "＃" + line[1:] if line.startswith("#") else line


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lstrip("#").strip()


def _join_lines(text: str) -> str:
    """Lines that were wrapped by the layout, joined: no space between Chinese characters."""
    joined = ""
    for line in (part.strip() for part in text.splitlines()):
        if not line:
            continue
        if joined and joined[-1].isascii() and joined[-1].isalnum() and line[0].isascii() and line[0].isalnum():
            joined += " "
        joined += line
    return joined


def _heading_text(text: str) -> str:
    """A section heading without its Chinese ordinal (二、申请材料 → 申请材料), as the
    knowledge base's guides write them, so the section hints find it."""
    stripped = _HEADING_ORDINAL.sub("", text).strip()
    return stripped or text


_RADICALS = {cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0x2F00, 0x2FD6)} | {0x2F3E: "户"}
_RADICALS |= {
    ord(radical): ideograph
    for radical, ideograph in zip(
        "⺟⺠⻅⻆⻉⻋⻑⻓⻔⻘⻙⻚⻛⻜⻝⻢⻣⻤⻥⻦⻧⻨⻩⻪⻬⻮⻰⻳",
        "母民见角贝车長长门青韦页风飞食马骨鬼鱼鸟卤麦黄黾齐齿龙龟",
    )
}


def unify_radicals(text: str) -> str:
    """Radicals back to the characters they stand for (⼀→一, ⻚→页).

    A CJK font draws 一 and the radical ⼀ with one glyph; PDF writers (Chromium with Noto CJK
    among them) then map the glyph back to the radical, and text copied from such a PDF looks
    right but matches nothing. The table is the glyphs Noto Sans CJK SC shares."""
    return text.translate(_RADICALS)


def _clean(text: str) -> str:
    text = unify_radicals(text).replace("\xa0", " ").replace("\u200b", "")
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()


# --------------------------------------------------------------------------- Markdown


def _from_markdown(stem: str, data: bytes) -> list[ConvertedDocument]:
    text = _decode_text(data).replace("\r\n", "\n").replace("\r", "\n")
    try:
        meta, body = split_front_matter(text)
    except SourceError as error:
        raise ConversionError(f"文档开头的头信息（--- 之间的 YAML）格式有误：{error}") from error
    heading_title, _units = guide_units(body)
    title = _one_line(str(meta.get("title") or heading_title or stem))
    return [ConvertedDocument(title=title, markdown=text)]


# --------------------------------------------------------------------------- FAQ tables (XLSX, CSV)

_COLUMNS = {
    "question": {"question", "q", "问题", "问", "提问", "常见问题"},
    "answer": {"answer", "a", "答案", "回答", "答复", "解答"},
    "title": {"title", "标题", "指南", "事项", "事项名称"},
    "department": {"department", "部门", "责任部门", "主管部门", "牵头部门"},
    "phrasings": {"phrasings", "相似问法", "相似问题", "关联问题", "其他问法"},
}
_PHRASING_SEPARATORS = re.compile(r"[\n|｜；;]+")
_HEADER_ROWS_SEARCHED = 10


def _column_name(header: str) -> str | None:
    name = re.sub(r"\s+", "", str(header)).lower()
    return next((column for column, names in _COLUMNS.items() if name in names), None)


def _faq_header_index(rows: list[list[str]]) -> int | None:
    """The row that names the question and answer columns (a title row may come first)."""
    for index, row in enumerate(rows[:_HEADER_ROWS_SEARCHED]):
        columns = {_column_name(cell) for cell in row}
        if {"question", "answer"} <= columns:
            return index
    return None


def _faq_documents(rows: list[list[str]], default_title: str) -> list[ConvertedDocument]:
    header_index = _faq_header_index(rows)
    if header_index is None:
        raise ConversionError(
            "FAQ 表格需要“问题”和“答案”两列（或 question、answer），可选“标题”“部门”“相似问法”列。请检查表头后再导入。"
        )
    positions = {}
    for position, cell in enumerate(rows[header_index]):
        column = _column_name(cell)
        if column and column not in positions:
            positions[column] = position
    groups: dict[str, list[dict[str, str]]] = {}
    for row in rows[header_index + 1 :]:
        record = {column: _clean(row[i]) if i < len(row) else "" for column, i in positions.items()}
        if record["question"] and record["answer"]:
            title = _one_line(record.get("title") or "") or default_title
            groups.setdefault(title, []).append(record)
    if not groups:
        raise ConversionError("表格里没有同时填写了问题和答案的行，没有可导入的内容。")
    return [_faq_document(title, records) for title, records in groups.items()]


def _faq_document(title: str, records: list[dict[str, str]]) -> ConvertedDocument:
    departments = list(dict.fromkeys(r["department"] for r in records if r.get("department")))
    lines = [_front_matter(title, departments), f"# {title}", "", "## 常见问题", ""]
    phrasings: dict[str, list[str]] = {}
    for record in records:
        heading = f"问：{_one_line(record['question'])}"
        lines += [f"### {heading}", "", *(_escape(line) for line in record["answer"].splitlines() if line.strip()), ""]
        linked = [p.strip() for p in _PHRASING_SEPARATORS.split(record.get("phrasings") or "") if p.strip()]
        if linked:
            known = phrasings.setdefault(heading, [])
            known += [p for p in linked if p not in known]
    return ConvertedDocument(title=title, markdown="\n".join(lines), phrasings=phrasings)


def _front_matter(title: str, departments: list[str]) -> str:
    head: dict[str, object] = {"title": title}
    if departments:
        head["lead_department"] = departments[0]
    if departments[1:]:
        head["cooperating_departments"] = departments[1:]
    return f"---\n{yaml.safe_dump(head, allow_unicode=True, sort_keys=False).strip()}\n---\n"


def _csv_rows(text: str) -> list[list[str]]:
    """Comma-separated, or tab-separated when the first line says so (Excel's "文本文件")."""
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as error:
        raise ConversionError(f"CSV 格式有误（{error}），请用 Excel 或 WPS 重新导出后再导入。") from error
    if len(rows) > MAX_TABLE_ROWS:
        raise ConversionError(f"表格超过 {MAX_TABLE_ROWS} 行，请拆分后再导入。")
    return rows


def _looks_like_faq_table(text: str) -> bool:
    try:
        return _faq_header_index(_csv_rows(text)) is not None
    except ConversionError:
        return False


def _from_csv(stem: str, data: bytes) -> list[ConvertedDocument]:
    return _faq_documents(_csv_rows(_decode_text(data)), stem)


def _from_xlsx(stem: str, data: bytes) -> list[ConvertedDocument]:
    from openpyxl import load_workbook

    _open_zip(data)
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheets = [(sheet.title, _sheet_rows(sheet)) for sheet in workbook.worksheets]
    finally:
        workbook.close()
    faq_sheets = [(name, rows) for name, rows in sheets if _faq_header_index(rows) is not None]
    if not faq_sheets:
        return _faq_documents(sheets[0][1] if sheets else [], stem)
    documents: list[ConvertedDocument] = []
    for name, rows in faq_sheets:
        documents += _faq_documents(rows, stem if len(faq_sheets) == 1 else _one_line(name) or stem)
    return documents


def _sheet_rows(sheet) -> list[list[str]]:
    rows: list[list[str]] = []
    for values in sheet.iter_rows(values_only=True, max_col=MAX_TABLE_COLUMNS):
        row = ["" if value is None else str(value) for value in values]
        if any(cell.strip() for cell in row):
            rows.append(row)
            if len(rows) > MAX_TABLE_ROWS:
                raise ConversionError(f"表格超过 {MAX_TABLE_ROWS} 行，请拆分后再导入。")
    return rows


# --------------------------------------------------------------------------- Word (.docx)

_W_NAMESPACE = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = "{" + _W_NAMESPACE + "}"
_STYLE_HEADING = re.compile(r"^(?:heading|标题)\s*(\d)$", re.I)
_STYLE_TITLE = {"title", "标题"}
_STYLE_TOC = re.compile(r"^(?:toc|目录)\s*\d*$|^toc heading$", re.I)


@dataclass
class _DocxParagraph:
    text: str
    level: int | None = None
    """0 for the document's title, 1-9 for headings, None for body text."""
    numbering: tuple[str, int] | None = None
    style: str = ""


def _from_docx(stem: str, data: bytes) -> list[ConvertedDocument]:
    import docx

    _open_zip(data)
    document = docx.Document(io.BytesIO(data))
    styles = _StyleBook(document)
    raw: list[_DocxParagraph | Table] = []
    for element in _body_elements(document.element.body):
        if element.tag == f"{_W}tbl":
            raw.append(Table(_docx_table_rows(element)))
        elif (paragraph := _docx_paragraph(element, styles)) is not None:
            raw.append(paragraph)
    title, blocks = _docx_blocks(raw, _numbering_element(document))
    title = title or _core_title(document) or stem
    return [ConvertedDocument(title=title, markdown=_render(title, _structure(blocks)))]


def _body_elements(parent) -> Iterator:
    """Paragraphs and tables in reading order, including those inside content controls."""
    for child in parent.iterchildren():
        if child.tag in (f"{_W}p", f"{_W}tbl"):
            yield child
        elif child.tag == f"{_W}sdt":
            for content in child.iterchildren(f"{_W}sdtContent"):
                yield from _body_elements(content)


@dataclass(frozen=True)
class _Style:
    name: str
    outline: str | None
    num_id: str | None
    ilvl: str | None


class _StyleBook:
    """The document's paragraph styles by id, each resolved once along its basedOn chain (at
    most ten deep: a loop in basedOn ends there). Read from the XML: python-docx looks a style
    up by searching the whole styles part for every paragraph."""

    def __init__(self, document) -> None:
        try:
            root = document.styles.element
        except Exception:  # a document without a styles part
            root = None
        elements = [] if root is None else list(root.iterchildren(f"{_W}style"))
        self._elements = {e.get(f"{_W}styleId"): e for e in elements if e.get(f"{_W}type") == "paragraph"}
        self._default = next((i for i, e in self._elements.items() if e.get(f"{_W}default") in ("1", "true")), None)
        self._resolved: dict[str | None, _Style] = {}

    def of(self, paragraph) -> _Style:
        style_id = _ppr_value(paragraph, "pStyle") or self._default
        if style_id not in self._resolved:
            self._resolved[style_id] = self._resolve(style_id)
        return self._resolved[style_id]

    def _resolve(self, style_id: str | None) -> _Style:
        chain = []
        while style_id in self._elements and len(chain) < 10:
            element = self._elements[style_id]
            chain.append(element)
            based_on = element.find(f"{_W}basedOn")
            style_id = None if based_on is None else based_on.get(f"{_W}val")
        name_element = chain[0].find(f"{_W}name") if chain else None
        name = "" if name_element is None else (name_element.get(f"{_W}val") or "").strip()

        def inherited(*path: str) -> str | None:
            return next((v for e in chain if (v := _ppr_value(e, *path)) is not None), None)

        return _Style(name, inherited("outlineLvl"), inherited("numPr", "numId"), inherited("numPr", "ilvl"))


def _ppr_value(element, *path: str) -> str | None:
    """The w:val at pPr/<path> of a paragraph or a style."""
    node = element.find(f"{_W}pPr")
    for tag in path:
        if node is None:
            return None
        node = node.find(f"{_W}{tag}")
    return None if node is None else node.get(f"{_W}val")


def _docx_paragraph(element, styles: _StyleBook) -> _DocxParagraph | None:
    from docx.text.paragraph import Paragraph

    text = _clean(Paragraph(element, None).text)
    style = styles.of(element)
    if not text or _STYLE_TOC.match(style.name):
        return None
    return _DocxParagraph(text, _docx_level(style, element), _numbering_of(style, element), style.name)


def _docx_level(style: _Style, element) -> int | None:
    """0 for the title, 1-6 for headings: by style name (English or Chinese Word), else by the
    outline level that a custom heading style carries."""
    if style.name.lower() in _STYLE_TITLE:
        return 0
    match = _STYLE_HEADING.match(style.name)
    if match:
        return int(match.group(1))
    outline = _ppr_value(element, "outlineLvl") or style.outline
    level = _int(outline, 9) + 1
    return level if level <= 6 else None


def _numbering_of(style: _Style, element) -> tuple[str, int] | None:
    """(numId, level) of a list paragraph, from the paragraph or its style; numId 0 is "none"."""
    num_id = _ppr_value(element, "numPr", "numId") or style.num_id
    ilvl = _ppr_value(element, "numPr", "ilvl") or style.ilvl
    if num_id is None or num_id == "0":
        return None
    return num_id, min(max(_int(ilvl, 0), 0), 8)


def _numbering_element(document):
    try:
        return document.part.numbering_part.element
    except Exception:  # a document without numbering definitions
        return None


def _number_format(numbering, num_id: str, ilvl: int) -> tuple[bool, int]:
    """(is a numbered rather than bulleted list, the number it starts at)."""
    if numbering is None or not num_id.isdigit():
        return True, 1
    abstract = _first(_xpath(numbering, f'./w:num[@w:numId="{num_id}"]/w:abstractNumId/@w:val'))
    if abstract is None or not abstract.isdigit():
        return True, 1
    level = _xpath(numbering, f'./w:abstractNum[@w:abstractNumId="{abstract}"]/w:lvl[@w:ilvl="{ilvl}"]')
    if not level:
        return True, 1
    fmt = _first(_xpath(level[0], "./w:numFmt/@w:val")) or "decimal"
    override = _first(
        _xpath(numbering, f'./w:num[@w:numId="{num_id}"]/w:lvlOverride[@w:ilvl="{ilvl}"]/w:startOverride/@w:val')
    )
    start = _int(override or _first(_xpath(level[0], "./w:start/@w:val")), 1)
    return fmt not in ("bullet", "none"), start


def _docx_blocks(raw: list[_DocxParagraph | Table], numbering) -> tuple[str | None, list[Block]]:
    """Headings leveled for the guide (a Title style, or a lone Heading 1, is the `#` title),
    list paragraphs numbered as Word shows them. A document written without heading styles
    gets its headings from their numbering (一、, （一）)."""
    paragraphs = [p for p in raw if isinstance(p, _DocxParagraph)]
    styled = [p.level for p in paragraphs if p.level is not None]
    shift = 1 if 0 in styled or styled.count(1) > 1 else 0
    by_pattern = (
        {} if any(level > 0 for level in styled) else _pattern_levels({pattern_kind(p.text) for p in paragraphs}, 2)
    )
    numbers = _ListNumbers(numbering)
    title: str | None = None
    blocks: list[Block] = []
    for part in raw:
        if isinstance(part, Table):
            blocks.append(part)
            continue
        if part.level is not None:
            level = 1 if part.level == 0 else part.level + shift
        else:
            level = by_pattern.get(pattern_kind(part.text))
        if level == 1 and title is None:
            title = _one_line(part.text)
        elif level is not None:
            blocks.append(Heading(min(max(level, 2), 6), _heading_text(_one_line(part.text))))
        elif part.numbering is not None or re.match(r"list (number|bullet)", part.style, re.I):
            blocks.append(numbers.item(part))
        else:
            blocks.append(Para(part.text))
    return title, blocks


class _ListNumbers:
    """Word's list numbers as Word shows them: counted per numbering instance and level from
    the level's start (or the instance's startOverride), a deeper level starting again under
    each new item; bullets have none."""

    def __init__(self, numbering) -> None:
        self._numbering = numbering
        self._counts: dict[str, list[int]] = {}
        self._formats: dict[tuple[str, int], tuple[bool, int]] = {}

    def item(self, part: _DocxParagraph) -> Item:
        num_id, ilvl = part.numbering or (f"style:{part.style}", 0)
        if (num_id, ilvl) not in self._formats:
            self._formats[num_id, ilvl] = _number_format(self._numbering, num_id, ilvl)
        numbered, start = self._formats[num_id, ilvl]
        if not numbered or ("bullet" in part.style.lower() and part.numbering is None):
            return Item(_join_lines(part.text), None, ilvl)
        counts = self._counts.setdefault(num_id, [0] * 9)
        counts[ilvl] = counts[ilvl] + 1 if counts[ilvl] else start
        counts[ilvl + 1 :] = [0] * (8 - ilvl)
        return Item(_join_lines(part.text), counts[ilvl], ilvl)


def _docx_table_rows(table) -> list[list[str]]:
    """Cells by grid column: a horizontally merged cell repeated across its span, a vertically
    merged one repeated down; read from the XML so an odd grid cannot upset it."""
    rows: list[list[str]] = []
    above: dict[int, str] = {}
    for tr in _xpath(table, "./w:tr")[:MAX_TABLE_ROWS]:
        row = [""] * min(_int(_first(_xpath(tr, "./w:trPr/w:gridBefore/@w:val")), 0), MAX_TABLE_COLUMNS)
        for tc in _xpath(tr, "./w:tc"):
            span = min(max(_int(_first(_xpath(tc, "./w:tcPr/w:gridSpan/@w:val")), 1), 1), MAX_TABLE_COLUMNS)
            merge = _xpath(tc, "./w:tcPr/w:vMerge")
            continued = bool(merge) and merge[0].get(f"{_W}val") != "restart"
            text = above.get(len(row), "") if continued else _cell_text(tc)
            for _ in range(span):
                if len(row) >= MAX_TABLE_COLUMNS:
                    break
                above[len(row)] = text
                row.append(text)
        rows.append(row)
    return rows


def _cell_text(tc) -> str:
    paragraphs = ["".join(tc_text.text or "" for tc_text in p.iter(f"{_W}t")) for p in tc.iter(f"{_W}p")]
    return _clean(" ".join(p.strip() for p in paragraphs if p.strip()))


def _core_title(document) -> str:
    try:
        return _one_line(document.core_properties.title or "")
    except Exception:  # a damaged docProps/core.xml only loses the title
        return ""


def _xpath(element, expression: str) -> list:
    """XPath with the w: prefix on any element (python-docx knows it only on the elements it
    has classes for, and its own `xpath` takes no namespaces)."""
    from lxml import etree

    return etree._Element.xpath(element, expression, namespaces={"w": _W_NAMESPACE})


def _first(values: list) -> str | None:
    return str(values[0]) if values else None


def _int(value: str | None, default: int) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default


# --------------------------------------------------------------------------- PDF

_PAGE_NUMBER = re.compile(
    r"^(?:第\s*\d+\s*页(?:\s*[,，/／]?\s*共\s*\d+\s*页)?|共\s*\d+\s*页\s*第\s*\d+\s*页"
    r"|[-—–‒]?\s*\d{1,4}\s*[-—–‒]?|\d+\s*/\s*\d+|[Pp]age\s*\d+(?:\s*of\s*\d+)?)$"
)
_MARGIN_ZONE = 0.1
"""Running headers and footers live in the top and bottom tenth of a page."""
_STREAM = re.compile(rb"(?<!end)stream\r?\n")
_IMAGE_DICT = re.compile(rb"/Subtype\s*/Image")
_MAX_PAGE_GRAPHICS = 5000
_LINE_MARKER = re.compile(
    r"^(?:\d{1,3}[.．、](?!\d)|[（(]\d{1,3}[）)]|[•·●○■□◆◇▪►▸]|[-–]\s|问\s*\d*\s*[:：]|答\s*\d*\s*[:：])"
)
_CLOSES_SENTENCE = ("。", "！", "？", "!", "?", "：", ":", "；", ";")


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    page: int
    zone: bool = False
    """In the page's top or bottom margin, where running headers and page numbers are."""


@dataclass
class _PdfTable:
    rows: list[list[str]]
    top: float
    page: int


def _from_pdf(stem: str, data: bytes) -> list[ConvertedDocument]:
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError

    _check_pdf_bytes(data)
    try:
        pdf = pdfplumber.open(io.BytesIO(data), raise_unicode_errors=False)
    except Exception as error:
        if isinstance(error.args[0] if error.args else None, PDFEncryptionError):
            raise ConversionError(_ENCRYPTED_PDF) from error
        raise ConversionError("PDF 文件已损坏，无法读取。请用原软件重新导出 PDF 后再导入。") from error
    with pdf:
        if pdf.doc.encryption is not None:
            raise ConversionError(_ENCRYPTED_PDF)
        pages = pdf.pages
        if not pages:
            raise ConversionError("PDF 文件已损坏（找不到任何页面），请用原软件重新导出 PDF 后再导入。")
        if len(pages) > MAX_PDF_PAGES:
            raise ConversionError(f"PDF 有 {len(pages)} 页，超过了 {MAX_PDF_PAGES} 页的上限，请拆分后再导入。")
        lines, tables = _pdf_content(pages)
        metadata_title = _one_line(str(pdf.metadata.get("Title") or ""))
    if not lines and not tables:
        raise ConversionError("PDF 里没有可提取的文字（可能是扫描件或图片）。请提供文字版 PDF 或 Word 文档。")
    title, blocks = _pdf_blocks(lines, tables)
    title = title or (metadata_title if _meaningful_title(metadata_title) else "") or stem
    return [ConvertedDocument(title=title, markdown=_render(title, _structure(blocks)))]


_ENCRYPTED_PDF = "文件已加密（设置了密码或权限限制），无法读取文字。请另存为未加密的 PDF 后再导入。"


def _check_pdf_bytes(data: bytes) -> None:
    """A whole file (a PDF ends with %%EOF) whose streams inflate within the budget — checked
    before pdfminer, which inflates every stream it reads without a limit."""
    if b"%%EOF" not in data[-1024:]:
        raise ConversionError("PDF 文件不完整（可能上传中断或文件已损坏），请重新导出或重新上传。")
    budget = MAX_PDF_INFLATED
    for match in _STREAM.finditer(data):
        start = match.end()
        end = data.find(b"endstream", start)
        if end < 0:
            break
        if _IMAGE_DICT.search(data, max(0, match.start() - 1024), match.start()):
            continue  # images are not decoded to read text
        budget -= _inflated_size(data[start:end], budget)
        if budget < 0:
            raise ConversionError("PDF 内部数据解压后体积异常（疑似“压缩炸弹”），已拒绝导入。")


def _inflated_size(chunk: bytes, budget: int) -> int:
    """How much a Flate stream inflates to, counted in steps of 1 MB and stopped past the budget."""
    inflater = zlib.decompressobj()
    total = 0
    try:
        while chunk and total <= budget:
            out = inflater.decompress(chunk, MB)
            if not out:
                break
            total += len(out)
            chunk = inflater.unconsumed_tail
    except zlib.error:
        return total  # not Flate, or damaged: pdfminer decides
    return total


def _meaningful_title(title: str) -> bool:
    return bool(title) and not re.search(r"(?i)\.(docx?|wps|pdf)$|^microsoft word|^untitled|^无标题", title)


def _pdf_content(pages) -> tuple[list[_Line], list[_PdfTable]]:
    lines: list[_Line] = []
    tables: list[_PdfTable] = []
    chars = 0
    for index, page in enumerate(pages):
        page_lines, page_tables = _pdf_page(page, index)
        page.close()
        lines += page_lines
        tables += page_tables
        chars += sum(len(line.text) for line in page_lines)
        if chars > MAX_OUTPUT_CHARS:
            raise ConversionError(f"文件内容超过 {MAX_OUTPUT_CHARS:,} 字，请拆分成几个文件后再导入。")
    return _drop_running_lines(lines, len(pages)), tables


def _pdf_page(page, index: int) -> tuple[list[_Line], list[_PdfTable]]:
    """The page's text lines outside its tables, and its tables (pdfplumber's ruled tables)."""
    graphics = len(page.rects) + len(page.lines) + len(page.curves)
    found = page.find_tables() if graphics <= _MAX_PAGE_GRAPHICS else []
    bboxes = [table.bbox for table in found]
    tables = [_PdfTable(_pdf_table_rows(table), table.bbox[1], index) for table in found]

    def outside_tables(obj: dict) -> bool:
        if obj.get("object_type") != "char":
            return True
        x = (obj["x0"] + obj["x1"]) / 2
        y = (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in bboxes)

    text_page = page.filter(outside_tables) if bboxes else page
    height = float(page.height) or 1.0
    lines = []
    for raw in text_page.extract_text_lines(return_chars=True):
        text = _clean(raw["text"])
        if not text:
            continue
        sizes = [round(float(c.get("size", 0)) * 2) / 2 for c in raw["chars"]]
        zone = raw["top"] < height * _MARGIN_ZONE or raw["bottom"] > height * (1 - _MARGIN_ZONE)
        size = statistics.median(sizes) if sizes else 0.0
        lines.append(_Line(text, raw["x0"], raw["x1"], raw["top"], raw["bottom"], size, index, zone))
    return lines, tables


def _pdf_table_rows(table) -> list[list[str]]:
    """The table's text by row; where a merged cell covers the grid (pdfplumber gives None),
    the text of the cell whose box reaches into it, so each row reads whole on its own."""
    texts = table.extract()[:MAX_TABLE_ROWS]
    boxes = [row.cells for row in table.rows]
    tops = [row.bbox[1] for row in table.rows]
    rows: list[list[str]] = []
    for r, row in enumerate(texts):
        filled: list[str] = []
        for c, cell in enumerate(row[:MAX_TABLE_COLUMNS]):
            if cell is None:
                filled.append(_covering(rows, filled, boxes, tops, r, c))
            else:
                filled.append(_clean(_join_lines(cell)))
        rows.append(filled)
    return rows


def _covering(rows: list[list[str]], filled: list[str], boxes: list, tops: list[float], r: int, c: int) -> str:
    left = next((j for j in range(c - 1, -1, -1) if boxes[r][j] is not None), None)
    x0 = min((row[c][0] for row in boxes if c < len(row) and row[c] is not None), default=None)
    if left is not None and x0 is not None and boxes[r][left][2] > x0 + 1:
        return filled[left]
    above = next((i for i in range(r - 1, -1, -1) if c < len(boxes[i]) and boxes[i][c] is not None), None)
    if above is not None and boxes[above][c][3] > tops[r] + 1 and c < len(rows[above]):
        return rows[above][c]
    return ""


def _drop_running_lines(lines: list[_Line], page_count: int) -> list[_Line]:
    """Page numbers in the margins, and margin lines repeated on at least half of the pages
    (the department's name, the document number), are not content."""

    def key(line: _Line) -> str:
        return re.sub(r"\d+", "#", re.sub(r"\s+", "", line.text))

    seen = Counter(k for k, _page in {(key(line), line.page) for line in lines if line.zone})
    repeated = {k for k, pages in seen.items() if page_count >= 2 and pages >= max(2, (page_count + 1) // 2)}
    return [
        line
        for line in lines
        if not (line.zone and (_PAGE_NUMBER.match(re.sub(r"\s+", " ", line.text)) or key(line) in repeated))
    ]


def _pdf_blocks(lines: list[_Line], tables: list[_PdfTable]) -> tuple[str | None, list[Block]]:
    """Lines and tables in reading order: headings by type size and numbering, wrapped lines
    joined into paragraphs, the largest line opening the first page as the title."""
    body_size = _body_size(lines)
    keys = [_heading_key(line, body_size) for line in lines]
    title_lines = _title_lines(lines, keys, tables)
    levels = _pdf_levels([key for i, key in enumerate(keys) if i not in title_lines])
    right = max((line.x1 for line in lines if abs(line.size - body_size) < 1), default=0.0)
    events: list[tuple[int, float, int, int | _PdfTable]] = [
        (line.page, line.top, 1, i) for i, line in enumerate(lines)
    ]
    events += [(table.page, table.top, 0, table) for table in tables]
    events.sort(key=lambda event: event[:3])
    blocks: list[Block] = []
    paragraph: list[_Line] = []
    previous: int | None = None
    for _page, _top, _order, subject in events:
        if isinstance(subject, _PdfTable):
            _flush(paragraph, blocks)
            _add_table(blocks, subject)
            previous = None
            continue
        line, key = lines[subject], keys[subject]
        if subject in title_lines:
            continue
        if key is None:
            if paragraph and not _continues(paragraph, line, right):
                _flush(paragraph, blocks)
            paragraph.append(line)
        elif previous is not None and _wraps(lines[previous], keys[previous], line, key) and blocks:
            blocks[-1].text += line.text  # a heading wrapped onto a second line
        else:
            _flush(paragraph, blocks)
            blocks.append(Heading(levels[key], line.text))
        previous = subject if key is not None else None
    _flush(paragraph, blocks)
    for block in blocks:
        if isinstance(block, Heading):
            block.text = _heading_text(_one_line(block.text))
    title = _one_line("".join(lines[i].text for i in sorted(title_lines)))
    return title or None, blocks


def _flush(paragraph: list[_Line], blocks: list[Block]) -> None:
    if paragraph:
        blocks.append(Para(_join_lines("\n".join(line.text for line in paragraph))))
        paragraph.clear()


def _wraps(first: _Line, first_key: tuple | None, line: _Line, key: tuple | None) -> bool:
    """Whether a heading line is the second line of the heading above (not the next heading)."""
    close = line.page == first.page and line.top - first.bottom < line.size
    return key == first_key and close and pattern_kind(line.text) is None


def _title_lines(lines: list[_Line], keys: list[tuple | None], tables: list[_PdfTable]) -> set[int]:
    """The title: the document's largest type, opening the first page (with its wrapped line)."""
    sizes = [key[1] for key in keys if key and key[0] == "size"]
    if not lines or not sizes or keys[0] != ("size", max(sizes)) or lines[0].page != 0:
        return set()
    if any(table.page == 0 and table.top < lines[0].top for table in tables):
        return set()
    chosen = {0}
    for index in range(1, len(lines)):
        if not _wraps(lines[index - 1], keys[index - 1], lines[index], keys[index]):
            break
        chosen.add(index)
    return chosen


def _body_size(lines: list[_Line]) -> float:
    weights: Counter[float] = Counter()
    for line in lines:
        weights[line.size] += len(line.text)
    return weights.most_common(1)[0][0] if weights else 0.0


def _heading_key(line: _Line, body_size: float) -> tuple | None:
    """("size", s) for a short line set larger than the body text, ("pattern", kind) for a
    body-size line numbered like a heading (一、, （一）, 第一章), else None."""
    if body_size and line.size >= body_size * 1.12 and len(line.text) <= 60:
        return ("size", line.size)
    kind = pattern_kind(line.text)
    return ("pattern", kind) if kind else None


def _pdf_levels(keys: list[tuple | None]) -> dict[tuple, int]:
    """Larger type is a higher level (## first); headings numbered in body type come below."""
    sizes = sorted({key[1] for key in keys if key and key[0] == "size"}, reverse=True)
    levels: dict[tuple, int] = {("size", size): min(2 + rank, 6) for rank, size in enumerate(sizes)}
    kinds = {key[1] for key in keys if key and key[0] == "pattern"}
    levels |= {("pattern", kind): level for kind, level in _pattern_levels(kinds, 2 + len(sizes)).items()}
    return levels


def _continues(paragraph: list[_Line], line: _Line, right: float) -> bool:
    """Whether a line carries on the paragraph above it (the layout wrapped it) rather than
    starting a new one: no list marker, the same type, a line's gap, and no first-line indent
    or short, finished line above it."""
    previous = paragraph[-1]
    if _LINE_MARKER.match(line.text) or abs(line.size - previous.size) > 0.5:
        return False
    if line.page == previous.page and line.top - previous.bottom > line.size * 0.8:
        return False
    is_item = bool(_LINE_MARKER.match(paragraph[0].text))
    if not is_item and line.x0 > previous.x0 + line.size:
        return False
    short = previous.x1 < right - 2 * line.size
    return not (short and previous.text.endswith(_CLOSES_SENTENCE))


def _add_table(blocks: list[Block], table: _PdfTable) -> None:
    """A table continued on the next page (same columns) is one table; a repeated header row
    on the new page is dropped."""
    rows = table.rows
    last = blocks[-1] if blocks else None
    if isinstance(last, Table) and last.rows and rows and len(rows[0]) == len(last.rows[0]):
        last.rows += rows[1:] if rows[0] == last.rows[0] else rows
    elif rows:
        blocks.append(Table(rows))


_CONVERTERS: dict[str, Callable[[str, bytes], list[ConvertedDocument]]] = {
    "markdown": _from_markdown,
    "csv": _from_csv,
    "xlsx": _from_xlsx,
    "docx": _from_docx,
    "pdf": _from_pdf,
}
"""One converter per detected type."""
