"""Catalogue from knowledge/ front matter, the demo dataset, health and the OpenAPI document."""

from __future__ import annotations

from bot.catalogue import SERVICE_CODES, load_catalogue
from bot.validation import is_valid_id_number, is_valid_uscc
from portal.seed import DISTRICTS


def test_health_and_openapi(portal):
    health = portal.get("/health").json()
    assert health["status"] == "ok"
    assert health["database"] in ("sqlite", "postgresql")
    document = portal.openapi.document
    assert document["openapi"].startswith("3.")
    assert {"/identity/bindings", "/me/profile", "/applications/{number}/submit", "/dev/sms/{binding_id}"} <= set(
        document["paths"]
    )


def test_catalogue_lists_the_13_items_from_the_guides(portal):
    items = portal.get("/catalogue").json()["items"]
    assert [i["code"] for i in items] == list(SERVICE_CODES)
    guides = load_catalogue()
    for item in items:
        guide = guides[item["code"]]
        assert item["title"] == guide.title
        assert item["lead_department"] == guide.lead_department
        assert item["integrated_services"] == list(guide.integrated_services)
        assert item["form"] and item["materials"]
    one = portal.get("/catalogue/restaurant").json()
    assert set(one["subjects"]) == {"citizen", "enterprise"}
    assert portal.get("/catalogue/nope").status_code == 404
    materials = {m["name"]: m for m in portal.get("/catalogue/deregistration").json()["materials"]}
    assert materials["清算报告"]["when"] == {"procedure": ["普通注销"]} and materials["清税信息"]["when"] is None


def test_demo_dataset_is_valid_and_covers_every_service(demo):
    citizens = [r for r in demo.values() if r["kind"] == "citizen" and r["id_number"]]
    enterprises = [r for r in demo.values() if r["kind"] == "enterprise"]
    assert len(citizens) >= 20 and len(enterprises) >= 10
    assert all(is_valid_id_number(r["id_number"]) for r in citizens)
    assert all(r["district"] in DISTRICTS for r in citizens)
    assert all(is_valid_uscc(r["uscc"]) for r in enterprises)
    for code in SERVICE_CODES:
        fits = [r["name"] for r in demo.values() if code in r["scenarios"]]
        assert len(fits) >= 2, f"{code} fits only {fits}"
