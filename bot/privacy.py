"""Masking of personal data before anything is logged or stored for people to read.

PIPL and the project's rule: logs and records never hold a full ID number, phone number or
name. Masking keeps enough to tell records apart (an ID's region prefix and last four, a
phone's first three and last four) and nothing that identifies a person.
"""

from __future__ import annotations

import re

_ID = re.compile(r"(?<![0-9A-Za-z])([1-9]\d{5})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_USCC = re.compile(
    r"(?<![0-9A-Za-z])([0-9A-HJ-NPQRTUWXY]{2}\d{6})[0-9A-HJ-NPQRTUWXY]{6}([0-9A-HJ-NPQRTUWXY]{4})(?![0-9A-Za-z])"
)
_PHONE = re.compile(r"(?<![0-9])(1[3-9]\d)\d{4}(\d{4})(?![0-9])")
_LONG_DIGITS = re.compile(r"(?<![0-9A-Za-z])(\d{2})\d{6,}(\d{2})(?![0-9])")
_NAME_AFTER_CUE = re.compile(r"(我叫|我是|名字是|名字叫|姓名是|姓名[:：]?|叫做)\s*([\u4e00-\u9fff·]{2,4})")
# Numbers typed in groups: "110101 19900307 4514", "138-0013-8000", "138 0013 8000"
_SPACED = re.compile(r"(?<![0-9A-Za-z])\d{2,8}(?:[ \u3000-]\d{2,8}){1,5}(?:[ \u3000-]?[0-9Xx])?(?![0-9A-Za-z])")
_SEPARATORS = re.compile(r"[ \u3000-]")
_CODE_AFTER_CUE = re.compile(r"(验证码|校验码|动态码|短信码|code)(\s*(?:是|为|[:：])?\s*)(\d{4,8})", re.IGNORECASE)
# The house number, building, unit and room of an address: the street alone does not identify a home
_HOUSE_NUMBER = re.compile(r"\d+(?=\s*(?:号楼|号院|号|栋|幢|单元|室|楼|层|弄|组))")


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: the surname alone does not identify a person."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1 or 1)


def _mask_numbers(text: str) -> str:
    text = _ID.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    text = _USCC.sub(lambda m: f"{m.group(1)}******{m.group(2)}", text)
    text = _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    return _LONG_DIGITS.sub(lambda m: m.group(1) + "*" * (len(m.group(0)) - 4) + m.group(2), text)


def _mask_grouped(match: re.Match[str]) -> str:
    compact = _SEPARATORS.sub("", match.group(0))
    masked = _mask_numbers(compact)
    return masked if masked != compact else match.group(0)


def mask_text(text: str) -> str:
    """Masks ID numbers, credit codes and phone numbers (also typed in groups), other long digit
    runs, codes after a cue, house numbers of addresses and self-introduced names."""
    if not text:
        return text or ""
    text = _mask_numbers(_SPACED.sub(_mask_grouped, text))
    text = _CODE_AFTER_CUE.sub(lambda m: m.group(1) + m.group(2) + "*" * len(m.group(3)), text)
    text = _HOUSE_NUMBER.sub(lambda m: "*" * len(m.group(0)), text)
    return _NAME_AFTER_CUE.sub(lambda m: m.group(1) + mask_name(m.group(2)), text)


def mask_identifier(value: str) -> str:
    """A channel user id (openid, session id) shortened to a stable, non-reversible hint."""
    value = value or ""
    return value if len(value) <= 8 else f"{value[:4]}…{value[-4:]}"
