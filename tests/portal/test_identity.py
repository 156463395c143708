"""Binding a channel user to a citizen or an enterprise: SMS code, lockout, expiry, tokens."""

from __future__ import annotations

import subprocess

import httpx
from sqlalchemy import create_engine, update

from portal.models import Binding


def test_citizen_binding_gives_a_scoped_token(portal, demo):
    person = demo["张伟"]
    started = portal.start_binding(name="张伟", id_number=person["id_number"])
    assert started.status_code == 201
    body = started.json()
    assert body["phone_masked"] is None and "如果您填写的信息与登记信息一致" in body["message"]
    code = portal.sms_code(body["binding_id"])
    token = portal.post(f"/identity/bindings/{body['binding_id']}/verify", json={"code": code}).json()["token"]
    me = portal.get("/me", token).json()
    ref = me["subject"].pop("ref")
    assert me["subject"] == {"type": "citizen", "display_name": "张伟"}
    assert (
        len(ref) == 32
        and ref != portal.get("/me", portal.bind("李娜", demo["李娜"]["id_number"])).json()["subject"]["ref"]
    )
    # the code is single-use
    again = portal.post(f"/identity/bindings/{body['binding_id']}/verify", json={"code": code})
    assert again.status_code == 409 and again.json()["code"] == "binding_used"


def test_enterprise_binding(portal, demo):
    company = demo["示例市宏达机械制造有限公司"]
    token = portal.bind_enterprise(company["uscc"], company["rep"], company["rep_id"])
    assert portal.get("/me", token).json()["subject"]["type"] == "enterprise"
    wrong = portal.start_binding(
        subject_type="enterprise",
        uscc=company["uscc"],
        legal_representative_name="李四",
        legal_representative_id_number=demo["张伟"]["id_number"],
    )
    assert wrong.status_code == 201, "the same answer as a match"
    assert portal.get(f"/dev/sms/{wrong.json()['binding_id']}").status_code == 404, "but no code went out"


def _shape(answer) -> tuple:
    body = answer.json()
    return answer.status_code, sorted(body), body["status"], body["phone_masked"], body["message"]


def test_the_answer_does_not_say_whether_a_name_fits_a_number(portal, demo):
    """The binding oracle: a match, a wrong name and a wrong number are answered alike; only
    the match ever gets a code, and no code opens the others."""
    real = demo["李娜"]["id_number"]
    match = portal.start_binding(name="李娜", id_number=real)
    wrong_name = portal.start_binding(name="李四", id_number=real)
    other = demo["周杰"]["id_number"]  # valid and real, but not 李娜's
    wrong_number = portal.start_binding(name="李娜", id_number=other)
    assert _shape(match) == _shape(wrong_name) == _shape(wrong_number)
    assert portal.get(f"/dev/sms/{match.json()['binding_id']}").status_code == 200
    for decoy in (wrong_name, wrong_number):
        binding = decoy.json()["binding_id"]
        assert portal.get(f"/dev/sms/{binding}").status_code == 404
        guess = portal.post(f"/identity/bindings/{binding}/verify", json={"code": "000000"})
        assert guess.status_code == 422 and guess.json()["code"] == "code_invalid"


def test_bad_check_digit_is_refused(portal, demo):
    real = demo["李娜"]["id_number"]
    bad = real[:17] + ("0" if real[17] != "0" else "1")
    response = portal.start_binding(name="李娜", id_number=bad)
    assert response.status_code == 422 and response.json()["code"] == "invalid_id_number"
    response = portal.start_binding(
        subject_type="enterprise",
        uscc="91990171MA0001001A",
        legal_representative_name="何志明",
        legal_representative_id_number=demo["何志明"]["id_number"],
    )
    assert response.status_code == 422 and response.json()["code"] == "invalid_uscc"


def test_too_many_wrong_codes_lock_the_binding(portal, demo):
    started = portal.start_binding(name="吴婷", id_number=demo["吴婷"]["id_number"]).json()
    code = portal.sms_code(started["binding_id"])
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    statuses = [
        portal.post(f"/identity/bindings/{started['binding_id']}/verify", json={"code": wrong}) for _ in range(5)
    ]
    assert [r.status_code for r in statuses] == [422, 422, 422, 422, 423]
    assert "还可以再试4次" in statuses[0].json()["message"]
    # even the right code no longer works
    late = portal.post(f"/identity/bindings/{started['binding_id']}/verify", json={"code": code})
    assert late.status_code == 423 and late.json()["code"] == "binding_locked"


def test_expired_code(portal, demo):
    started = portal.start_binding(name="周杰", id_number=demo["周杰"]["id_number"]).json()
    code = portal.sms_code(started["binding_id"])
    engine = create_engine(portal.db_url)
    with engine.begin() as conn:
        conn.execute(
            update(Binding).where(Binding.id == started["binding_id"]).values(code_expires_at=Binding.created_at)
        )
    engine.dispose()
    response = portal.post(f"/identity/bindings/{started['binding_id']}/verify", json={"code": code})
    assert response.status_code == 410 and response.json()["code"] == "code_expired"


def test_tokens_are_required_and_can_be_revoked(portal, citizen_token):
    assert portal.get("/me").status_code == 401
    assert portal.get("/me", "not-a-token").json()["code"] == "token_invalid"
    token = citizen_token("赵敏")
    assert portal.post("/me/logout", token).status_code == 200
    assert portal.get("/me", token).status_code == 401


def test_logs_mask_people(portal, demo):
    portal.start_binding(name="刘建国", id_number=demo["刘建国"]["id_number"])
    log = portal.log.read_text(encoding="utf-8")
    assert "138****0012" in log and "验证码" in log
    for row in demo.values():
        if row["kind"] == "citizen" and row["id_number"]:
            assert row["id_number"] not in log
            assert not row["phone"] or row["phone"] not in log


def test_dev_sms_is_absent_outside_dev_mode(tmp_path):
    from tests.portal.conftest import start_portal, stop_portal

    process, running = start_portal(tmp_path, f"sqlite:///{tmp_path / 'nodev.db'}", dev=False)
    try:
        response = httpx.get(running.url + "/dev/sms/anything", timeout=10)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
        assert "/dev/sms/{binding_id}" not in httpx.get(running.url + "/openapi.json").json()["paths"]
    finally:
        stop_portal(process)
    assert isinstance(process, subprocess.Popen)
