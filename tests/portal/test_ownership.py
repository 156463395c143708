"""A user reads only their own applications; anything else answers exactly like a number that
does not exist."""

from __future__ import annotations

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
