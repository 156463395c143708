"""Bad input gets a 4xx in the one error shape, with a Chinese message and a machine code;
never a 500 (the Portal helper fails any 5xx)."""

from __future__ import annotations

import re

import pytest

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and CHINESE.search(body["message"])
    return body


@pytest.fixture
def token(citizen_token):
    return citizen_token("黄秀英")


def test_malformed_json(portal, token):
    _error(
        portal.post(
            "/applications",
            token,
            content=b'{"service_code": "retirement",',
            headers={"Content-Type": "application/json"},
        ),
        400,
        "invalid_json",
    )
    _error(portal.post("/applications", token, content=b"\xff\xfe\x00garbage"), 400, "invalid_json")
    _error(portal.post("/identity/bindings", content=b"[1, 2, 3]"), 422, "body_not_object")


def test_wrong_types_and_unknown_fields(portal, token):
    body = _error(
        portal.post("/applications", token, json={"service_code": "retirement", "prefill": "yes"}),
        422,
        "validation_failed",
    )
    assert {"field": "prefill", "problem": "应为 true 或 false"} in body["details"]
    body = _error(
        portal.post("/applications", token, json={"service_code": "retirement", "admin": True}),
        422,
        "validation_failed",
    )
    assert {"field": "admin", "problem": "不是可接受的字段"} in body["details"]
    body = _error(
        portal.post(
            "/identity/bindings", json={"channel": "web", "channel_user_id": 42, "name": "x", "id_number": "1"}
        ),
        422,
        "validation_failed",
    )
    assert body["details"][0]["field"] == "channel_user_id"
    _error(portal.post("/applications", token, json={"service_code": "no_such_thing"}), 422, "unknown_service")
    body = _error(
        portal.post("/applications", token, json={"service_code": "retirement", "fields": {"favourite_colour": "红"}}),
        422,
        "invalid_fields",
    )
    assert body["details"][0]["field"] == "fields.favourite_colour"


def test_bad_check_digits_in_forms(portal, token, demo):
    real = demo["黄秀英"]["id_number"]
    bad = real[:17] + ("0" if real[17] != "0" else "1")
    body = _error(
        portal.post(
            "/applications", token, json={"service_code": "retirement", "fields": {"applicant_id_number": bad}}
        ),
        422,
        "invalid_fields",
    )
    assert "校验位" in body["details"][0]["problem"]
    number = portal.post("/applications", token, json={"service_code": "retirement", "prefill": False}).json()["number"]
    _error(
        portal.patch(f"/applications/{number}", token, json={"fields": {"retirement_type": "想退就退"}}),
        422,
        "invalid_fields",
    )


def test_huge_body(portal, token):
    huge = {"service_code": "retirement", "fields": {"bank_card_no": "9" * 100_000}}
    _error(portal.post("/applications", token, json=huge), 413, "payload_too_large")


def test_headers_paths_and_methods(portal, token):
    number = portal.post("/applications", token, json={"service_code": "retirement", "prefill": False}).json()["number"]
    _error(portal.post(f"/applications/{number}/submit", token), 400, "idempotency_key_required")
    _error(
        portal.post(f"/applications/{number}/submit", token, headers={"Idempotency-Key": "x" * 101}),
        400,
        "idempotency_key_invalid",
    )
    _error(portal.get("/applications/not-a-number", token), 404, "application_not_found")
    _error(portal.get("/no/such/path"), 404, "not_found")
    _error(portal.request("PUT", "/catalogue"), 405, "method_not_allowed")
    _error(portal.get("/applications?status=whatever", token), 422, "invalid_status")
    _error(portal.get("/me/profile", token), 422, "purpose_required")
    _error(portal.post("/identity/bindings/nope/verify", json={"code": "123456"}), 404, "binding_not_found")
    _error(portal.post("/identity/bindings/nope/verify", json={"code": "12ab"}), 422, "validation_failed")


def test_enterprise_only_service_for_a_citizen(portal, token):
    _error(portal.post("/applications", token, json={"service_code": "deregistration"}), 422, "audience_mismatch")
