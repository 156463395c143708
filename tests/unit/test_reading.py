"""How a message reads beyond its intent (bot/reading.py), needs outside the 13 (bot/scope.py)
and personal questions answered by the calculators (bot/calculators/answers.py)."""

from __future__ import annotations

import pytest

from bot.calculators.answers import CREDIT, RETIREMENT, Calculation, minimum_contribution, personal_answer, remembered
from bot.reading import CONTINUATION, read
from bot.scope import elsewhere_reply, outside_need


@pytest.mark.parametrize(
    ("text", "aspect"),
    [
        ("要准备哪些材料", "materials"),
        ("收費嗎", "fee"),
        ("要钱不", "fee"),
        ("需要什么条件", "conditions"),
        ("在哪办", "place"),
        ("几点上班？周六开不开门", "hours"),
        ("能不能网上办", "online"),
        ("得跑几趟", "visits"),
        ("多久能办好", "duration"),
    ],
)
def test_a_follow_up_names_only_a_side_of_the_topic(text, aspect):
    reading = read(text)
    assert reading.asks and reading.aspect == aspect and reading.follow_up


@pytest.mark.parametrize(
    "text",
    ["孩子出生了，要办哪些手续", "儿子明年要上小学了，怎么报名", "我想开个小饭馆", "好的", "同意", "不用了"],
)
def test_asking_what_to_do_is_a_need_not_a_question(text):
    assert not read(text).asks


@pytest.mark.parametrize(
    ("text", "wants"),
    [("補辦社保卡要錢嗎", False), ("公司改名要重新刻章吗", False), ("想开个面馆，要多久能开业？", True)],
)
def test_a_question_that_names_a_service_is_a_question_and_may_carry_a_need(text, wants):
    reading = read(text)
    assert reading.asks and reading.wants == wants and not reading.follow_up


def test_a_question_with_its_own_topic_is_not_a_follow_up():
    assert not read("孩子上学要什么条件").follow_up
    assert CONTINUATION.match("那小餐饮登记证呢") and not CONTINUATION.match("小餐饮登记证有效期几年")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("我想跑网约车", "网约车、出租车证照"),
        ("想在步行街开个服装店，执照咋办", "一般店铺的开办"),
        ("我们俩准备领结婚证，要带啥", "婚姻登记"),
        ("我想整本護照 下個月去旅行", "护照、港澳台通行证"),
        ("买了套房，想把公积金提出来付首付", "住房公积金提取和贷款"),
        ("我个人征信上有信用卡逾期", "个人征信"),
    ],
)
def test_needs_outside_the_13_are_named_with_where_to_go(text, name):
    entry = outside_need(text)
    assert entry is not None and entry.name == name
    reply = elsewhere_reply(entry).text
    assert "一网通办" in reply and "12345" in reply and "不在" in reply


@pytest.mark.parametrize(
    "text",
    ["那等我退休的时候公积金咋取", "给新生儿上户口要带结婚证吗", "店里还要拉宽带、接电", "补办社保卡要钱吗", "你好"],
)
def test_needs_inside_the_13_are_not_sent_elsewhere(text):
    assert outside_need(text) is None


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("我是66年7月的男的 啥时候能退休", ["60周岁5个月", "2026年12月"]),
        ("我男的，1970年6月出生，在厂里上班，啥时候能退休？", ["2031年11月", "16年", "2030年6月", "2031年8月"]),
        ("我是1980年10月出生的女工人，原来是50岁退休，现在几时退？", ["52周岁11个月", "2033年9月", "17年"]),
        ("我是1975年3月生的女同志，做会计，原来55岁退休", ["56周岁4个月", "2031年7月"]),
    ],
)
def test_retirement_is_computed_from_the_rule_not_copied_from_the_faq(text, facts):
    personal = personal_answer(text, None)
    assert personal is not None and personal.service_code == "retirement"
    assert all(fact in personal.reply.text for fact in facts), personal.reply.text
    assert "2026年5月" not in personal.reply.text  # the FAQ's example for someone else
    assert "来源：《退休一件事》" in personal.reply.text


def test_a_woman_of_unknown_category_hears_both_rules():
    text = personal_answer("我是女的，1972年8月出生，什么时候退休", None).reply.text
    assert "55周岁8个月" in text and "女工人" in text and "女干部" in text


def test_a_retirement_follow_up_uses_the_birth_month_said_before():
    kept = Calculation(RETIREMENT, 1970, 6, category="男职工")
    for text in ("那到时候最少得交够多少年社保", "能不能提前退？最早啥时候", "单位最早啥时候能开始给我报"):
        personal = personal_answer(text, "retirement", kept)
        assert personal is not None and "2031年11月" in personal.reply.text
    assert personal_answer("退休以后医保还要接着交吗", "retirement", kept) is None


def test_minimum_contribution_rises_six_months_a_year_from_2030():
    assert [minimum_contribution(y) for y in (2029, 2030, 2032, 2039, 2045)] == [
        "15年",
        "15年6个月",
        "16年6个月",
        "20年",
        "20年",
    ]


@pytest.mark.parametrize(
    ("text", "year", "wrong"),
    [
        ("娃是2021年8月31号生的，2027年能上小学不", "2027年秋季", "2028年秋季"),
        ("孩子2022年9月5号出生的，哪年能上一年级？", "2029年秋季", "2028年秋季"),
        ("孩子2021年9月1日生的，2027年能上小学吗", "2028年秋季入学", "可以在2027年"),
    ],
)
def test_school_entry_across_the_31_august_cut(text, year, wrong):
    answer = personal_answer(text, None).reply.text
    assert year in answer and wrong not in answer


@pytest.mark.parametrize(
    ("text", "code", "due"),
    [
        ("2026年11月2日（周一）受理的，最晚哪天能办完？", "newborn", "2026年11月9日"),
        ("我们2026年11月13日受理的，最晚哪天能办完", "restaurant", "2026年11月18日"),
        ("2026年9月28日提交申请受理的，最晚哪天办结", "disability", "2026年10月"),
    ],
)
def test_deadlines_count_official_working_days(text, code, due):
    answer = personal_answer(text, code).reply.text
    assert due in answer and "个工作日" in answer


def test_credit_repair_dates_follow_the_penalty_date_said_earlier():
    kept = remembered("我们公司2026年5月20日被环保局罚了3万，罚款交了", None)
    assert kept == Calculation(CREDIT, 2026, 5, 20)
    start = personal_answer("平台上标的是一般失信，最早啥时候能申请？", "credit_repair", kept).reply.text
    assert "2026年8月20日" in start and "严重失信" not in start
    end = personal_answer("要是不申请，啥时候自动不公示了", "credit_repair", kept).reply.text
    assert "2027年5月20日" in end


def test_questions_without_personal_dates_are_left_to_the_knowledge_base():
    for text in ("退休要准备什么材料", "社保卡补办要多久", "孩子上学要什么条件"):
        assert personal_answer(text, "retirement") is None


def test_a_deadline_in_a_year_without_a_holiday_notice_says_it_assumed_weekends():
    answer = personal_answer("2031年3月3日受理的，最晚哪天能办完", "newborn").reply.text
    assert "2031年3月10日" in answer and "尚未发布" in answer
