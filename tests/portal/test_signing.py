"""Commitments signed online: the full texts shown, a fresh SMS code to the phone on record,
a signature per text with its hash, time and method; submission waits for them; an answer
changed after signing asks for a new signature; a 容缺 promise is signed the same way."""

from __future__ import annotations

import hashlib
import uuid

from tests.support import sample_files
from tests.support.portal_cases import RESTAURANT

SIGNED = ("食品安全管理制度", "消防安全检查告知承诺书")
PHOTOS = ("经营场所平面布局图", "消防设施平面图和应急预案", "店招效果图", "隔油设施照片和排水接驳示意图")


def _submit(portal, number: str, token: str, missing: list[dict] | None = None):
    body = {"missing_materials": missing or [], "commitment": bool(missing)}
    return portal.post(
        f"/applications/{number}/submit", token, headers={"Idempotency-Key": uuid.uuid4().hex}, json=body
    )


def _start(portal, number: str, token: str, missing: list[dict] | None = None) -> dict:
    started = portal.post(f"/applications/{number}/signing", token, json={"missing_materials": missing or []})
    assert started.status_code == 201, started.text
    return started.json()


def _code(portal, number: str) -> str:
    return portal.get(f"/dev/signing/{number}").json()["code"]


def _statuses(application: dict) -> dict[str, str]:
    return {m["name"]: m["status"] for m in application["checklist"]}


def test_commitments_are_shown_in_full_and_signed_with_a_fresh_code(portal, restaurant_draft):
    number, token = restaurant_draft
    missing = [{"name": "室内装修材料燃烧性能证明"}, {"name": "排水水质检测报告"}]
    for name in PHOTOS:
        assert portal.upload(number, token, name, sample_files.photo()).status_code == 201
    refused = _submit(portal, number, token, missing)
    assert refused.status_code == 422 and refused.json()["code"] == "signatures_missing"
    assert {d["problem"] for d in refused.json()["details"]} == {*SIGNED, "容缺受理承诺书"}

    signing = _start(portal, number, token, missing)
    texts = {d["name"]: d["text"] for d in signing["documents"]}
    assert list(texts) == [*SIGNED, "容缺受理承诺书"]
    assert RESTAURANT["shop_name"] in texts["消防安全检查告知承诺书"] and "{" not in "".join(texts.values())
    assert "「排水水质检测报告」于" in texts["容缺受理承诺书"] and number in texts["容缺受理承诺书"]
    for document in signing["documents"]:
        assert document["sha256"] == hashlib.sha256(document["text"].encode()).hexdigest()
    assert signing["phone_masked"].startswith("138****")

    wrong = portal.post(f"/applications/{number}/signing/{signing['signing_id']}", token, json={"code": "000000"})
    assert wrong.status_code == 422 and "还可以再试4次" in wrong.json()["message"]
    signed = portal.post(
        f"/applications/{number}/signing/{signing['signing_id']}", token, json={"code": _code(portal, number)}
    )
    assert signed.status_code == 200, signed.text
    application = signed.json()
    assert all(_statuses(application)[name] == "signed" for name in SIGNED)
    assert [s["document"] for s in application["signatures"]] == [*SIGNED, "容缺受理承诺书"]
    assert all(s["method"].startswith("短信验证码（138****") for s in application["signatures"])
    assert [s["current"] for s in application["signatures"]][:2] == [True, True]
    assert any("在线签署《食品安全管理制度》" in e["message"] for e in application["events"])

    again = portal.post(f"/applications/{number}/signing/{signing['signing_id']}", token, json={"code": "1"})
    assert again.status_code == 409, "a signing is used once"
    other_dates = [{"name": m["name"], "due_date": "2099-01-01"} for m in missing]
    assert _submit(portal, number, token, other_dates).status_code == 422, "the promise signed is the one submitted"
    submitted = _submit(portal, number, token, missing)
    assert submitted.status_code == 200, submitted.text
    assert _statuses(submitted.json())["食品安全管理制度"] == "signed"
    assert all(s["current"] for s in submitted.json()["signatures"]), "the promise is the one submitted"


def test_an_answer_changed_after_signing_asks_for_a_new_signature(portal, restaurant_draft):
    number, token = restaurant_draft
    assert portal.sign(number, token) == list(SIGNED)
    portal.patch(f"/applications/{number}", token, json={"fields": {"shop_name": "田记牛肉面馆"}})
    application = portal.get(f"/applications/{number}", token).json()
    assert _statuses(application)["消防安全检查告知承诺书"] == "sign"
    assert _statuses(application)["食品安全管理制度"] == "sign"
    assert [s["current"] for s in application["signatures"]] == [False, False], "the record stays, not counted"
    renewed = _start(portal, number, token)
    assert "田记牛肉面馆" in renewed["documents"][1]["text"]


def test_wrong_codes_lock_a_signing_and_a_new_code_replaces_the_old(portal, restaurant_draft):
    number, token = restaurant_draft
    first = _start(portal, number, token)
    second = _start(portal, number, token)
    replaced = portal.post(
        f"/applications/{number}/signing/{first['signing_id']}", token, json={"code": _code(portal, number)}
    )
    assert replaced.status_code == 409, "only the latest code signs"
    for _ in range(4):
        portal.post(f"/applications/{number}/signing/{second['signing_id']}", token, json={"code": "999999"})
    locked = portal.post(f"/applications/{number}/signing/{second['signing_id']}", token, json={"code": "999999"})
    assert locked.status_code == 423 and locked.json()["code"] == "signing_locked"


def test_nobody_else_can_see_or_sign_an_applicants_commitments(portal, restaurant_draft, citizen_token):
    number, token = restaurant_draft
    signing = _start(portal, number, token)
    stranger = citizen_token("陈晨")
    assert portal.post(f"/applications/{number}/signing", stranger, json={}).status_code == 404
    stolen = portal.post(
        f"/applications/{number}/signing/{signing['signing_id']}", stranger, json={"code": _code(portal, number)}
    )
    assert stolen.status_code == 404
    assert portal.post(f"/applications/{number}/signing", None, json={}).status_code == 401
