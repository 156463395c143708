"""Free text ("就叫田记面馆吧" → 田记面馆) and personal names."""

from __future__ import annotations

import re

from bot.applications.parsing.common import CJK, MAX_TEXT_CHARS, MEANINGFUL, SPACES, Field, Parsed, problem, trim

_TEXT_WRAPPER = re.compile(r"^(就叫|就是|就用|叫做|名字叫|名称叫|名字是|名称是|叫|是)(.+)$")
_NOT_A_WRAPPER = re.compile(r"^(是否|是不是|叫不叫|是因为|是为了|是这样)")
_TEXT_TAIL = re.compile(r"(吧|啊|呀)$")


def parse_text(text: str, field: Field) -> Parsed:
    """Short answers lose "就叫…吧"; long ones are kept verbatim, where a 是 may be content."""
    if not MEANINGFUL.search(text):
        return problem(f"没有看到有效的内容，请用文字填写{field.called('这一项')}。")
    if len(text) > MAX_TEXT_CHARS:
        return problem(f"内容有点长（{len(text)}字），请精简到{MAX_TEXT_CHARS}字以内后重新输入。")
    wrapped = _TEXT_WRAPPER.match(trim(text))
    if not wrapped or len(text) > 30 or _NOT_A_WRAPPER.match(trim(text)):
        return Parsed(text)
    lead, core = wrapped.groups()
    if lead.startswith("就") and _TEXT_TAIL.search(core):
        core = _TEXT_TAIL.sub("", core)
    core = trim(core)
    return Parsed(core if len(MEANINGFUL.findall(core)) >= 2 else text)


_NAME_LEAD = re.compile(
    r"^(?:那就|就)?"
    r"(?:(?:我|他|她|孩子|宝宝|小孩|本人|法人|法定代表人|申请人|联系人|经办人)(?:的)?)?"
    r"(?:(?:名字|姓名|全名|大名)(?:就)?(?:叫做|叫|是|为)?|(?:就)?(?:叫做|叫|是))?[:：]?"
)
_NAME_TAIL = re.compile(r"(?:吧|啊|呀|哦|嘛|了|就行|就好|就可以)+$")
_NAME_DOTS = re.compile(r"[•・‧.．]")
_NAME = re.compile(rf"^[{CJK}](?:[{CJK}]|·(?=[{CJK}])){{0,18}}[{CJK}]$")
_UNDECIDED = re.compile(r"不知道|不清楚|不确定|没想好|还没想|没起|没取|未起|未取|待定|随便|忘了|不记得|保密|不方便")
_NOT_IN_NAMES = re.compile(r"^[不没]|[了吗呢吧啊呀么嘛办的]|名字|姓名")
_NOT_NAMES = frozenset(
    {"可以", "好吧", "行吧", "取消", "算了", "谢谢", "你好", "您好", "人工", "转人工", "客服", "退出", "明白", "知道了"}
)
"""Short replies that fit the shape of a name but answer something else."""


def read_name(text: str) -> str | None:
    """The name in "我叫张小明", "名字叫张一诺", "张一诺吧", "姓名：阿依古丽·买买提"; else None.

    Two-character names (王芳) are the most common kind, so they must pass.
    """
    core = trim(SPACES.sub("", text))
    core = trim(_NAME_TAIL.sub("", _NAME_LEAD.sub("", core, count=1)))
    core = _NAME_DOTS.sub("·", core)
    if not _NAME.match(core) or _NOT_IN_NAMES.search(core) or core in _NOT_NAMES:
        return None
    return core


def parse_name(text: str, field: Field) -> Parsed:
    if _UNDECIDED.search(text):
        return problem(f"{field.called('这一项')}需要填写确定的姓名。如果还没有想好，可以先想好再回来继续办理。")
    name = read_name(text)
    if name is None:
        return problem(
            f"没能识别出{field.called('姓名')}，请直接输入中文姓名，例如“张小明”（少数民族姓名可以用“·”分隔）。"
        )
    return Parsed(name)
