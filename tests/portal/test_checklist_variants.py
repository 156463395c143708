"""The checklist the portal returns fits the case: for every item whose materials depend on an
answer, two answers and the materials that come and go with them."""

from __future__ import annotations

import pytest

from tests.support.portal_cases import abandon_draft

VARIANTS = [
    # item, applicant, the answer, without → with, the materials it brings
    ("social_security_card", "吴婷", "request_type", "首次申领", "换领", {"原社保卡"}),
    ("disability", "郑国华", "request_type", "新办", "换领", {"原残疾人证"}),
    ("retirement", "黄秀英", "retirement_type", "按法定年龄退休", "弹性提前退休", {"弹性退休申请书或协议"}),
    ("enterprise_change", "示例市长风贸易有限公司", "change_item", "法定代表人", "名称", {"章程修正案"}),
    ("restaurant", "田甜", "drainage", "不产生油污水", "隔油池", {"隔油设施照片和排水接驳示意图"}),
    ("deregistration", "示例市小岛咖啡有限公司", "procedure", "简易注销", "普通注销", {"清算报告", "股东会解散决议"}),
]


def _checklist(portal, token: str, code: str, field: str, value: str) -> set[str]:
    created = portal.post(
        "/applications", token, json={"service_code": code, "prefill": False, "fields": {field: value}}
    )
    assert created.status_code == 201, created.text
    abandon_draft(portal.db_url, created.json()["number"])
    return {m["name"] for m in created.json()["checklist"]}


@pytest.mark.parametrize(("code", "who", "field", "without", "with_", "brings"), VARIANTS, ids=[v[0] for v in VARIANTS])
def test_two_answers_two_checklists(portal, citizen_token, enterprise_token, code, who, field, without, with_, brings):
    token = enterprise_token(who) if who.startswith("示例市") else citizen_token(who)
    plain, more = _checklist(portal, token, code, field, without), _checklist(portal, token, code, field, with_)
    assert brings <= more and not brings & plain, (plain, more)
    assert plain & more, "what every case needs is in both"
