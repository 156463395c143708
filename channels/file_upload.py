"""Files a citizen sends over HTTP (the web widget, the mini-program): the multipart body read
within its limits and each file staged in the upload inbox (bot/uploads.py).

The channel only checks what it can without reading a file: how many there are and how large.
What a file is (a photo, a PDF, a program renamed to .jpg) is the portal's check, by content,
when the action server attaches it; a channel that guessed by name would be fooled.
"""

from __future__ import annotations

import asyncio

from sanic.request import Request

from bot import uploads
from bot.settings import settings
from channels.http_body import read_body

MULTIPART_OVERHEAD = 64 * 1024
FIELD = "file"
"""The form field of the files: the widget's FormData and wx.uploadFile's `name`."""
MATERIAL_FIELD = "material"
"""The widget's materials card sends, after each file, the material it is for."""


class UploadRefused(Exception):
    """The request carries no acceptable files; `status` and the Chinese `message` go back."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _megabytes(size: int) -> int:
    return size // (1024 * 1024)


async def stage_files(request: Request, sender_id: str) -> list[str]:
    """Reads the files of a streamed multipart request and stages them for `sender_id`; their
    references, in the order sent. Raises `UploadRefused` before staging anything."""
    per_file = settings.max_upload_bytes
    most = uploads.MAX_FILES_PER_MESSAGE
    body = await read_body(request, per_file * most + MULTIPART_OVERHEAD)
    if body is None:
        raise UploadRefused(413, f"文件太大了：每个文件请不超过{_megabytes(per_file)}MB，一次最多{most}个。")
    request.body = body
    sent = request.files.getlist(FIELD) if request.files else None
    files = [f for f in sent or [] if f.body]
    if not files:
        raise UploadRefused(400, "没有收到文件，请重新选择照片或 PDF 文件。")
    if len(files) > most:
        raise UploadRefused(413, f"一次最多发送{most}个文件，请分几次发送。")
    if any(len(f.body) > per_file for f in files):
        raise UploadRefused(413, f"有文件超过{_megabytes(per_file)}MB，请压缩或拍得小一些再发送。")
    return await stage(sender_id, [(f.body, f.name or "") for f in files])


async def stage(sender_id: str, files: list[tuple[bytes, str]]) -> list[str]:
    """Stages (content, file name) pairs in the upload inbox; their references."""
    box = uploads.inbox()
    return [await asyncio.to_thread(box.stage, sender_id, data, name) for data, name in files]
