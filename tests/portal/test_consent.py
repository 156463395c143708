"""PIPL: profile data only for the purpose and fields consented, with a record of each consent."""

from __future__ import annotations


def test_profile_needs_consent_per_purpose_and_field(portal, citizen_token, demo):
    token = citizen_token("李娜")
    denied = portal.get("/me/profile?purpose=newborn", token)
    assert denied.status_code == 403
    assert denied.json()["code"] == "consent_required"
    assert "授权" in denied.json()["message"] and "新生儿出生一件事" in denied.json()["message"]

    granted = portal.post("/me/consents", token, json={"purpose": "newborn", "fields": ["name", "spouse"]})
    assert granted.status_code == 201
    record = granted.json()
    assert record["purpose"] == "newborn" and record["fields"] == ["name", "spouse"] and record["granted_at"]

    profile = portal.get("/me/profile?purpose=newborn", token).json()
    assert profile["fields"] == {
        "name": "李娜",
        "spouse": {"name": "张伟", "id_number": demo["张伟"]["id_number"], "phone": demo["张伟"]["phone"]},
    }
    more = portal.get("/me/profile?purpose=newborn&fields=name,id_number", token)
    assert more.status_code == 403 and more.json()["details"] == [{"field": "id_number", "problem": "未授权"}]
    # consent for one 一件事 does not release data for another
    assert portal.get("/me/profile?purpose=social_security_card", token).status_code == 403

    listed = portal.get("/me/consents", token).json()["items"]
    assert [c["id"] for c in listed if not c["withdrawn_at"]] == [record["id"]]
    withdrawn = portal.request("DELETE", f"/me/consents/{record['id']}", token).json()
    assert withdrawn["withdrawn_at"]
    assert portal.get("/me/profile?purpose=newborn", token).status_code == 403


def test_prefill_uses_only_consented_fields(portal, citizen_token):
    token = citizen_token("赵敏")
    bare = portal.post("/applications", token, json={"service_code": "newborn"}).json()
    assert bare["prefilled_fields"] == [] and bare["fields"] == {}
    portal.post("/me/consents", token, json={"purpose": "newborn", "fields": ["name", "id_number"]})
    partial = portal.post("/applications", token, json={"service_code": "newborn"}).json()
    assert set(partial["prefilled_fields"]) == {"applicant_name", "applicant_id_number"}
    assert "spouse_name" not in partial["fields"]


def test_consent_rejects_unknown_fields_and_purposes(portal, citizen_token):
    token = citizen_token("王强")
    bad_field = portal.post("/me/consents", token, json={"purpose": "school_enrollment", "fields": ["bank_password"]})
    assert bad_field.status_code == 422 and bad_field.json()["code"] == "unknown_field"
    bad_purpose = portal.post("/me/consents", token, json={"purpose": "marketing", "fields": ["name"]})
    assert bad_purpose.status_code == 422 and bad_purpose.json()["code"] == "unknown_purpose"
    wrong_audience = portal.post("/me/consents", token, json={"purpose": "deregistration", "fields": ["name"]})
    assert wrong_audience.status_code == 422 and wrong_audience.json()["code"] == "audience_mismatch"
