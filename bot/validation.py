"""Validators for the identifiers citizens type: the check digits catch most typos at once.

A regex alone accepts 110101199003071235 as readily as the real number; GB 11643 and
GB 32100 define check characters precisely so that one wrong digit is caught.
"""

from __future__ import annotations

import re
from datetime import date

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^[1-9]\d{16}[0-9X]$")

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")

_PHONE_SHAPE = re.compile(r"^1[3-9]\d{9}$")
APPLICATION_NO_PATTERN = r"BS\d{14}"
"""Application numbers of the portal: BS + date (yyyymmdd) + six-digit sequence."""
_APPLICATION_SHAPE = re.compile(rf"^{APPLICATION_NO_PATTERN}$")


def id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of a resident ID number."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK[total % 11]


def is_valid_id_number(value: str) -> bool:
    """18-character resident ID with a real birth date and the right check character."""
    value = (value or "").strip().upper()
    if not _ID_SHAPE.match(value):
        return False
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return id_check_char(value[:17]) == value[17]


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a credit code."""
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(value: str) -> bool:
    """Unified social credit code (统一社会信用代码) with the right check character."""
    value = (value or "").strip().upper()
    if not _USCC_SHAPE.match(value):
        return False
    return uscc_check_char(value[:17]) == value[17]


def is_valid_phone(value: str) -> bool:
    """Mainland mobile number, 11 digits starting 13–19."""
    return bool(_PHONE_SHAPE.match((value or "").strip()))


def is_valid_application_no(value: str) -> bool:
    return bool(_APPLICATION_SHAPE.match((value or "").strip().upper()))
