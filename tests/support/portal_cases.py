"""Test isolation for cases the portal takes only once.

The demo families have one baby each, and the portal refuses a second application for the same
baby (tests/portal/test_applications.py tests that). Scenarios that apply for a demo baby again
first close the earlier applications in the portal's database, as if an earlier run had ended
in 不予受理; nothing in the product can do that, which is the point of the refusal.
"""

from __future__ import annotations

from sqlalchemy import create_engine, text

from bot.applications.form import get_form


def close_earlier_cases(db_url: str, code: str) -> None:
    """Marks every submitted application of `code` as 不予受理, so the same case can be applied for
    again; a no-op for items the portal takes any number of times."""
    if not get_form(code).same_case:
        return
    engine = create_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "UPDATE portal_application SET status = 'rejected' WHERE service_code = :code AND status <> 'draft'"
                ),
                {"code": code},
            )
    finally:
        engine.dispose()
