"""A user reads only their own applications; anything else answers exactly like a number that
does not exist."""

from __future__ import annotations

import uuid
from datetime import date


def _missing_number() -> str:
    return f"BS{date.today():%Y%m%d}999999"


def _same_as_missing(portal, token, number):
    """Every operation on `number` answers like one on a number that does not exist."""
    calls = [
        ("GET", "/applications/{}", None),
        ("PATCH", "/applications/{}", {"fields": {}}),
        ("POST", "/applications/{}/submit", {}),
        ("POST", "/applications/{}/supplements", {"materials": ["清税证明"]}),
        ("POST", "/applications/{}/urge", {}),
    ]
    for method, template, body in calls:
        kwargs = {"headers": {"Idempotency-Key": "own-1"}}
        if body is not None:
            kwargs["json"] = body
        theirs = portal.request(method, template.format(number), token, **kwargs)
        nothing = portal.request(method, template.format(_missing_number()), token, **kwargs)
        assert theirs.status_code == nothing.status_code == 404, (method, template, theirs.text)
        assert theirs.json() == nothing.json()
        assert theirs.json()["code"] == "application_not_found"


def test_citizens_see_only_their_own(portal, citizen_token):
    owner = citizen_token("孙丽")
    number = portal.post("/applications", owner, json={"service_code": "school_enrollment", "prefill": False}).json()[
        "number"
    ]
    stranger = citizen_token("吴婷")
    _same_as_missing(portal, stranger, number)
    assert number not in [a["number"] for a in portal.get("/applications", stranger).json()["items"]]
    assert portal.get(f"/applications/{number}", owner).status_code == 200


def test_enterprises_see_only_their_own(portal, enterprise_token, citizen_token):
    owner = enterprise_token("示例市云帆科技股份有限公司")
    number = portal.post("/applications", owner, json={"service_code": "ipo_compliance", "prefill": False}).json()[
        "number"
    ]
    rival = enterprise_token("示例市星辰电子股份有限公司")
    _same_as_missing(portal, rival, number)
    # the legal representative acting as a private citizen is a different identity too
    rep_as_citizen = citizen_token("郭涛")
    _same_as_missing(portal, rep_as_citizen, number)
    assert portal.get(f"/applications/{number}", owner).status_code == 200


def _social_security_draft(portal, token) -> str:
    portal.post(
        "/me/consents",
        token,
        json={"purpose": "social_security_card", "fields": ["name", "id_number", "phone", "address"]},
    )
    fields = {"request_type": "首次申领", "delivery": "邮寄到家"}
    answer = portal.post("/applications", token, json={"service_code": "social_security_card", "fields": fields})
    return answer.json()["number"]


def _submit_as(portal, token, number: str, name: str, id_number: str | None = None):
    """Names the applicant on the draft and submits it (a fresh Idempotency-Key each time)."""
    fields = {"applicant_name": name} | ({"applicant_id_number": id_number} if id_number else {})
    portal.patch(f"/applications/{number}", token, json={"fields": fields})
    return portal.post(f"/applications/{number}/submit", token, headers={"Idempotency-Key": uuid.uuid4().hex})


def test_nobody_applies_in_a_strangers_name(portal, citizen_token, demo):
    token = citizen_token("周杰")
    number = _social_security_draft(portal, token)
    refused = _submit_as(portal, token, number, "吴婷", demo["吴婷"]["id_number"])
    assert refused.status_code == 422 and refused.json()["code"] == "applicant_not_self"
    assert "窗口" in refused.json()["message"]
    renamed = _submit_as(portal, token, number, "周某", demo["周杰"]["id_number"])
    assert renamed.status_code == 422 and renamed.json()["code"] == "applicant_name_mismatch"
    own = _submit_as(portal, token, number, "周杰")
    assert own.status_code == 200, own.text


def test_a_spouse_on_record_may_apply_and_it_is_recorded(portal, citizen_token, demo):
    token = citizen_token("张伟")
    number = _social_security_draft(portal, token)
    done = _submit_as(portal, token, number, "李娜", demo["李娜"]["id_number"])
    assert done.status_code == 200, done.text
    assert any("配偶代为提交" in event["message"] for event in done.json()["events"])
