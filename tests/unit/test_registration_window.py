"""入学报名 is taken in its round only: the guide's months, or this year's announced dates;
outside it the form blocks submission with what to do instead, inside it the promised date is
the guide's result date (录取结果 7月31日前)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.applications import form as form_module
from bot.applications.form import FormSpecError, get_form, parse_form
from bot.settings import parse_rounds, settings

SCHOOL = get_form("school_enrollment")


@pytest.fixture
def announced(monkeypatch):
    """Sets this year's announced rounds for the forms, as BANSHI_REGISTRATION_ROUNDS does."""

    def use(text: str) -> None:
        monkeypatch.setattr(form_module, "settings", replace(settings, registration_rounds=parse_rounds(text)))

    use("")
    return use


def test_outside_may_and_june_the_school_application_is_blocked_with_what_to_do(announced):
    assert SCHOOL.blockers({}, date(2026, 5, 1)) == []
    assert SCHOOL.blockers({}, date(2026, 6, 30)) == []
    (closed,) = SCHOOL.blockers({}, date(2026, 12, 7))
    assert "5月至6月" in closed.says and "继续办理" in closed.instead and closed.about == "submitted_on"
    assert SCHOOL.closed_window(date(2026, 4, 30)) == closed
    assert SCHOOL.blockers({}) == []  # no day given: the answers only
    assert get_form("newborn").closed_window(date(2026, 12, 7)) is None  # items without a window


def test_an_announced_round_replaces_the_guides_months_in_its_year(announced):
    announced("school_enrollment=2027-05-15..2027-06-05")
    assert SCHOOL.closed_window(date(2027, 5, 10)) is not None  # May, but before the announced round
    assert SCHOOL.closed_window(date(2027, 5, 15)) is None
    assert SCHOOL.closed_window(date(2027, 6, 6)) is not None
    assert SCHOOL.closed_window(date(2026, 5, 20)) is None  # another year: the guide's months


def test_the_promised_date_is_the_result_date_of_the_round():
    window = SCHOOL.window
    assert window.results_on(date(2026, 5, 20)) == date(2026, 7, 31)
    assert window.results_on(date(2026, 12, 7)) == date(2027, 7, 31)  # a round announced late in a year
    assert SCHOOL.promise_basis({}) == "录取结果于7月31日前公布"
    assert get_form("deregistration").promise_basis({"procedure": "简易注销"}).startswith("简易注销公告")
    assert get_form("newborn").promise_basis({}) is None  # the item's time limit


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("school_enrollment=2027-05-15", "is not code="),
        ("school_enrollment=2027-06-05..2027-05-15", "closes before it opens"),
        ("school_enrollment=2027-02-30..2027-06-05", "is not code="),
    ],
)
def test_a_wrong_announced_round_stops_the_process(text, problem):
    with pytest.raises(ValueError, match=problem):
        parse_rounds(text)


@pytest.mark.parametrize(
    ("window", "problem"),
    [
        ({"opens": "05-01", "closes": "13-01", "says": "s", "instead": "i"}, "month-day"),
        ({"opens": "06-01", "closes": "05-01", "says": "s", "instead": "i"}, "open before it closes"),
        ({"opens": "05-01", "closes": "06-30", "says": "s", "instead": "i", "results_by": "06-01"}, "results"),
    ],
)
def test_a_broken_window_is_refused_when_the_form_loads(window, problem):
    raw = {"subjects": ["citizen"], "fields": [{"name": "a", "label": "甲"}], "window": window}
    with pytest.raises(FormSpecError, match=problem):
        parse_form("school_enrollment", raw)
