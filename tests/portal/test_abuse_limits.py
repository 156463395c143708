"""Binding limits that hold (a portal with the default limits): per ID number whatever channel
user the caller invents, one SMS a minute per phone, wrong codes bounded across bindings."""

from __future__ import annotations

import uuid

import pytest

from tests.portal.conftest import demo_people, start_portal, stop_portal


@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    work = tmp_path_factory.mktemp("strict-portal")
    process, portal = start_portal(work, f"sqlite:///{work / 'portal.db'}", relaxed=False)
    yield portal
    stop_portal(process)


@pytest.fixture(scope="module")
def demo(strict):
    """The demo people of the strict portal (not the shared, parametrised one)."""
    return demo_people(strict)


def _start(portal, name: str, id_number: str):
    return portal.start_binding(name=name, id_number=id_number, channel_user_id=f"attacker-{uuid.uuid4().hex}")


def test_bindings_per_id_number_are_limited_whatever_user_id_is_sent(strict, demo):
    id_number = demo["张伟"]["id_number"]
    codes = [_start(strict, "张伟", id_number).status_code for _ in range(8)]
    assert codes == [201] * 5 + [429] * 3, codes
    # a wrong name does not get around it: the count is by the number claimed
    assert _start(strict, "张三", id_number).status_code == 429


def test_a_phone_gets_one_code_a_minute_however_many_bindings(strict, demo):
    id_number = demo["李娜"]["id_number"]
    first, second = (_start(strict, "李娜", id_number).json()["binding_id"] for _ in range(2))
    assert strict.get(f"/dev/sms/{first}").status_code == 200
    assert strict.get(f"/dev/sms/{second}").status_code == 404, "the second SMS within a minute is not sent"


def test_wrong_codes_are_bounded_across_bindings(strict, demo):
    id_number = demo["周杰"]["id_number"]
    for _ in range(2):
        binding = _start(strict, "周杰", id_number).json()["binding_id"]
        statuses = [
            strict.post(f"/identity/bindings/{binding}/verify", json={"code": f"{n:06d}"}).status_code for n in range(5)
        ]
        assert statuses[-1] == 423
    refused = _start(strict, "周杰", id_number)
    assert refused.status_code == 429 and "验证码错误次数过多" in refused.json()["message"]


def test_open_drafts_per_item_are_capped(strict, demo):
    token = strict.bind("吴婷", demo["吴婷"]["id_number"])
    create = {"service_code": "social_security_card", "prefill": False}
    codes = [strict.post("/applications", token, json=create).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    refused = strict.post("/applications", token, json=create).json()
    assert refused["code"] == "too_many_drafts" and "草稿" in refused["message"]
