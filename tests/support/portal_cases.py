"""Test isolation for cases the portal takes only once.

The demo families have one baby each, and the portal refuses a second application for the same
baby (tests/portal/test_applications.py tests that). Scenarios that apply for a demo baby again
first close the earlier applications in the portal's database, as if an earlier run had ended
in 不予受理; nothing in the product can do that, which is the point of the refusal.
"""

from __future__ import annotations

from sqlalchemy import create_engine, text

from bot.applications.form import get_form

RESTAURANT = {
    "operator_name": "田甜",
    "operator_id_number": "990103199306061004",
    "contact_phone": "13800990031",
    "shop_name": "田记面馆",
    "business_form": "个体工商户",
    "premises_address": "示例市东湖区湖滨路8号一楼",
    "floor_area": 80,
    "seats": 30,
    "menu_scope": ["热食类制售"],
    "signboard": True,
    "drainage": "隔油池",
    "food_safety_manager": "田甜",
    "food_safety_manager_id_number": "990103199306061004",
}
"""田甜's noodle shop, every field given: the restaurant draft of the portal tests."""


def ordinary_deregistration(company: dict) -> dict:
    """The fields of a 普通注销 with debts still open, the case in which the tax office asks for
    a 清税证明 as 补正."""
    return {
        "enterprise_name": company["name"],
        "uscc": company["uscc"],
        "procedure": "普通注销",
        "reason": "股东决议解散",
        "debts_settled": False,
        "contact_phone": "13800990024",
    }


def _reject(db_url: str, where: str, **params: str) -> None:
    """Sets the applications `where` selects to 不予受理, straight in the portal's database."""
    engine = create_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"UPDATE portal_application SET status = 'rejected' WHERE {where}"), params)
    finally:
        engine.dispose()


def close_earlier_cases(db_url: str, code: str) -> None:
    """Marks every submitted application of `code` as 不予受理, so the same case can be applied for
    again; a no-op for items the portal takes any number of times."""
    if get_form(code).same_case:
        _reject(db_url, "service_code = :code AND status <> 'draft'", code=code)


def abandon_draft(db_url: str, number: str) -> None:
    """Takes a test's draft out of the per-item draft limit (three open drafts), as if its
    owner had given it up; the portal has no endpoint for that yet."""
    _reject(db_url, "number = :number AND status = 'draft'", number=number)


def abandon_drafts(db_url: str, code: str) -> None:
    """Takes every open draft of `code` out of the way, so a test that starts the item in the
    chat gets a new draft rather than one an earlier test left half-filled (the chat offers an
    open draft before making another)."""
    _reject(db_url, "service_code = :code AND status = 'draft'", code=code)
