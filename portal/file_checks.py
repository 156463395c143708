"""What an uploaded material must be before it is stored: a photo (JPEG, PNG) or a PDF,
recognised by its content, never by its name; small enough; and harmless to the officer who
opens it.

Refused, each with its own plain reason: anything else by content (a renamed program, an
archive, an SVG, which is a script-capable document), a file over the size limit, an image whose
pixel count would exhaust memory when decoded (a "decompression bomb": a few KB of PNG that
expand to gigabytes), a PDF that carries JavaScript, launch actions, embedded files or other
active content, and an encrypted PDF the officer could not read. Pillow decodes the images
(and draws the thumbnail the chat shows back); pypdf reads the PDF's object graph without
rendering anything.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

MAX_PIXELS = 40_000_000
"""A 40-megapixel photo is more than any phone takes; beyond that decoding is an attack."""
MAX_PDF_PAGES = 100
MAX_PDF_OBJECTS = 50_000
THUMBNAIL_SIDE = 240

JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
ACCEPTED = "照片（JPG、PNG）或 PDF 文件"

_ACTIVE_PDF_KEYS = {
    "/JavaScript": "脚本",
    "/JS": "脚本",
    "/Launch": "启动外部程序的动作",
    "/EmbeddedFile": "嵌入的文件",
    "/EmbeddedFiles": "嵌入的文件",
    "/RichMedia": "多媒体内容",
    "/AA": "自动执行的动作",
    "/XFA": "动态表单",
    "/SubmitForm": "表单提交动作",
    "/ImportData": "数据导入动作",
    "/GoToR": "打开其他文件的动作",
}


class FileRefused(ValueError):
    """The file is not stored; `message` says why, in words the citizen understands."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    extension: str
    width: int | None = None
    height: int | None = None
    pages: int | None = None
    thumbnail: bytes | None = None
    """A small JPEG of an image, shown back in the chat; None for a PDF."""


def sniff(data: bytes) -> str | None:
    """The accepted type the first bytes say, else None."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"%PDF-"):
        return PDF
    return None


def _what_it_is(data: bytes) -> str:
    """For the refusal's wording: what a refused file appears to be."""
    head = data[:512].lstrip().lower()
    if data.startswith((b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"#!")):
        return "程序文件"
    if data.startswith((b"PK\x03\x04", b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")):
        return "压缩包"
    if b"<svg" in head or head.startswith(b"<?xml"):
        return " SVG 或 XML 文件"
    if head.startswith((b"<!doctype html", b"<html")):
        return "网页文件"
    return "这种格式的文件"


def check_file(data: bytes, max_bytes: int) -> CheckedFile:
    """The file's type and thumbnail, or FileRefused with the reason."""
    if not data:
        raise FileRefused("file_empty", "文件是空的，请重新选择。")
    if len(data) > max_bytes:
        limit = max_bytes // (1024 * 1024)
        raise FileRefused(
            "file_too_large", f"文件过大（{len(data) / 1048576:.1f}MB），单个文件不能超过{limit}MB，请压缩后再传。"
        )
    kind = sniff(data)
    if kind is None:
        raise FileRefused("file_type_refused", f"不能接收{_what_it_is(data)}，请上传{ACCEPTED}。")
    return _check_pdf(data) if kind == PDF else _check_image(data, kind)


def _check_image(data: bytes, kind: str) -> CheckedFile:
    unreadable = FileRefused("image_unreadable", "这张图片无法打开，可能已损坏，请重新拍照后再传。")
    too_large = FileRefused("image_too_large", "图片尺寸过大（像素过多），请用手机正常拍照或缩小后再传。")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
            expected = "JPEG" if kind == JPEG else "PNG"
            if probe.format != expected:
                raise unreadable
            if width * height > MAX_PIXELS:
                raise too_large
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (THUMBNAIL_SIDE * 2, THUMBNAIL_SIDE * 2))
            small = ImageOps.exif_transpose(image).convert("RGB")
            small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
            out = io.BytesIO()
            small.save(out, "JPEG", quality=70)
    except FileRefused:
        raise
    except Image.DecompressionBombError:
        raise too_large from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise unreadable from None
    return CheckedFile(kind, "jpg" if kind == JPEG else "png", width, height, thumbnail=out.getvalue())


def _check_pdf(data: bytes) -> CheckedFile:
    unreadable = FileRefused("pdf_unreadable", "这个 PDF 文件无法打开，可能已损坏，请重新导出后再传。")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise FileRefused("pdf_encrypted", "这个 PDF 设置了密码，工作人员无法打开，请去掉密码后再传。")
        pages = len(reader.pages)
        found = _active_content(reader)
    except FileRefused:
        raise
    except (PdfReadError, OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise unreadable from None
    if found:
        raise FileRefused(
            "pdf_active_content",
            f"这个 PDF 含有{found}，出于安全考虑不能接收，请用“打印为 PDF”或扫描件重新生成后再传。",
        )
    if pages == 0:
        raise unreadable
    if pages > MAX_PDF_PAGES:
        raise FileRefused(
            "pdf_too_many_pages", f"PDF 页数过多（{pages}页），请只上传本项材料（不超过{MAX_PDF_PAGES}页）。"
        )
    return CheckedFile(PDF, "pdf", pages=pages)


def _active_content(reader: PdfReader) -> str | None:
    """What active content the document holds, walking every object reachable from the
    trailer (a name hidden in a compressed object stream is found too). Content streams are
    never decoded: what draws the page cannot act."""
    seen: set[tuple[int, int]] = set()
    stack: list[object] = [reader.trailer]
    visited = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            ref = (node.idnum, node.generation)
            if ref in seen:
                continue
            seen.add(ref)
            node = node.get_object()
        visited += 1
        if visited > MAX_PDF_OBJECTS:
            return "过多的内部对象"
        if isinstance(node, DictionaryObject):
            for key, value in node.items():
                if key in _ACTIVE_PDF_KEYS:
                    return _ACTIVE_PDF_KEYS[key]
                if key == "/S" and isinstance(value, NameObject) and value in _ACTIVE_PDF_KEYS:
                    return _ACTIVE_PDF_KEYS[value]
                stack.append(value)
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return None
