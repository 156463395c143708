"""The one form (一表填报) of each 一件事: its fields, where pre-fill takes them from, the
materials an applicant still supplies, and which department handles each bundled service.

The catalogue (names, departments, bundled services, time limits) comes from the guides'
front matter; what lives here is only what the front matter does not say.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.catalogue import ENTERPRISE, PERSONAL, ServiceItem
from bot.validation import is_valid_id_number, is_valid_phone, is_valid_uscc


@dataclass(frozen=True)
class FieldSpec:
    """One form field. `prefill` is a path into the consented profile ("spouse.name",
    "children[-1].birth_date"); alternatives separated by "|" serve citizens and enterprises."""

    name: str
    label: str
    kind: str = "text"  # text, id_number, uscc, phone, date, int, bool, choice, choices
    required: bool = False
    prefill: str | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Material:
    name: str
    deferrable: bool = False
    """可容缺: may be missing at submission on a signed commitment to supply it by a date."""


@dataclass(frozen=True)
class Form:
    fields: tuple[FieldSpec, ...]
    materials: tuple[Material, ...]
    subjects: tuple[str, ...]
    """Who may apply: "citizen", "enterprise" or both (开办 services start from a person)."""

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)


def F(name: str, label: str, kind: str = "text", required: bool = False, prefill: str | None = None,
      choices: tuple[str, ...] = ()) -> FieldSpec:
    return FieldSpec(name, label, kind, required, prefill, choices)


_APPLICANT = (
    F("applicant_name", "申请人姓名", required=True, prefill="name"),
    F("applicant_id_number", "申请人身份证号", "id_number", True, "id_number"),
)
_ENTERPRISE = (
    F("enterprise_name", "企业名称", required=True, prefill="name"),
    F("uscc", "统一社会信用代码", "uscc", True, "uscc"),
)
CITIZEN_ONLY = ("citizen",)
ENTERPRISE_ONLY = ("enterprise",)
BOTH = ("citizen", "enterprise")

FORMS: dict[str, Form] = {
    "newborn": Form(
        (*_APPLICANT,
         F("spouse_name", "配偶姓名", required=True, prefill="spouse.name"),
         F("spouse_id_number", "配偶身份证号", "id_number", True, "spouse.id_number"),
         F("child_name", "新生儿姓名", required=True),
         F("child_birth_date", "出生日期", "date", True, "children[-1].birth_date"),
         F("birth_certificate_no", "出生医学证明编号", required=True, prefill="children[-1].birth_certificate_no"),
         F("hukou_with", "随父或随母落户", "choice", True, choices=("随父", "随母")),
         F("contact_phone", "联系电话", "phone", False, "phone")),
        (Material("结婚证照片", deferrable=True), Material("授权委托书")),
        CITIZEN_ONLY),
    "school_enrollment": Form(
        (F("guardian_name", "监护人姓名", required=True, prefill="name"),
         F("guardian_id_number", "监护人身份证号", "id_number", True, "id_number"),
         F("child_name", "儿童姓名", required=True, prefill="children[0].name"),
         F("child_id_number", "儿童身份证号", "id_number", True, "children[0].id_number"),
         F("district", "户籍所在区", required=True, prefill="district"),
         F("home_address", "居住地址", required=True, prefill="address"),
         F("stage", "入学阶段", "choice", True, choices=("小学一年级", "初中一年级"))),
        (Material("特殊情形证明（离婚证、监护证明等）", deferrable=True), Material("政策性照顾证明")),
        CITIZEN_ONLY),
    "social_security_card": Form(
        (*_APPLICANT,
         F("request_type", "申请类型", "choice", True, choices=("首次申领", "补领", "换领")),
         F("delivery", "领取方式", "choice", True, choices=("邮寄到家", "网点自取")),
         F("delivery_address", "邮寄地址", prefill="address"),
         F("contact_phone", "联系电话", "phone", True, "phone")),
        (Material("授权委托书", deferrable=True), Material("原社保卡")),
        CITIZEN_ONLY),
    "disability": Form(
        (*_APPLICANT,
         F("request_type", "申请类型", "choice", True, choices=("新办", "换领", "迁移")),
         F("disability_category", "残疾类别", "choice", True, "disability_certificate.category",
           ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")),
         F("disability_level", "残疾等级", "choice", False, "disability_certificate.level",
           ("一级", "二级", "三级", "四级")),
         F("subsidies", "同时申请两项补贴", "bool"),
         F("contact_phone", "联系电话", "phone", True, "phone")),
        (Material("近期2寸白底彩色免冠照片"), Material("既往病历和诊断证明"), Material("监护证明", deferrable=True)),
        CITIZEN_ONLY),
    "retirement": Form(
        (*_APPLICANT,
         F("employer_name", "用人单位", prefill="employer.name"),
         F("statutory_retirement_date", "法定退休日期", "date", True, "statutory_retirement_date"),
         F("retirement_type", "退休方式", "choice", True, choices=("按法定年龄退休", "弹性提前退休", "弹性延迟退休")),
         F("pension_account", "养老金发放账户", "choice", True, choices=("社保卡金融账户", "本人其他银行卡")),
         F("bank_card_no", "公积金提取银行卡号")),
        (Material("职工人事档案"), Material("公积金提取银行卡信息", deferrable=True)),
        CITIZEN_ONLY),
    "enterprise_change": Form(
        (*_ENTERPRISE,
         F("change_item", "变更事项", "choice", True, choices=("名称", "住所", "法定代表人", "经营范围", "注册资本")),
         F("new_value", "变更后内容", required=True),
         F("legal_representative", "法定代表人", prefill="legal_representative.name")),
        (Material("股东会决议或股东决定"), Material("章程修正案"), Material("营业执照正、副本原件", deferrable=True)),
        ENTERPRISE_ONLY),
    "transport_company": Form(
        (F("company_name", "拟设立企业名称", required=True),
         F("investor_name", "投资人（法定代表人）姓名", required=True, prefill="legal_representative.name|name"),
         F("investor_id_number", "投资人身份证号", "id_number", True, "legal_representative.id_number|id_number"),
         F("business_address", "经营场所", required=True),
         F("vehicle_count", "拟投入车辆数", "int", True),
         F("contact_phone", "联系电话", "phone", True, "legal_representative.phone|phone")),
        (Material("安全生产管理制度文本", deferrable=True), Material("拟投入车辆承诺书")),
        BOTH),
    "restaurant": Form(
        (F("shop_name", "店铺名称", required=True),
         F("operator_name", "经营者姓名", required=True, prefill="legal_representative.name|name"),
         F("operator_id_number", "经营者身份证号", "id_number", True, "legal_representative.id_number|id_number"),
         F("premises_address", "经营场所地址", required=True),
         F("floor_area", "经营面积（平方米）", "int", True),
         F("signboard", "设置户外招牌", "bool"),
         F("contact_phone", "联系电话", "phone", True, "legal_representative.phone|phone")),
        (Material("经营场所平面布局图"), Material("店招效果图"),
         Material("室内装修材料燃烧性能证明", deferrable=True), Material("排水水质检测报告", deferrable=True)),
        BOTH),
    "utility_installation": Form(
        (*_ENTERPRISE,
         F("site_address", "用水用电用气地址", required=True, prefill="address"),
         F("services", "报装项目", "choices", True, choices=("用水", "用电", "用气", "宽带")),
         F("contact_phone", "联系电话", "phone", True, "legal_representative.phone")),
        (Material("外线工程施工方案"), Material("用户红线内燃气设施施工竣工资料", deferrable=True)),
        ENTERPRISE_ONLY),
    "credit_repair": Form(
        (*_ENTERPRISE,
         F("decision_no", "行政处罚决定书文号", required=True, prefill="penalties[0].decision_no"),
         F("fulfilled_on", "履行完毕日期", "date", True),
         F("contact_phone", "联系电话", "phone", True, "legal_representative.phone")),
        (Material("信用修复申请书"), Material("已履行行政处罚决定的证明", deferrable=True)),
        ENTERPRISE_ONLY),
    "ipo_compliance": Form(
        (*_ENTERPRISE,
         F("period_from", "报告期起", "date", True),
         F("period_to", "报告期止", "date", True),
         F("usage", "报告用途", "choice", True, choices=("首次公开发行", "再融资", "并购重组", "新三板挂牌", "发行债券"))),
        (Material("子公司、分公司授权", deferrable=True), Material("中介机构电子授权书")),
        ENTERPRISE_ONLY),
    "bankruptcy_check": Form(
        (*_ENTERPRISE,
         F("case_no", "破产案件案号", required=True, prefill="bankruptcy.case_no"),
         F("administrator", "管理人", required=True, prefill="bankruptcy.administrator"),
         F("contact_phone", "联系电话", "phone", True, "legal_representative.phone")),
        (Material("人民法院受理破产申请的民事裁定书"), Material("指定管理人的决定书"),
         Material("授权委托书原件", deferrable=True)),
        ENTERPRISE_ONLY),
    "deregistration": Form(
        (*_ENTERPRISE,
         F("procedure", "注销方式", "choice", True, choices=("简易注销", "普通注销")),
         F("reason", "注销原因", required=True),
         F("contact_phone", "联系电话", "phone", True, "legal_representative.phone")),
        (Material("股东会解散决议"), Material("清算报告"), Material("营业执照正、副本原件", deferrable=True)),
        ENTERPRISE_ONLY),
}

MAX_TEXT = 200

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


def profile_fields_for(form: Form) -> set[str]:
    """The top-level profile fields pre-fill of this form reads (what consent must cover)."""
    names: set[str] = set()
    for spec in form.fields:
        if spec.prefill:
            for alternative in spec.prefill.split("|"):
                names.add(alternative.split(".")[0].split("[")[0])
    return names


def check_value(spec: FieldSpec, value: object) -> str | None:
    """None if `value` is acceptable for the field, else a short Chinese reason."""
    if value is None:
        return None
    kind = spec.kind
    if kind == "bool":
        return None if isinstance(value, bool) else "应为是或否（true/false）"
    if kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100000
        return None if ok else "应为0到100000之间的整数"
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
