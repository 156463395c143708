"""Needs outside the 13 一件事, and where each is done instead.

The intent classifier knows only the 13 items, so "我想跑网约车" lands on the freight-transport
item and "开服装店" on the restaurant one. A citizen told the restaurant's food licence for a
clothes shop is misled; one told plainly that this is done elsewhere, and where, is helped.
Each entry names the words of such a need, the words that bring it back inside one of the 13
("退休时提取公积金" is part of 退休一件事), and where it is done.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.dialogue import Button, Reply
from bot.language.text import normalize
from bot.settings import settings


@dataclass(frozen=True)
class Elsewhere:
    name: str
    cue: re.Pattern[str]
    inside: re.Pattern[str] | None
    where: str


def _entry(name: str, cue: str, where: str, inside: str | None = None) -> Elsewhere:
    return Elsewhere(name, re.compile(cue), re.compile(inside) if inside else None, where)


OUTSIDE = (
    _entry("护照、港澳台通行证", r"护照|通行证|签证|出入境|签注", "由公安机关出入境管理部门办理"),
    _entry(
        "婚姻登记", r"结婚证|领证|结婚登记|婚姻登记|离婚", "由民政部门的婚姻登记机关办理", r"孩子|宝宝|出生|落户|上户口"
    ),
    _entry(
        "住房公积金提取和贷款",
        r"公积金",
        "由示例市住房公积金管理中心办理",
        r"退休|到龄|养老金",
    ),
    _entry(
        "失业保险金", r"失业金|失业保险|失业登记|被裁|裁员", "由人力资源和社会保障部门的失业保险经办机构办理", r"社保卡"
    ),
    _entry("网约车、出租车证照", r"网约车|出租车|滴滴|快车司机", "网约车驾驶员证和车辆运输证由交通运输部门办理"),
    _entry("驾驶证、行驶证", r"驾照|驾驶证|行驶证|年检|违章|换证.*驾", "由公安机关交通管理部门（车管所）办理"),
    _entry(
        "居民身份证",
        r"身份证.{0,4}(丢|掉|补|换|办|过期|到期)|(补|换|办).{0,3}身份证",
        "由户籍所在地或居住地公安派出所办理",
    ),
    _entry(
        "个人征信",
        r"个人征信|征信报告|信用卡逾期|征信.{0,4}(逾期|修复|查)",
        "个人征信记录由中国人民银行征信中心管理，不属于政府部门的行政处罚信用修复",
    ),
    _entry("无犯罪记录证明", r"无犯罪记录|犯罪记录证明", "个人无犯罪记录证明由公安机关出具"),
    _entry(
        "一般店铺的开办",
        r"服装店|衣服店|理发店|美发店|美甲|五金店|文具店|手机店|花店|鞋店|建材店|家具店",
        "不卖食品的店铺按一般企业或个体工商户开办，营业执照在“示例市一网通办”的“企业开办”办理，不需要食品经营许可",
        r"宽带|接电|用电|水电|报装|燃气",
    ),
)


def outside_need(raw_text: str | None) -> Elsewhere | None:
    """The need outside the 13 this message is about, if any."""
    text = normalize(raw_text or "")
    for entry in OUTSIDE:
        if entry.cue.search(text) and not (entry.inside and entry.inside.search(text)):
            return entry
    return None


def elsewhere_reply(entry: Elsewhere) -> Reply:
    text = (
        f"{entry.name}不在我能帮您办理的13个“高效办成一件事”里：{entry.where}。"
        "您可以在“示例市一网通办”网站或“示例办”小程序搜索办理，也可以到示例市政务服务中心（示例大道100号，"
        f"周一至周五9:00—17:00）咨询，或拨打{settings.hotline}政务服务便民热线（7×24小时）。"
    )
    return Reply(text, (Button("查看我能办的事", "/greet"), Button("转人工服务", "/request_human")))
