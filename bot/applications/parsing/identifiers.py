"""ID numbers (GB 11643), credit codes (GB 32100) and mobile numbers, found inside sentences and
checked by their check digits.
"""

from __future__ import annotations

import re

from bot.applications.parsing.common import Field, Parsed, problem
from bot.validation import id_check_char, is_valid_id_number, is_valid_uscc, uscc_check_char

_CODE_18 = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{18}(?![0-9A-Za-z])")
_CODE_RUN = re.compile(r"[0-9A-Za-z]+")
_GROUPING = re.compile(r"(?<=[0-9A-Za-z])[ -]+(?=[0-9A-Za-z])")


def _find_code(text: str) -> tuple[str | None, int]:
    """The 18-character code in the text (upper case), else None and the length typed.

    Spaces and dashes inside the number ("110105 19491231 002X") are tried only when
    the text as typed holds no 18-character token, so two numbers side by side stay apart.
    """
    for candidate_text in (text, _GROUPING.sub("", text)):
        match = _CODE_18.search(candidate_text)
        if match:
            return match.group().upper(), 18
    runs = [run for run in _CODE_RUN.findall(_GROUPING.sub("", text)) if sum(c.isdigit() for c in run) >= 6]
    return None, max((len(run) for run in runs), default=0)


def parse_id_number(text: str, field: Field) -> Parsed:
    what = field.called("身份证号码")
    value, length = _find_code(text)
    if value is None:
        if length == 15:
            return problem(f"这是15位的老身份证号码，请填写现在使用的18位{what}。")
        if length:
            return problem(f"{what}应为18位，您输入的是{length}位，请核对后重新输入。")
        return problem(f"没有找到{what}，请输入18位身份证号码（最后一位可能是X）。")
    if is_valid_id_number(value):
        return Parsed(value)
    first17 = value[:17]
    if not (first17.isdigit() and value[0] != "0" and value[17] in "0123456789X"):
        return problem(f"{what}的格式不对：应为17位数字加最后1位数字或X，请核对后重新输入。")
    if not is_valid_id_number(first17 + id_check_char(first17)):
        return problem(f"{what}中的出生日期（第7到14位）不对，请核对后重新输入。")
    return problem(f"{what}的校验位不对，请核对后重新输入。")


def parse_uscc(text: str, field: Field) -> Parsed:
    what = field.called("统一社会信用代码")
    value, length = _find_code(text)
    if value is None:
        if length:
            return problem(f"{what}应为18位，您输入的是{length}位，请核对后重新输入。")
        return problem(f"没有找到{what}，请输入营业执照上的18位统一社会信用代码。")
    if is_valid_uscc(value):
        return Parsed(value)
    try:
        check_digit_only = is_valid_uscc(value[:17] + uscc_check_char(value[:17]))
    except ValueError:
        check_digit_only = False
    if check_digit_only:
        return problem(f"{what}的校验位不对，请核对后重新输入。")
    return problem(f"{what}的格式不对（代码中不会出现字母I、O、S、V、Z），请对照营业执照核对后重新输入。")


_COUNTRY_CODE = re.compile(r"(?:\+|(?<![0-9]))86[ -]?(?=1[3-9])")
_PHONE = re.compile(r"(?<![0-9])(?<![0-9][ -])1[3-9][0-9](?:[ -]?[0-9]){8}(?![0-9Xx])(?!-[0-9])")
_DIGIT_RUN = re.compile(r"[0-9][0-9 -]*[0-9]|[0-9]")


def parse_phone(text: str, field: Field) -> Parsed:
    """A mobile number anywhere in the text, never a piece of a longer number (an ID number)."""
    what = field.called("手机号码")
    text = _COUNTRY_CODE.sub("", text)
    match = _PHONE.search(text)
    if match:
        return Parsed(re.sub(r"[ -]", "", match.group()))
    runs = [re.sub(r"[ -]", "", run) for run in _DIGIT_RUN.findall(text)]
    longest = max(runs, key=len, default="")
    if not longest:
        return problem(f"没有找到{what}，请输入11位手机号码。")
    if longest.startswith("0"):
        return problem("这看起来是固定电话号码，这里需要填写11位手机号码。")
    if len(longest) == 11:
        return problem(f"{what}应以13到19开头，请核对后重新输入。")
    return problem(f"{what}应为11位，您输入的是{len(longest)}位，请核对后重新输入。")
