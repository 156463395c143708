"""How a message inside an application is read before the portal is involved: button
payloads, answers the NLU took for questions, questions the NLU took for answers, and which
field a correction names."""

from __future__ import annotations

import pytest

from bot.applications.flow import choice_in, find_field, reads_as_answer, reads_as_question
from bot.applications.form import get_form
from bot.applications.state import ApplicationState


def slot(code: str, step: str, answered: list[str] | None = None) -> dict:
    return ApplicationState(code=code, number="BS20261130000001", step=step, answered=answered or []).to_slot()


def test_a_button_payload_carries_its_choice():
    assert choice_in('/inform{"form_choice": "随父"}') == "随父"
    assert choice_in("/affirm") is None and choice_in("随父") is None and choice_in('/inform{"form_choice":') is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("东湖区湖滨路8号一楼", True),
        ("东湖区湖滨路8号可以吗？", False),
        ("北京市朝阳区", False),
    ],
)
def test_an_address_taken_for_a_question_is_read_as_the_answer(text, expected):
    assert reads_as_answer(slot("restaurant", "field:premises_address"), text) is expected


def test_only_field_steps_take_answers_from_the_question_path():
    assert not reads_as_answer(slot("restaurant", "review"), "东湖区湖滨路8号")
    assert not reads_as_answer(None, "东湖区湖滨路8号")


@pytest.mark.parametrize(
    "step, text, expected",
    [
        ("field:business_form", "开餐饮店办下来一共要多久？", True),
        ("field:business_form", "个体工商户", False),
        ("field:floor_area", "80平吗？要算后厨吗", True),
        ("review", "营业执照多久能拿到？", True),
        ("pause", "为什么要确认？", False),
    ],
)
def test_a_question_inside_the_form_goes_to_the_knowledge_base(step, text, expected):
    assert reads_as_question(slot("restaurant", step), text) is expected


def test_a_correction_names_the_most_recently_answered_of_several_matching_fields():
    form = get_form("newborn")
    assert find_field(form, ApplicationState(code="newborn"), "宝宝名字写错了").name == "child_name"
    state = ApplicationState(code="newborn", answered=["hukou_with", "delivery"])
    assert find_field(form, state, "邮寄写错了").name == "delivery"
    assert find_field(form, state, "天气不错") is None


@pytest.mark.parametrize(
    "text, value",
    [
        ("宝宝名字写错了，应该是张一诺", "张一诺"),
        ("宝宝名字写错了，是张一诺不是张一若", "张一诺"),
        ("出生日期不对，不是今天", None),
        ("宝宝名字不对，不是这个", None),
        ("电话改成13800990001", "13800990001"),
    ],
)
def test_the_new_value_of_a_correction_is_never_the_rejected_one(text, value):
    from bot.applications.flow import _new_value

    assert _new_value(text) == value


def test_the_longest_name_wins_over_recency():
    state = ApplicationState(code="newborn", answered=["hukou_with", "delivery"])
    form = get_form("newborn")
    assert find_field(form, state, "户口地址改为示例市东湖区湖滨路8号").name == "hukou_address"
    assert find_field(form, state, "邮寄地址改为示例市东湖区湖滨路8号").name == "delivery_address"


@pytest.mark.parametrize(
    "code, step, text, expected",
    [
        ("enterprise_change", "field:new_value", "法定代表人换成何志明", False),
        ("restaurant", "field:business_form", "电话改成13800990001", True),
        ("restaurant", "field:floor_area", "店名写错了，应该是田记牛肉面馆", True),
        ("restaurant", "review", "店名改为田记牛肉面馆", True),
        ("restaurant", "field:shop_name", "田记面馆", False),
    ],
)
def test_a_change_word_alone_does_not_take_the_answer_from_the_question_asked(code, step, text, expected):
    from bot.applications.flow import _is_correction

    state = ApplicationState(code=code, step=step)
    assert _is_correction(get_form(code), state, text, None) is expected


@pytest.mark.parametrize(
    "text, step",
    [
        ("有材料暂缺", "defer_pick"),
        ("监护证明还没有", "defer_pick"),
        ("修改信息", "edit"),
        ("我要修改", "edit"),
        ("确认提交", "review"),
    ],
)
def test_typed_words_at_the_summary_do_what_its_buttons_do(text, step):
    from bot.applications.flow import _review

    state = ApplicationState(code="disability", number="BS20261130000001", step="review")
    _review(get_form("disability"), state, text, None, None)
    assert state.step == step


@pytest.mark.parametrize(
    "code, step, text, expected",
    [
        ("school_enrollment", "field:school_name", "电话改成13912345678", True),
        ("school_enrollment", "field:school_name", "孩子姓名改成王小明", True),
        ("enterprise_change", "field:change_item", "修改法定代表人", False),
        ("enterprise_change", "field:change_item", "更正法定代表人", False),
    ],
)
def test_corrections_named_while_another_question_is_asked(code, step, text, expected):
    from bot.applications.flow import _is_correction

    assert _is_correction(get_form(code), ApplicationState(code=code, step=step), text, None) is expected


@pytest.mark.parametrize("text, step", [("营业执照没问题", "review"), ("营业执照还没找到", "defer_pick")])
def test_a_material_named_without_a_problem_is_not_a_deferral(text, step):
    from bot.applications.flow import _review

    state = ApplicationState(code="enterprise_change", number="BS20261130000001", step="review")
    _review(get_form("enterprise_change"), state, text, None, None)
    assert state.step == step


def test_deferral_names_the_material_as_citizens_say_it():
    from bot.applications.flow import _wants_deferral

    assert _wants_deferral(get_form("newborn"), "结婚证没带")
