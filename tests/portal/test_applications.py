"""Draft → submit → per-department progress, 补正, 不予受理, 容缺受理, idempotent submit, 催办."""

from __future__ import annotations

import re
import threading
import uuid
from datetime import date, timedelta

from sqlalchemy import create_engine, func, select, update

from bot.catalogue import load_catalogue
from portal.dates import add_working_days, today
from portal.forms import department_for
from portal.models import Application, IdempotencyRecord, SubTask
from tests.support.portal_cases import abandon_draft, close_earlier_cases, ordinary_deregistration

TERMINAL = ("completed", "partly_completed", "rejected")


def _count(db_url: str, query) -> int:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(query).scalar_one()
    finally:
        engine.dispose()


def test_draft_submit_and_parallel_progress(portal, citizen_token):
    token = citizen_token("刘建国")
    portal.post(
        "/me/consents",
        token,
        json={"purpose": "retirement", "fields": ["name", "id_number", "employer", "statutory_retirement_date"]},
    )
    draft = portal.post("/applications", token, json={"service_code": "retirement"})
    assert draft.status_code == 201
    app = draft.json()
    assert re.fullmatch(r"BS\d{14}", app["number"]) and app["number"][2:10] == f"{today():%Y%m%d}"
    assert app["status"] == "draft" and app["fields"]["statutory_retirement_date"] == "2026-12-15"
    assert set(app["missing_fields"]) == {"retirement_type", "pension_account"}
    number = app["number"]

    early = portal.post(f"/applications/{number}/submit", token, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert early.status_code == 422 and early.json()["code"] == "fields_incomplete"
    assert "退休方式" in early.json()["message"]

    updated = portal.patch(
        f"/applications/{number}",
        token,
        json={"fields": {"retirement_type": "按法定年龄退休", "pension_account": "社保卡金融账户"}},
    ).json()
    assert updated["missing_fields"] == []

    submitted = portal.post(f"/applications/{number}/submit", token, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert submitted.status_code == 200
    body = submitted.json()
    item = load_catalogue()["retirement"]
    assert body["status"] == "submitted"
    assert body["promised_date"] == add_working_days(today(), item.time_limit_days).isoformat()
    assert [t["service"] for t in body["subtasks"]] == list(item.integrated_services)
    assert [t["department"] for t in body["subtasks"]] == [department_for(s, item)[0] for s in item.integrated_services]
    assert len({t["department"] for t in body["subtasks"]}) == 4

    done = portal.wait_for(number, token, lambda a: a["status"] in TERMINAL)
    assert done["status"] == "completed", done
    assert all(t["status"] == "completed" for t in done["subtasks"])
    assert done["completed_at"] and "办结" in done["next_step"]
    assert any("受理" in e["message"] for e in done["events"])
    mine = portal.get("/applications", token).json()["items"]
    assert number in [a["number"] for a in mine]
    # a submitted application can no longer be edited
    locked = portal.patch(f"/applications/{number}", token, json={"fields": {"bank_card_no": "1"}})
    assert locked.status_code == 409 and locked.json()["code"] == "not_a_draft"


def _enterprise_draft(portal, token, code, fields):
    response = portal.post("/applications", token, json={"service_code": code, "prefill": False, "fields": fields})
    assert response.status_code == 201, response.text
    return response.json()["number"]


def test_correction_then_supplement(portal, enterprise_token, demo):
    token = enterprise_token("示例市长风贸易有限公司")
    fields = ordinary_deregistration(demo["示例市长风贸易有限公司"])
    number = _enterprise_draft(portal, token, "deregistration", fields)
    assert portal.supply(number, token) == ["股东会解散决议", "清算报告"]
    portal.post(f"/applications/{number}/submit", token, headers={"Idempotency-Key": "dereg-1"})
    app = portal.wait_for(number, token, lambda a: a["status"] == "correction")
    tax = next(t for t in app["subtasks"] if t["status"] == "correction")
    assert "税务" in tax["department"] and tax["missing_materials"] == ["清税证明"] and "欠税" in tax["note"]
    assert "清税证明" in app["next_step"]
    wrong = portal.post(f"/applications/{number}/supplements", token, json={"materials": ["身份证复印件"]})
    assert wrong.status_code == 422 and wrong.json()["code"] == "material_not_requested"
    portal.post(f"/applications/{number}/supplements", token, json={"materials": ["清税证明"]})
    done = portal.wait_for(number, token, lambda a: a["status"] in TERMINAL)
    assert done["status"] == "completed"


def test_a_company_the_registers_rule_out_is_told_before_it_fills_anything(portal, enterprise_token, demo):
    company = demo["示例市百利商贸有限公司"]
    token = enterprise_token("示例市百利商贸有限公司")
    refused = portal.post(
        "/applications",
        token,
        json={"service_code": "enterprise_change", "prefill": False, "fields": {"enterprise_name": company["name"]}},
    )
    assert refused.status_code == 422 and refused.json()["code"] == "not_eligible"
    message = refused.json()["message"]
    assert "吊销" in message and "不予受理" in message and "注销" in message, message
    # what it should do instead is open to it
    other = portal.post("/applications", token, json={"service_code": "deregistration", "prefill": False})
    assert other.status_code == 201, other.text
    abandon_draft(portal.db_url, other.json()["number"])


def test_an_answer_the_guide_rules_out_is_refused_with_what_to_do(portal, restaurant_draft):
    number, token = restaurant_draft
    portal.patch(f"/applications/{number}", token, json={"fields": {"drainage": "尚未安装"}})
    portal.supply(number, token, missing=[{"name": "排水水质检测报告"}, {"name": "室内装修材料燃烧性能证明"}])
    refused = portal.post(
        f"/applications/{number}/submit",
        token,
        headers={"Idempotency-Key": uuid.uuid4().hex},
        json={
            "missing_materials": [{"name": "排水水质检测报告"}, {"name": "室内装修材料燃烧性能证明"}],
            "commitment": True,
        },
    )
    assert refused.status_code == 422 and refused.json()["code"] == "application_blocked"
    assert "隔油" in refused.json()["message"] and "安装" in refused.json()["message"]
    assert refused.json()["details"] == [
        {"field": "fields.drainage", "problem": refused.json()["details"][0]["problem"]}
    ]


def test_a_simple_deregistration_is_promised_after_its_publicity_period(portal, enterprise_token, demo):
    close_earlier_cases(portal.db_url, "deregistration")
    company = demo["示例市小岛咖啡有限公司"]
    token = enterprise_token("示例市小岛咖啡有限公司")
    fields = ordinary_deregistration(company) | {"procedure": "简易注销", "debts_settled": True}
    number = _enterprise_draft(portal, token, "deregistration", fields)
    portal.supply(number, token)
    submitted = portal.post(f"/applications/{number}/submit", token, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert submitted.status_code == 200, submitted.text
    promised = date.fromisoformat(submitted.json()["promised_date"])
    assert promised == add_working_days(today() + timedelta(days=20), 1), "公示期20天, then 1 working day"


def _newborn_draft(portal, token: str, child_name: str, **fields):
    portal.post(
        "/me/consents",
        token,
        json={"purpose": "newborn", "fields": ["name", "id_number", "spouse", "children", "phone", "address"]},
    )
    given = {
        "child_name": child_name,
        "hukou_with": "随父",
        "medical_insurance": True,
        "childcare_subsidy": True,
        "delivery": "邮寄到家",
    }
    return portal.post("/applications", token, json={"service_code": "newborn", "fields": given | fields})


def test_missing_materials_with_commitment(portal, citizen_token):
    close_earlier_cases(portal.db_url, "newborn")
    token = citizen_token("陈晨")
    number = _newborn_draft(portal, token, "陈思远").json()["number"]

    refused = portal.post(
        f"/applications/{number}/submit",
        token,
        headers={"Idempotency-Key": "cc-1"},
        json={"missing_materials": [{"name": "结婚证照片"}]},
    )
    assert refused.status_code == 422 and refused.json()["code"] == "commitment_required"
    not_deferrable = portal.post(
        f"/applications/{number}/submit",
        token,
        headers={"Idempotency-Key": "cc-2"},
        json={"missing_materials": [{"name": "授权委托书"}], "commitment": True},
    )
    assert not_deferrable.status_code == 422 and not_deferrable.json()["code"] == "invalid_missing_materials"

    unsigned = portal.post(
        f"/applications/{number}/submit",
        token,
        headers={"Idempotency-Key": "cc-3"},
        json={"missing_materials": [{"name": "结婚证照片"}], "commitment": True},
    )
    assert unsigned.status_code == 422 and unsigned.json()["code"] == "signatures_missing"
    assert {d["problem"] for d in unsigned.json()["details"]} == {"出生医学证明信息确认表", "容缺受理承诺书"}
    portal.sign(number, token, [{"name": "结婚证照片"}])
    accepted = portal.post(
        f"/applications/{number}/submit",
        token,
        headers={"Idempotency-Key": "cc-3b"},
        json={"missing_materials": [{"name": "结婚证照片"}], "commitment": True},
    )
    assert accepted.status_code == 200
    app = accepted.json()
    due = add_working_days(today(), 10)
    assert app["deferred_materials"] == [{"name": "结婚证照片", "due_date": due.isoformat(), "provided": False}]
    assert "承诺" in app["commitment"]
    done = portal.wait_for(number, token, lambda a: a["status"] in TERMINAL)
    assert done["status"] == "completed"  # 容缺: the police accepted it without the certificate

    # without the commitment the same couple's marriage cannot be verified: 补正
    close_earlier_cases(portal.db_url, "newborn")
    second = _newborn_draft(portal, token, "陈思远").json()["number"]
    portal.sign(second, token)
    portal.post(f"/applications/{second}/submit", token, headers={"Idempotency-Key": "cc-4"})
    waiting = portal.wait_for(second, token, lambda a: a["status"] == "correction")
    police = next(t for t in waiting["subtasks"] if t["status"] == "correction")
    assert "公安" in police["department"] and police["missing_materials"] == ["结婚证照片"]


def test_a_second_application_for_the_same_baby_points_to_the_first(portal, citizen_token):
    close_earlier_cases(portal.db_url, "newborn")
    father, mother = citizen_token("张伟"), citizen_token("李娜")
    first = _newborn_draft(portal, father, "张一诺").json()["number"]
    other = _newborn_draft(portal, mother, "张一诺").json()["number"]  # both parents may start a draft
    portal.sign(first, father)
    portal.sign(other, mother)
    assert (
        portal.post(f"/applications/{first}/submit", father, headers={"Idempotency-Key": uuid.uuid4().hex}).status_code
        == 200
    )

    refused = portal.post(f"/applications/{other}/submit", mother, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert refused.status_code == 409 and refused.json()["code"] == "same_case_exists"
    assert first in refused.json()["message"] and "无需重复申请" in refused.json()["message"]
    assert portal.get(f"/applications/{other}", mother).json()["status"] == "draft"

    again = _newborn_draft(portal, father, "张一诺")
    assert again.status_code == 409 and first in again.json()["message"], again.text

    # someone outside the family learns that the case exists, not its number or status
    certificate = portal.get(f"/applications/{first}", father).json()["fields"]["birth_certificate_no"]
    stranger = _newborn_draft(portal, citizen_token("陈晨"), "张一诺", birth_certificate_no=certificate)
    assert stranger.status_code == 409 and first not in stranger.json()["message"], stranger.text

    # once the first is 不予受理, the waiting draft goes through
    close_earlier_cases(portal.db_url, "newborn")
    retried = portal.post(f"/applications/{other}/submit", mother, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert retried.status_code == 200, retried.text
    portal.withdraw_consents(mother, "newborn")


def test_concurrent_submits_with_one_key_create_one(portal, citizen_token):
    token = citizen_token("周杰")
    portal.post(
        "/me/consents",
        token,
        json={"purpose": "social_security_card", "fields": ["name", "id_number", "phone", "address"]},
    )
    number = portal.post(
        "/applications",
        token,
        json={"service_code": "social_security_card", "fields": {"request_type": "首次申领", "delivery": "邮寄到家"}},
    ).json()["number"]
    key = uuid.uuid4().hex
    results: list = []
    barrier = threading.Barrier(8)

    def submit() -> None:
        barrier.wait()
        results.append(portal.post(f"/applications/{number}/submit", token, headers={"Idempotency-Key": key}))

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in results] == [200] * 8
    assert {r.json()["number"] for r in results} == {number}
    assert sorted(r.headers["Idempotent-Replayed"] for r in results) == ["false"] + ["true"] * 7
    app_id = select(Application.id).where(Application.number == number).scalar_subquery()
    services = len(results[0].json()["services"])
    assert (
        _count(portal.db_url, select(func.count()).select_from(SubTask).where(SubTask.application_id == app_id))
        == services
    )
    assert (
        _count(
            portal.db_url,
            select(func.count())
            .select_from(IdempotencyRecord)
            .where(IdempotencyRecord.application_id == app_id, IdempotencyRecord.operation == "submit"),
        )
        == 1
    )

    # a later retry with the same key still answers with the same application
    retry = portal.post(f"/applications/{number}/submit", token, headers={"Idempotency-Key": key})
    assert retry.status_code == 200 and retry.headers["Idempotent-Replayed"] == "true"
    # a different key for an already submitted application is a conflict, not a second submission
    other = portal.post(f"/applications/{number}/submit", token, headers={"Idempotency-Key": "another"})
    assert other.status_code == 409 and other.json()["code"] == "already_submitted"
    # the same key for a different application is refused
    second = portal.post("/applications", token, json={"service_code": "social_security_card"}).json()["number"]
    reused = portal.post(f"/applications/{second}/submit", token, headers={"Idempotency-Key": key})
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"


def test_concurrent_creates_with_one_key_make_one_draft(portal, citizen_token, demo):
    token = citizen_token("冯雪")
    key = uuid.uuid4().hex
    results: list = []
    barrier = threading.Barrier(6)

    def create() -> None:
        barrier.wait()
        results.append(
            portal.post(
                "/applications",
                token,
                headers={"Idempotency-Key": key},
                json={"service_code": "disability", "prefill": False},
            )
        )

    threads = [threading.Thread(target=create) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status_code for r in results) == [200] * 5 + [201]
    assert len({r.json()["number"] for r in results}) == 1
    mine = [a for a in portal.get("/applications", token).json()["items"] if a["service_code"] == "disability"]
    assert len(mine) == 1


def test_overdue_application_can_be_urged_once_a_day(portal, citizen_token):
    token = citizen_token("马志强")
    mine = portal.get("/applications", token).json()["items"]
    overdue = next(a for a in mine if a["service_code"] == "retirement")
    assert overdue["overdue"] is True and date.fromisoformat(overdue["promised_date"]) < today()
    detail = portal.get(f"/applications/{overdue['number']}", token).json()
    assert detail["can_urge"] and "催办" in detail["next_step"]
    assert any(t["status"] == "reviewing" for t in detail["subtasks"])

    urged = portal.post(f"/applications/{overdue['number']}/urge", token, json={"note": "急用养老金"})
    assert urged.status_code == 200 and urged.json()["urge_count"] == 1
    assert "公积金" in urged.json()["message"]
    # the urged department resumes at once: the case completes within a few ticks
    done = portal.wait_for(overdue["number"], token, lambda a: a["status"] in TERMINAL)
    assert done["status"] == "completed"
    assert any("催办" in e["message"] for e in done["events"])

    # a second urge the same day is refused; re-open the case behind the simulator's back
    # (still overdue, stalled again) so the check does not race the departments
    engine = create_engine(portal.db_url)
    with engine.begin() as conn:
        app_id = conn.execute(select(Application.id).where(Application.number == overdue["number"])).scalar_one()
        conn.execute(update(Application).where(Application.id == app_id).values(status="in_progress"))
        conn.execute(
            update(SubTask)
            .where(SubTask.application_id == app_id, SubTask.position == 2)
            .values(status="reviewing", stalled=True)
        )
    engine.dispose()
    again = portal.post(f"/applications/{overdue['number']}/urge", token)
    assert again.status_code == 409 and again.json()["code"] == "already_urged"


def test_urge_refused_within_time_limit(portal, citizen_token):
    token = citizen_token("郑国华")
    mine = portal.get("/applications?status=correction", token).json()["items"]
    assert [a["service_code"] for a in mine] == ["disability"]
    response = portal.post(f"/applications/{mine[0]['number']}/urge", token)
    assert response.status_code == 409 and response.json()["code"] == "not_overdue"
    assert "承诺" in response.json()["message"]
