"""Files to upload in tests, made in memory: real photos and PDFs, and the bad files the
portal must refuse (a renamed program, an oversized or pixel-bomb image, a zip bomb, an SVG
with script, a PDF with JavaScript)."""

from __future__ import annotations

import io
import zipfile

from PIL import Image


def photo(width: int = 640, height: int = 480, kind: str = "JPEG", colour: tuple = (200, 120, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, kind)
    return out.getvalue()


def png(width: int = 320, height: int = 240) -> bytes:
    return photo(width, height, "PNG", (30, 90, 200))


def pdf(pages: int = 1, extra_catalog: str = "") -> bytes:
    """A minimal valid PDF; `extra_catalog` adds entries to its catalogue (/OpenAction …)."""
    objects = [f"<< /Type /Catalog /Pages 2 0 R {extra_catalog}>>"]
    kids = " ".join(f"{3 + i} 0 R" for i in range(pages))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>")
    objects += ["<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"] * pages
    body = b"%PDF-1.4\n"
    offsets = []
    for number, text in enumerate(objects, start=1):
        offsets.append(len(body))
        body += f"{number} 0 obj\n{text}\nendobj\n".encode()
    xref = len(body)
    body += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    body += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    body += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return body


def pdf_with_javascript() -> bytes:
    return pdf(extra_catalog="/OpenAction << /S /JavaScript /JS (app.alert('hi')) >> ")


def renamed_executable() -> bytes:
    """A Windows program's header, as if renamed to 身份证.jpg."""
    return (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"
        + b"\x00" * 200
        + b"This program cannot be run in DOS mode"
    )


def svg_with_script() -> bytes:
    return b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'


def zip_bomb() -> bytes:
    """100 MB of zeros in a few hundred KB of zip."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("照片.jpg", b"\x00" * (100 * 1024 * 1024))
    return out.getvalue()


def pixel_bomb() -> bytes:
    """A small PNG that declares 20000×20000 pixels (400 MP when decoded)."""
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")
    return out.getvalue()


def oversized_image(megabytes: int = 50) -> bytes:
    """A JPEG header followed by padding: 50 MB on the wire."""
    return photo(64, 64) + b"\x00" * (megabytes * 1024 * 1024)
