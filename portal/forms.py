"""Checking application forms (一表填报) and routing each bundled service to its department.

The forms themselves (fields, pre-fill paths, materials) are declared in bot/applications/forms/; the
catalogue (names, departments, bundled services, time limits) comes from the guides' front
matter; what lives here is only how the portal checks values and routes work.
"""

from __future__ import annotations

import re
from datetime import date

from bot.applications.form import FieldSpec, Form, load_forms
from bot.catalogue import ENTERPRISE, PERSONAL, ServiceItem
from bot.geography import CITY, DISTRICTS, district_of
from bot.validation import is_valid_id_number, is_valid_phone, is_valid_uscc

CITIZEN_ONLY = ("citizen",)
ENTERPRISE_ONLY = ("enterprise",)
BOTH = ("citizen", "enterprise")

FORMS: dict[str, Form] = load_forms()
"""The forms are declared once, in bot/applications/forms/<code>.yml, for the portal and the dialogue alike."""

MAX_TEXT = 200

_NAME = re.compile(r"^[\u4e00-\u9fff][\u4e00-\u9fff·]{1,19}$")
_PATH_PART = re.compile(r"^([a-z_]+)(?:\[(-?\d+)\])?$")


def resolve(profile: dict, path: str) -> object | None:
    """Follows a prefill path through the profile; None when any step is missing."""
    for alternative in path.split("|"):
        value: object | None = profile
        for part in alternative.split("."):
            match = _PATH_PART.match(part)
            if not match or not isinstance(value, dict):
                value = None
                break
            value = value.get(match.group(1))
            if match.group(2) is not None:
                index = int(match.group(2))
                value = value[index] if isinstance(value, list) and -len(value) <= index < len(value) else None
        if value is not None:
            return value
    return None


def check_value(spec: FieldSpec, value: object) -> str | None:
    """None if `value` is acceptable for the field, else a short Chinese reason."""
    if value is None:
        return None
    kind = spec.kind
    if kind == "bool":
        return None if isinstance(value, bool) else "应为是或否（true/false）"
    if kind == "int":
        low = spec.minimum if spec.minimum is not None else 0
        high = spec.maximum if spec.maximum is not None else 100000
        ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
        return None if ok else f"应为{low}到{high}之间的整数"
    if kind == "choices":
        if not isinstance(value, list) or not value or len(value) > len(spec.choices):
            return f"应为从{'、'.join(spec.choices)}中选择的列表"
        bad = [v for v in value if v not in spec.choices]
        return f"只能从{'、'.join(spec.choices)}中选择" if bad or len(set(value)) != len(value) else None
    if not isinstance(value, str):
        return "应为文字"
    if not value.strip() or len(value) > MAX_TEXT:
        return f"不能为空，且不超过{MAX_TEXT}个字"
    if kind == "id_number" and not is_valid_id_number(value):
        return "不是有效的居民身份证号码（校验位不符）"
    if kind == "uscc" and not is_valid_uscc(value):
        return "不是有效的统一社会信用代码（校验位不符）"
    if kind == "phone" and not is_valid_phone(value):
        return "不是有效的手机号码"
    if kind == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return "应为日期，格式如 2026-01-31"
    if kind == "name" and not _NAME.match(value.strip()):
        return "应为中文姓名"
    if kind == "address" and (not value.startswith(CITY) or district_of(value) is None):
        return f"应为{CITY}辖区内的地址（{'、'.join(DISTRICTS)}）"
    if kind == "choice" and value not in spec.choices:
        return f"只能是{'、'.join(spec.choices)}之一"
    return None


# Keywords of a bundled service → words in the department's name; first match among the
# service's departments wins, otherwise the lead department handles it.
_DEPARTMENT_HINTS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("营业执照", "企业登记", "公示系统", "注销登记", "食品经营", "企业开办"), ("市场监督",)),
    (("资格审核", "入学报名"), ("教育",)),
    (("出生医学证明", "预防接种"), ("卫生健康",)),
    (("户口", "出生登记"), ("公安局",)),
    (("印章",), ("印章", "公安局")),
    (("机动车", "驾驶"), ("交通警察",)),
    (("涉路施工",), ("交通警察",)),
    (("医疗保险", "医保"), ("医疗保障",)),
    (("公积金",), ("公积金",)),
    (("税", "发票"), ("税务",)),
    (("海关", "报关"), ("海关",)),
    (("银行", "金融账户"), ("人民银行", "银行")),
    (("社会保险", "社会保障卡", "养老", "社保", "就业"), ("人力资源",)),
    (("消防",), ("消防",)),
    (("招牌", "城市道路", "绿地"), ("城市管理",)),
    (("排水", "污水"), ("水务",)),
    (("用水",), ("自来水",)),
    (("用电",), ("供电",)),
    (("用气",), ("燃气",)),
    (("宽带",), ("电信",)),
    (("不动产", "规划"), ("自然资源",)),
    (("网签",), ("住房和城乡建设",)),
    (("道路运输", "道路货物", "营运证"), ("交通运输局",)),
    (("补贴",), ("民政",)),
)


def department_for(service: str, item: ServiceItem) -> tuple[str, bool]:
    """(department, is_lead) for one bundled service of a 一件事."""
    for service_words, department_words in _DEPARTMENT_HINTS:
        if any(word in service for word in service_words):
            for department in (item.lead_department, *item.cooperating_departments):
                if any(word in department for word in department_words):
                    return department, department == item.lead_department
    return item.lead_department, True


def subjects_for(item: ServiceItem) -> tuple[str, ...]:
    form = FORMS.get(item.code)
    if form:
        return form.subjects
    return CITIZEN_ONLY if item.audience == PERSONAL else ENTERPRISE_ONLY if item.audience == ENTERPRISE else BOTH
