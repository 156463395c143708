"""The demo population of 示例市: citizens and enterprises chosen so that every 一件事 has at
least two people or enterprises it fits, plus a few applications already under way.

ID numbers and credit codes are built with real check digits on a fictional region code
(99xxxx), so they pass validation and can never be a real person's or company's.
Dates that must stay "recent" (a baby born last week) are relative to the day of seeding;
everything else is fixed, so the README can name people to try.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.validation import id_check_char, uscc_check_char
from portal.dates import statutory_retirement_date, today
from portal.db import Database
from portal.models import (
    Citizen,
    Enterprise,
    HousingFundAccount,
    InsuranceRecord,
    Penalty,
)

log = logging.getLogger("portal.seed")

DISTRICTS: dict[str, str] = {
    "中心区": "990102",
    "东湖区": "990103",
    "西山区": "990104",
    "南港区": "990105",
    "北川区": "990111",
    "高新区": "990171",
}
"""示例市's districts and their (fictional) administrative division codes."""


def make_id_number(district: str, birth: date, sequence: int, gender: str) -> str:
    """An 18-digit resident ID: division code, birth date, sequence (odd for men), check char."""
    seq = sequence * 2 + (1 if gender == "男" else 0)
    body = f"{DISTRICTS[district]}{birth:%Y%m%d}{seq % 1000:03d}"
    return body + id_check_char(body)


def make_uscc(district: str, serial: int, kind: str = "91") -> str:
    """A unified social credit code: 91 (company) or 92 (individual business), division, org code."""
    body = f"{kind}{DISTRICTS[district]}MA{serial:07d}"
    return body + uscc_check_char(body)


@dataclass
class P:
    """One demo citizen as written in the table below."""

    key: str
    name: str
    gender: str
    birth: date
    district: str
    street: str
    phone: str | None = None
    category: str | None = None  # 男职工 / 女干部 / 女工人, for the retirement date
    employer: str | None = None  # enterprise key
    work_since: int | None = None
    spouse: str | None = None
    father: str | None = None
    mother: str | None = None
    no_id: bool = False  # a newborn has a birth certificate, not yet an ID number
    marriage_verifiable: bool = True
    disability: dict | None = None
    housing_fund: bool = True
    scenarios: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class E:
    """One demo enterprise."""

    key: str
    name: str
    uscc_serial: int
    legal_rep: str
    kind: str
    district: str
    street: str
    scope: str
    capital: float
    established: date
    status: str = "存续（在营、开业、在册）"
    tax_arrears: float = 0.0
    bankruptcy: dict | None = None
    penalties: list[dict] = field(default_factory=list)
    scenarios: list[str] = field(default_factory=list)
    note: str = ""
    uscc_kind: str = "91"


def _people(now: date) -> list[P]:
    return [
        # 新生儿出生: two couples with a baby born in the last days.
        P(
            "zhang_wei",
            "张伟",
            "男",
            date(1994, 5, 12),
            "中心区",
            "人民路12号3单元501",
            "13800990001",
            "男职工",
            "hongda",
            2016,
            spouse="li_na",
            scenarios=["newborn", "social_security_card"],
            note="妻子李娜上周生下女儿张一诺",
        ),
        P(
            "li_na",
            "李娜",
            "女",
            date(1995, 8, 20),
            "中心区",
            "人民路12号3单元501",
            "13800990002",
            "女干部",
            "yunfan",
            2018,
            spouse="zhang_wei",
            scenarios=["newborn"],
            note="上周生下女儿张一诺",
        ),
        P(
            "zhang_yinuo",
            "张一诺",
            "女",
            now - timedelta(days=6),
            "中心区",
            "人民路12号3单元501",
            father="zhang_wei",
            mother="li_na",
            no_id=True,
            housing_fund=False,
            note="新生儿（尚未落户）",
        ),
        P(
            "chen_chen",
            "陈晨",
            "男",
            date(1990, 3, 3),
            "东湖区",
            "湖滨路88号2栋1202",
            "13800990003",
            "男职工",
            "shuntong",
            2013,
            spouse="liu_fang",
            marriage_verifiable=False,
            scenarios=["newborn"],
            note="外省登记结婚，系统无法核验结婚证，可容缺受理",
        ),
        P(
            "liu_fang",
            "刘芳",
            "女",
            date(1992, 11, 11),
            "东湖区",
            "湖滨路88号2栋1202",
            "13800990004",
            "女干部",
            None,
            2015,
            spouse="chen_chen",
            marriage_verifiable=False,
            scenarios=["newborn"],
            note="三天前生下儿子陈思远",
        ),
        P(
            "chen_siyuan",
            "陈思远",
            "男",
            now - timedelta(days=3),
            "东湖区",
            "湖滨路88号2栋1202",
            father="chen_chen",
            mother="liu_fang",
            no_id=True,
            housing_fund=False,
            note="新生儿（尚未落户）",
        ),
        # 教育入学: children turning 6 before 31 August next year.
        P(
            "wang_qiang",
            "王强",
            "男",
            date(1986, 2, 14),
            "西山区",
            "青松街5号1-301",
            "13800990005",
            "男职工",
            "lvyuan",
            2009,
            spouse="zhao_min",
            scenarios=["school_enrollment"],
            note="儿子王子涵明年上小学",
        ),
        P(
            "zhao_min",
            "赵敏",
            "女",
            date(1988, 6, 30),
            "西山区",
            "青松街5号1-301",
            "13800990006",
            "女干部",
            None,
            2011,
            spouse="wang_qiang",
            scenarios=["school_enrollment"],
        ),
        P(
            "wang_zihan",
            "王子涵",
            "男",
            date(2021, 3, 9),
            "西山区",
            "青松街5号1-301",
            father="wang_qiang",
            mother="zhao_min",
            housing_fund=False,
        ),
        P(
            "sun_li",
            "孙丽",
            "女",
            date(1987, 9, 9),
            "南港区",
            "港湾路21号602",
            "13800990007",
            "女干部",
            "weidao",
            2010,
            scenarios=["school_enrollment"],
            note="离异，独自抚养女儿孙悦然",
        ),
        P(
            "sun_yueran",
            "孙悦然",
            "女",
            date(2021, 6, 1),
            "南港区",
            "港湾路21号602",
            mother="sun_li",
            housing_fund=False,
        ),
        # 社会保障卡: a first job, a lost card.
        P(
            "zhou_jie",
            "周杰",
            "男",
            date(2001, 7, 7),
            "高新区",
            "创新大道200号人才公寓B-1508",
            "13800990008",
            "男职工",
            "yunfan",
            2024,
            scenarios=["social_security_card"],
            note="刚参加工作，尚未申领社保卡",
        ),
        P(
            "wu_ting",
            "吴婷",
            "女",
            date(1999, 12, 12),
            "中心区",
            "解放路45号",
            "13800990009",
            "女干部",
            "xingchen",
            2021,
            scenarios=["social_security_card"],
            note="社保卡丢失，需要补领",
        ),
        # 残疾人服务: a certificate to renew, a first application.
        P(
            "zheng_guohua",
            "郑国华",
            "男",
            date(1970, 4, 4),
            "北川区",
            "北川路9号",
            "13800990010",
            "男职工",
            None,
            1992,
            housing_fund=False,
            scenarios=["disability"],
            disability={
                "number": None,
                "category": "肢体",
                "level": "二级",
                "issued_on": "2016-05-10",
                "valid_until": "2026-05-09",
            },
            note="残疾人证已到期需换领；已有一件待补正的申请",
        ),
        P(
            "feng_xue",
            "冯雪",
            "女",
            date(1985, 10, 10),
            "南港区",
            "渔港新村3号",
            "13800990011",
            "女工人",
            "weidao",
            2006,
            scenarios=["disability"],
            note="听力残疾，首次申领残疾人证",
        ),
        # 退休: one next month, one this year, one whose case is overdue.
        P(
            "liu_jianguo",
            "刘建国",
            "男",
            date(1966, 7, 15),
            "中心区",
            "工人新村7栋201",
            "13800990012",
            "男职工",
            "hongda",
            1986,
            scenarios=["retirement"],
            note="法定退休日期在下个月",
        ),
        P(
            "huang_xiuying",
            "黄秀英",
            "女",
            date(1976, 4, 20),
            "西山区",
            "纺织厂宿舍2栋105",
            "13800990013",
            "女工人",
            "jinqiao",
            1995,
            scenarios=["retirement"],
            note="女工人，法定退休日期在下个月",
        ),
        P(
            "ma_zhiqiang",
            "马志强",
            "男",
            date(1966, 3, 2),
            "东湖区",
            "东湖花园11栋",
            "13800990014",
            "男职工",
            "shuntong",
            1987,
            scenarios=["retirement"],
            note="退休申请已超期未办结，可以催办",
        ),
        # Legal representatives and business owners.
        P(
            "he_zhiming",
            "何志明",
            "男",
            date(1975, 1, 18),
            "高新区",
            "科技园路3号",
            "13800990015",
            "男职工",
            "hongda",
            1998,
            note="示例市宏达机械制造公司的法定代表人（以企业身份办理）",
        ),
        P(
            "lin_xiaohong",
            "林小红",
            "女",
            date(1983, 2, 2),
            "中心区",
            "美食街18号",
            "13800990016",
            "女干部",
            "weidao",
            2005,
            note="示例市味道餐饮管理公司的法定代表人（以企业身份办理）",
        ),
        P(
            "gao_feng",
            "高峰",
            "男",
            date(1978, 8, 8),
            "东湖区",
            "物流园1号",
            "13800990017",
            "男职工",
            "shuntong",
            2001,
            note="示例市顺通物流公司的法定代表人（以企业身份办理）",
        ),
        P(
            "xu_jing",
            "徐静",
            "女",
            date(1980, 5, 5),
            "北川区",
            "环保产业园6号",
            "13800990018",
            "女干部",
            "lvyuan",
            2003,
            note="示例市绿源环保科技公司的法定代表人（以企业身份办理）",
        ),
        P(
            "guo_tao",
            "郭涛",
            "男",
            date(1972, 12, 1),
            "高新区",
            "软件园A座",
            "13800990019",
            "男职工",
            "yunfan",
            1996,
            note="示例市云帆科技公司的法定代表人（以企业身份办理）",
        ),
        P(
            "xie_lei",
            "谢磊",
            "男",
            date(1968, 9, 19),
            "高新区",
            "电子城路99号",
            "13800990020",
            "男职工",
            "xingchen",
            1990,
            note="示例市星辰电子公司的法定代表人（以企业身份办理）",
        ),
        P(
            "han_bing",
            "韩冰",
            "女",
            date(1979, 3, 15),
            "南港区",
            "建材市场路2号",
            "13800990021",
            "女干部",
            "hengyuan",
            2002,
            note="示例市恒远建材公司的法定代表人（以企业身份办理）",
        ),
        P(
            "cao_yang",
            "曹阳",
            "男",
            date(1974, 7, 27),
            "西山区",
            "纺织路1号",
            "13800990022",
            "男职工",
            "jinqiao",
            1997,
            note="示例市金桥纺织公司的法定代表人（以企业身份办理）",
        ),
        P(
            "deng_li",
            "邓丽",
            "女",
            date(1989, 4, 12),
            "中心区",
            "文化街7号",
            "13800990023",
            "女干部",
            "xiaodao",
            2012,
            note="示例市小岛咖啡公司的法定代表人（以企业身份办理）",
        ),
        P(
            "peng_fei",
            "彭飞",
            "男",
            date(1982, 10, 30),
            "南港区",
            "商贸城C区",
            "13800990024",
            "男职工",
            "changfeng",
            2006,
            note="示例市长风贸易公司的法定代表人（以企业身份办理）",
        ),
        P(
            "luo_jun",
            "罗军",
            "男",
            date(1990, 1, 21),
            "北川区",
            "北川物流港",
            "13800990025",
            "男职工",
            None,
            2012,
            scenarios=["transport_company"],
            note="想开一家普通货运公司，已有4辆货车",
        ),
        P(
            "tian_tian",
            "田甜",
            "女",
            date(1993, 6, 6),
            "东湖区",
            "湖滨路8号",
            "13800990026",
            "女干部",
            None,
            2015,
            scenarios=["restaurant"],
            note="想在东湖区开一家小面馆",
        ),
        P(
            "qian_bo",
            "钱波",
            "男",
            date(1985, 11, 3),
            "中心区",
            "商业街66号",
            "13800990027",
            "男职工",
            "baili",
            2008,
            note="百利商贸（已吊销）的法定代表人",
        ),
    ]


def _enterprises() -> list[E]:
    return [
        E(
            "hongda",
            "示例市宏达机械制造有限公司",
            1001,
            "he_zhiming",
            "有限责任公司（自然人投资或控股）",
            "高新区",
            "科技园路3号",
            "通用机械设备制造、销售；金属加工",
            2000.0,
            date(2003, 6, 18),
            scenarios=["enterprise_change", "utility_installation"],
            note="计划迁址到新厂房并办理水电气报装",
        ),
        E(
            "weidao",
            "示例市味道餐饮管理有限公司",
            1002,
            "lin_xiaohong",
            "有限责任公司（自然人独资）",
            "中心区",
            "美食街18号",
            "餐饮服务；餐饮管理；食品销售",
            100.0,
            date(2015, 9, 1),
            scenarios=["restaurant", "utility_installation"],
            note="要在南港区开第二家门店",
        ),
        E(
            "shuntong",
            "示例市顺通物流有限公司",
            1003,
            "gao_feng",
            "有限责任公司（自然人投资或控股）",
            "东湖区",
            "物流园1号",
            "普通货运；仓储服务；货物运输代理",
            500.0,
            date(2010, 3, 12),
            penalties=[
                {
                    "decision_no": "示交罚〔2025〕118号",
                    "authority": "示例市交通运输局",
                    "decided_on": date(2025, 8, 6),
                    "reason": "货车超限运输",
                    "fine": 5000.0,
                    "fulfilled": True,
                    "severity": "一般",
                }
            ],
            scenarios=["transport_company", "credit_repair"],
            note="超限运输罚款已缴清，想做信用修复；拟设立运输子公司",
        ),
        E(
            "lvyuan",
            "示例市绿源环保科技有限公司",
            1004,
            "xu_jing",
            "有限责任公司（自然人投资或控股）",
            "北川区",
            "环保产业园6号",
            "环保技术开发；污水处理；固体废物治理",
            800.0,
            date(2012, 11, 20),
            penalties=[
                {
                    "decision_no": "示环罚〔2025〕52号",
                    "authority": "示例市生态环境局",
                    "decided_on": date(2025, 6, 3),
                    "reason": "未按规定公开环境信息",
                    "fine": 20000.0,
                    "fulfilled": True,
                    "severity": "一般",
                }
            ],
            scenarios=["credit_repair", "enterprise_change"],
            note="罚款已缴清；拟增加注册资本",
        ),
        E(
            "yunfan",
            "示例市云帆科技股份有限公司",
            1005,
            "guo_tao",
            "股份有限公司（非上市）",
            "高新区",
            "软件园A座",
            "软件开发；信息系统集成；数据处理",
            12000.0,
            date(2008, 4, 8),
            scenarios=["ipo_compliance"],
            note="筹备首次公开发行，需要专用信用报告",
        ),
        E(
            "xingchen",
            "示例市星辰电子股份有限公司",
            1006,
            "xie_lei",
            "股份有限公司（上市）",
            "高新区",
            "电子城路99号",
            "电子元器件制造；集成电路设计",
            36000.0,
            date(1998, 10, 10),
            scenarios=["ipo_compliance"],
            note="上市公司，筹划再融资",
        ),
        E(
            "hengyuan",
            "示例市恒远建材有限公司",
            1007,
            "han_bing",
            "有限责任公司（自然人投资或控股）",
            "南港区",
            "建材市场路2号",
            "建筑材料销售",
            300.0,
            date(2011, 5, 5),
            status="破产清算中",
            bankruptcy={
                "case_no": "（2026）示01破12号",
                "court": "示例市中级人民法院",
                "accepted_on": "2026-09-14",
                "administrator": "示例正信律师事务所",
            },
            scenarios=["bankruptcy_check"],
            note="法院已受理破产清算，管理人需要查询财产信息",
        ),
        E(
            "jinqiao",
            "示例市金桥纺织有限公司",
            1008,
            "cao_yang",
            "有限责任公司（国有控股）",
            "西山区",
            "纺织路1号",
            "棉纺织品制造、销售",
            5000.0,
            date(1996, 1, 16),
            status="重整中",
            bankruptcy={
                "case_no": "（2026）示01破重3号",
                "court": "示例市中级人民法院",
                "accepted_on": "2026-07-01",
                "administrator": "示例明达会计师事务所",
            },
            penalties=[
                {
                    "decision_no": "示应急罚〔2026〕9号",
                    "authority": "示例市应急管理局",
                    "decided_on": date(2026, 3, 2),
                    "reason": "安全生产培训记录不全",
                    "fine": 30000.0,
                    "fulfilled": False,
                    "severity": "一般",
                }
            ],
            scenarios=["bankruptcy_check"],
            note="破产重整中；有未履行的行政处罚（信用修复会被不予受理）",
        ),
        E(
            "xiaodao",
            "示例市小岛咖啡有限公司",
            1009,
            "deng_li",
            "有限责任公司（自然人独资）",
            "中心区",
            "文化街7号",
            "咖啡馆；餐饮服务",
            10.0,
            date(2019, 7, 1),
            scenarios=["deregistration"],
            note="无债权债务，适用简易注销",
        ),
        E(
            "changfeng",
            "示例市长风贸易有限公司",
            1010,
            "peng_fei",
            "有限责任公司（自然人投资或控股）",
            "南港区",
            "商贸城C区",
            "日用百货批发、零售",
            200.0,
            date(2014, 2, 28),
            tax_arrears=3260.50,
            scenarios=["deregistration"],
            note="普通注销；尚有欠税，税务注销会要求补正",
        ),
        E(
            "baili",
            "示例市百利商贸有限公司",
            1011,
            "qian_bo",
            "有限责任公司（自然人独资）",
            "中心区",
            "商业街66号",
            "服装、鞋帽零售",
            50.0,
            date(2013, 8, 8),
            status="吊销，未注销",
            note="已被吊销营业执照：办理变更等事项会被不予受理",
        ),
    ]


def _insurance(person: P, employer_name: str | None) -> list[InsuranceRecord]:
    if person.work_since is None:
        return (
            [
                InsuranceRecord(
                    scheme="城乡居民基本医疗保险",
                    status="参保缴费",
                    since=person.birth,
                    contribution_months=0,
                    payer="监护人",
                )
            ]
            if not person.no_id
            else []
        )
    start = date(person.work_since, 7, 1)
    months = max(1, (today().year - start.year) * 12 + today().month - start.month)
    payer = employer_name or "灵活就业人员（个人缴费）"
    schemes = ["职工基本养老保险", "职工基本医疗保险"] + (["失业保险", "工伤保险"] if employer_name else [])
    return [
        InsuranceRecord(scheme=s, status="参保缴费", since=start, contribution_months=months, payer=payer)
        for s in schemes
    ]


def seed(db: Database) -> bool:
    """Inserts the demo dataset unless it is there already; True if anything was written.

    Safe to run at every start and from two processes at once: records are keyed by
    `seed_key`, and a concurrent seeder's unique-constraint violation simply means done.
    """
    try:
        with db.transaction() as session:
            if session.scalar(select(Citizen.id).where(Citizen.seed_key == "zhang_wei")) is not None:
                return False
            _write(session)
        log.info("演示数据已写入")
        return True
    except IntegrityError:
        log.info("演示数据已由另一个进程写入")
        return False


def _write(session: Session) -> None:
    now = today()
    people = _people(now)
    enterprises = _enterprises()
    by_key: dict[str, Citizen] = {}
    for index, p in enumerate(people, start=1):
        citizen = Citizen(
            seed_key=p.key,
            name=p.name,
            gender=p.gender,
            birth_date=p.birth,
            phone=p.phone,
            id_number=None if p.no_id else make_id_number(p.district, p.birth, 20 + index, p.gender),
            district=p.district,
            address=f"示例市{p.district}{p.street}",
            marital_status="已婚" if p.spouse else ("离异" if p.key == "sun_li" else "未婚"),
            marriage_verifiable=p.marriage_verifiable,
            worker_category=p.category,
            statutory_retirement_date=statutory_retirement_date(p.birth, p.category) if p.category else None,
            birth_certificate_no=f"Q99{p.birth:%y%m%d}{index:04d}" if p.no_id else None,
            disability_certificate=None,
            scenarios=p.scenarios,
            note=p.note,
        )
        if p.disability:
            certificate = dict(p.disability)
            certificate["number"] = f"{citizen.id_number}42"
            citizen.disability_certificate = certificate
        session.add(citizen)
        by_key[p.key] = citizen
    session.flush()
    for p in people:
        citizen = by_key[p.key]
        # Ids rather than relationships: spouses point at each other, a cycle the unit of
        # work cannot order; both rows exist already, so plain foreign keys are enough.
        citizen.spouse_id = by_key[p.spouse].id if p.spouse else None
        citizen.father_id = by_key[p.father].id if p.father else None
        citizen.mother_id = by_key[p.mother].id if p.mother else None

    companies: dict[str, Enterprise] = {}
    for e in enterprises:
        enterprise = Enterprise(
            seed_key=e.key,
            name=e.name,
            uscc=make_uscc(e.district, e.uscc_serial, e.uscc_kind),
            legal_rep=by_key[e.legal_rep],
            enterprise_type=e.kind,
            address=f"示例市{e.district}{e.street}",
            district=e.district,
            business_scope=e.scope,
            registered_capital=e.capital,
            established_on=e.established,
            status=e.status,
            tax_arrears=e.tax_arrears,
            bankruptcy=e.bankruptcy,
            scenarios=e.scenarios,
            note=e.note,
        )
        enterprise.penalties = [Penalty(**penalty) for penalty in e.penalties]
        session.add(enterprise)
        companies[e.key] = enterprise
    session.flush()

    for index, p in enumerate(people, start=1):
        citizen = by_key[p.key]
        employer = companies.get(p.employer) if p.employer else None
        citizen.employer_id = employer.id if employer else None
        citizen.insurance = _insurance(p, employer.name if employer else None)
        if p.housing_fund and employer:
            since = date(p.work_since or 2020, 7, 1)
            years = max(1, now.year - since.year)
            citizen.housing_fund = HousingFundAccount(
                account_no=f"GJJ99{index:06d}",
                status="正常缴存",
                since=since,
                monthly_deposit=1200 + 40 * index,
                balance=round((1200 + 40 * index) * 12 * years * 0.55, 2),
            )
    session.flush()

    from portal.applications import seed_history  # late import: applications imports seed's helpers

    seed_history(session, by_key, companies)


@dataclass(frozen=True)
class DemoSubject:
    """A line of the demo table (`python -m portal --list-demo`, tests, README)."""

    kind: str
    name: str
    identifier: str
    legal_rep: str | None
    legal_rep_id_number: str | None
    scenarios: tuple[str, ...]
    note: str


def demo_subjects(session: Session) -> list[DemoSubject]:
    rows: list[DemoSubject] = []
    for c in session.scalars(select(Citizen).order_by(Citizen.id)):
        if c.id_number and c.phone:
            rows.append(DemoSubject("citizen", c.name, c.id_number, None, None, tuple(c.scenarios), c.note))
    for e in session.scalars(select(Enterprise).order_by(Enterprise.id)):
        rows.append(
            DemoSubject(
                "enterprise", e.name, e.uscc, e.legal_rep.name, e.legal_rep.id_number, tuple(e.scenarios), e.note
            )
        )
    return rows


__all__ = ["DISTRICTS", "DemoSubject", "demo_subjects", "make_id_number", "make_uscc", "seed"]
