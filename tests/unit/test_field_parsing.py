"""Form answers as citizens type them, read by `bot.applications.parsing.parse_answer`.

`today` is fixed to Monday 30 November 2026 (the last day of a 30-day month), so relative
dates, weekdays and month ends are all checkable by hand.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.applications.parsing import KINDS, Parsed, chinese_number, parse_answer
from bot.geography import CITY, DISTRICTS, district_of
from bot.language.text import normalize
from bot.validation import id_check_char, uscc_check_char

TODAY = date(2026, 11, 30)
STANDARD_ID = "11010519491231002X"  # GB 11643's own example; "19491231002" inside looks like a phone
LEAP_DAY_ID = "11010520000229001" + id_check_char("11010520000229001")
USCC = "91350100M000100Y43"
OTHER_USCC = "91110108MA01ABCD1" + uscc_check_char("91110108MA01ABCD1")
PARENT = ("随父", "随母")
UTILITIES = ("用水", "用电", "用气", "宽带")


def ok(kind: str, text: str, **settings) -> object:
    parsed = parse_answer(kind, text, today=TODAY, **settings)
    assert parsed.ok, f"{kind} {text!r}: {parsed.problem}"
    assert parsed.problem is None
    return parsed.value


def problem(kind: str, text: str, **settings) -> str:
    parsed = parse_answer(kind, text, today=TODAY, **settings)
    assert not parsed.ok and parsed.value is None, f"{kind} {text!r} was read as {parsed.value!r}"
    assert parsed.problem and parsed.problem.endswith("。")
    return parsed.problem


# --- the result type and the API -----------------------------------------------------------


def test_parsed_is_ok_only_with_a_value_and_no_problem():
    assert Parsed("x").ok
    assert Parsed(False).ok  # "no" is an answer
    assert not Parsed(None, "请重新输入。").ok
    assert not Parsed(None).ok


def test_every_documented_kind_has_a_reader():
    assert set(KINDS) == {
        "text",
        "name",
        "id_number",
        "uscc",
        "phone",
        "date",
        "int",
        "bool",
        "choice",
        "choices",
        "address",
    }


def test_unknown_kind_and_choice_without_choices_are_programming_errors():
    with pytest.raises(ValueError):
        parse_answer("colour", "红色")
    with pytest.raises(ValueError):
        parse_answer("choice", "随父")
    with pytest.raises(ValueError):
        parse_answer("choices", "都要")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_answers_get_a_reason_for_every_kind(kind, text):
    parsed = parse_answer(kind, text, choices=PARENT, today=TODAY)
    assert not parsed.ok and "还没有填写" in parsed.problem


def test_today_defaults_to_the_current_day_in_shanghai():
    assert parse_answer("date", "今天").value == datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


def test_the_label_names_the_field_in_reasons():
    assert "座位数" in problem("int", "500", maximum=200, label="座位数")
    assert "联系电话" in problem("phone", "123", label="联系电话")
    assert "孩子姓名" in problem("name", "好的", label="孩子姓名")


# --- text ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("老王面馆", "老王面馆"),
        ("  老王面馆  ", "老王面馆"),
        ("就叫老王面馆吧", "老王面馆"),
        ("叫老王面馆", "老王面馆"),
        ("是老王面馆", "老王面馆"),
        ("名称是示例餐饮有限公司", "示例餐饮有限公司"),
        ("是否营业", "是否营业"),  # 是 belongs to the content
        ("是的", "是的"),  # nothing left to keep after the wrapper
        ("ABC-123", "ABC-123"),
        ("主要经营早餐和午餐，是社区里的小店，店里有八个座位", "主要经营早餐和午餐，是社区里的小店，店里有八个座位"),
        ("是" + "长" * 40, "是" + "长" * 40),  # long answers are kept verbatim
    ],
)
def test_text_accepted(text, value):
    assert ok("text", text) == value


@pytest.mark.parametrize("text", ["？？？", "……", "!!!", "。，、"])
def test_text_without_content_is_rejected(text):
    assert "有效的内容" in problem("text", text)


def test_text_over_200_characters_is_rejected():
    assert ok("text", "字" * 200) == "字" * 200
    assert "200字以内" in problem("text", "字" * 201)


# --- name ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("张小明", "张小明"),
        ("王芳", "王芳"),  # two characters: the most common kind of name
        ("我叫张小明", "张小明"),
        ("名字叫张一诺", "张一诺"),
        ("张一诺吧", "张一诺"),
        ("就叫张一诺", "张一诺"),
        ("那就叫张一诺吧", "张一诺"),
        ("孩子叫李想", "李想"),
        ("我的名字是欧阳娜娜。", "欧阳娜娜"),
        ("姓名：阿依古丽·买买提", "阿依古丽·买买提"),
        ("阿依古丽•买买提", "阿依古丽·买买提"),
        ("阿依古丽・买买提", "阿依古丽·买买提"),
        ("那英", "那英"),  # 那 is a surname, not a filler
        ("张 小 明", "张小明"),
        ("爱" * 20, "爱" * 20),
    ],
)
def test_names_accepted(text, value):
    assert ok("name", text) == value


@pytest.mark.parametrize("text", ["不知道", "还没想好", "还没起名字", "待定", "随便", "不记得了"])
def test_undecided_names_get_their_own_reason(text):
    assert "确定的姓名" in problem("name", text)


@pytest.mark.parametrize(
    "text",
    [
        "好的",
        "可以",
        "没有",
        "不办了",
        "张",
        "John Smith",
        "张小明123",
        "爱" * 21,
        "阿依古丽··买买提",
        "·买买提",
        "你好吗",
        "谢谢",
    ],
)
def test_non_names_are_rejected(text):
    assert "没能识别出姓名" in problem("name", text)


# --- ID number -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (STANDARD_ID, STANDARD_ID),
        (STANDARD_ID.lower(), STANDARD_ID),
        (f"我的身份证号是{STANDARD_ID}，麻烦了", STANDARD_ID),
        ("110105 19491231 002X", STANDARD_ID),
        ("110105-19491231-002x", STANDARD_ID),
        (LEAP_DAY_ID, LEAP_DAY_ID),
        (f"张小明 {LEAP_DAY_ID} 13800990001", LEAP_DAY_ID),
    ],
)
def test_id_numbers_accepted(text, value):
    assert ok("id_number", text) == value


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("110105194912310021", "身份证号码的校验位不对，请核对后重新输入。"),
        ("11010519491331002X", "出生日期"),  # month 13
        ("11010519490229002X", "出生日期"),  # 1949 is not a leap year
        ("01010519491231002X", "格式不对"),
        ("1101051949123100AB", "格式不对"),
        ("1101051949123100", "应为18位，您输入的是16位"),
        ("11010519491231002X1", "应为18位，您输入的是19位"),
        ("110105491231002", "15位的老身份证号码"),
        ("我忘了", "没有找到身份证号码"),
    ],
)
def test_id_number_reasons_tell_shape_date_and_check_digit_apart(text, reason):
    assert reason in problem("id_number", text)


# --- unified social credit code ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [(USCC, USCC), (USCC.lower(), USCC), (f"代码：{OTHER_USCC}", OTHER_USCC), ("9135 0100 M000 100Y 43", USCC)],
)
def test_uscc_accepted(text, value):
    assert ok("uscc", text) == value


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("91350100M000100Y44", "校验位不对"),
        ("91350100I000100Y43", "格式不对"),  # I is not in the GB 32100 alphabet
        ("9135010OM000100Y43", "格式不对"),  # letter O where the area code's digits go
        ("91350100M000100Y4", "应为18位，您输入的是17位"),
        ("还没有营业执照", "没有找到统一社会信用代码"),
    ],
)
def test_uscc_rejected(text, reason):
    assert reason in problem("uscc", text)


# --- phone ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "13800990001",
        "138 0099 0001",
        "138-0099-0001",
        "电话是13800990001，白天都在",
        "+86 13800990001",
        "+8613800990001",
        "86-13800990001",
        "手机13800990001 座机0571-88886666",
    ],
)
def test_phones_accepted(text):
    assert ok("phone", text) == "13800990001"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (STANDARD_ID, "应为11位"),  # 19491231002 inside the ID must not be taken for a phone
        ("110105194912310021", "应为11位"),
        ("138009900011", "应为11位，您输入的是12位"),
        ("1380099000", "应为11位，您输入的是10位"),
        ("12800990001", "应以13到19开头"),
        ("0571-88886666", "固定电话"),
        ("没有手机", "没有找到手机号码"),
    ],
)
def test_phones_rejected(text, reason):
    assert reason in problem("phone", text)


def test_phone_next_to_an_id_number_is_found_but_not_inside_it():
    assert ok("phone", f"{STANDARD_ID}，13900990002") == "13900990002"


# --- date ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2026年5月1日", "2026-05-01"),
        ("2026-05-01", "2026-05-01"),
        ("2026/5/1", "2026-05-01"),
        ("2026.5.1", "2026-05-01"),
        ("20260501", "2026-05-01"),
        ("26年5月1日", "2026-05-01"),
        ("5月1日", "2026-05-01"),
        ("5月1号", "2026-05-01"),
        ("大概是12月25号吧", "2026-12-25"),  # no year: this year, even when it is ahead
        ("今天", "2026-11-30"),
        ("昨天", "2026-11-29"),
        ("前天", "2026-11-28"),
        ("大前天", "2026-11-27"),
        ("明天", "2026-12-01"),
        ("后天", "2026-12-02"),
        ("大后天", "2026-12-03"),
        ("上个月3号", "2026-10-03"),
        ("上月3日", "2026-10-03"),
        ("上个月31号", "2026-10-31"),
        ("下个月15号", "2026-12-15"),
        ("下个月31号", "2026-12-31"),
        ("本月1号", "2026-11-01"),
        ("15号", "2026-11-15"),
        ("上周五", "2026-11-27"),
        ("上上周五", "2026-11-20"),
        ("下周三", "2026-12-09"),
        ("这周五", "2026-12-04"),
        ("本周五", "2026-12-04"),
        ("周一", "2026-11-30"),
        ("星期天", "2026-12-06"),
        ("上礼拜日", "2026-11-29"),
        ("3天前", "2026-11-27"),
        ("10天后", "2026-12-10"),
        ("两周后", "2026-12-14"),
        ("一个星期以前", "2026-11-23"),
        ("3个月前", "2026-08-30"),
        ("1年后", "2027-11-30"),
        ("月底", "2026-11-30"),
        ("上个月底", "2026-10-31"),
        ("下月末", "2026-12-31"),
        ("2月底", "2026-02-28"),
        ("2028年2月底", "2028-02-29"),
        ("去年12月31日", "2025-12-31"),
        ("明年1月1日", "2027-01-01"),
        ("二〇二六年五月一日", "2026-05-01"),
        ("二零二六年十二月三十一日", "2026-12-31"),
        ("五月一号", "2026-05-01"),
        ("十一月三十日", "2026-11-30"),
        ("上个月三号", "2026-10-03"),
        ("上个月三十一号", "2026-10-31"),
        ("三天前", "2026-11-27"),
        ("下周三", "2026-12-09"),
        ("2028年2月29日", "2028-02-29"),  # leap year
        ("2000年2月29日", "2000-02-29"),  # divisible by 400: leap
        ("2026 年 5 月 1 日", "2026-05-01"),
    ],
)
def test_dates_accepted(text, value):
    assert ok("date", text) == value


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2月30日", "2026年2月没有30日（这个月只有28天）"),
        ("2026年2月29日", "2026年2月没有29日"),  # not a leap year
        ("2100年2月29日", "2100年2月没有29日"),  # divisible by 100, not by 400
        ("4月31日", "2026年4月没有31日（这个月只有30天）"),
        ("这个月31号", "2026年11月没有31日"),
        ("13月1日", "没有13月"),
        ("2026年0月1日", "没有0月"),
        ("5月0日", "2026年5月没有0日"),
        ("1800年1月1日", "1800年看起来不对"),
        ("2026年5月", "具体是5月几号"),
        ("五月份", "具体是5月几号"),
        ("不记得了", "没能看懂这个日期"),
        ("下周", "没能看懂这个日期"),
        ("上个月", "没能看懂这个日期"),
    ],
)
def test_impossible_or_unclear_dates_get_a_reason(text, reason):
    assert reason in problem("date", text)


def test_last_month_31st_when_last_month_has_30_days():
    parsed = parse_answer("date", "上个月31号", today=date(2026, 12, 10))
    assert not parsed.ok and "2026年11月没有31日（这个月只有30天）" in parsed.problem
    assert parse_answer("date", "上个月30号", today=date(2026, 12, 10)).value == "2026-11-30"


@pytest.mark.parametrize(
    ("today", "text", "value"),
    [
        (date(2026, 1, 31), "1个月后", "2026-02-28"),  # no 31 February: the month's last day
        (date(2028, 1, 31), "1个月后", "2028-02-29"),
        (date(2028, 2, 29), "1年后", "2029-02-28"),
        (date(2026, 1, 15), "上个月3号", "2025-12-03"),  # across the year boundary
        (date(2026, 12, 15), "下个月3号", "2027-01-03"),
        (date(2026, 1, 5), "上上个月底", "2025-11-30"),
        (date(2027, 1, 3), "上周五", "2026-12-25"),  # a Sunday: the week began on Monday
        (date(2027, 1, 3), "这周五", "2027-01-01"),
        (date(2026, 3, 1), "3天前", "2026-02-26"),
        (date(2028, 3, 1), "昨天", "2028-02-29"),
        (date(2026, 12, 31), "明天", "2027-01-01"),
    ],
)
def test_relative_dates_at_month_and_year_edges(today, text, value):
    assert parse_answer("date", text, today=today).value == value


def test_dates_from_normalised_traditional_and_full_width_text():
    assert ok("date", normalize("上個月三號")) == "2026-10-03"
    assert ok("date", normalize("２０２６年５月１日")) == "2026-05-01"


def test_huge_relative_spans_are_reasons_not_crashes():
    assert "年看起来不对" in problem("date", "9999年后")
    assert "没能看懂" in problem("date", "100000天前")


# --- integers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("80", 80),
        ("80平", 80),
        ("八十平米", 80),
        ("大概80平方米", 80),
        ("30个座位", 30),
        ("两百", 200),
        ("一百二十", 120),
        ("一百二", 120),  # spoken short form of 一百二十
        ("一百零五", 105),
        ("两千零二十六", 2026),
        ("两万五", 25000),
        ("十五", 15),
        ("十", 10),
        ("1,200", 1200),
        ("1，200元", 1200),
        ("约50", 50),
        ("一共八十平", 80),
        ("3万", 30000),
        ("1.5万", 15000),
        ("0", 0),
        ("80.0", 80),
    ],
)
def test_integers_accepted(text, value):
    assert ok("int", text) == value


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("不知道", "没有看到数字"),
        ("80.5", "需要填写整数"),
        ("80到100平", "好几个数字（80、100）"),
        ("三室两厅", "好几个数字"),
    ],
)
def test_integers_rejected(text, reason):
    assert reason in problem("int", text)


@pytest.mark.parametrize(
    ("text", "settings", "reason"),
    [
        ("150", {"minimum": 1, "maximum": 100, "label": "座位数"}, "座位数应在1到100之间"),
        ("0", {"minimum": 1, "maximum": 100}, "这个数应在1到100之间"),
        ("0", {"minimum": 1, "label": "面积"}, "面积不能小于1"),
        ("两千", {"maximum": 1000, "label": "面积"}, "面积不能大于1000"),
    ],
)
def test_integer_range_is_enforced_with_the_range_named(text, settings, reason):
    assert reason in problem("int", text, **settings)


def test_integer_range_bounds_are_inclusive():
    assert ok("int", "1", minimum=1, maximum=100) == 1
    assert ok("int", "一百", minimum=1, maximum=100) == 100


@pytest.mark.parametrize(
    ("run", "value"),
    [
        ("二〇二六", 2026),
        ("二零零八", 2008),
        ("一", 1),
        ("十一", 11),
        ("二十", 20),
        ("三十一", 31),
        ("一百", 100),
        ("三千五", 3500),
        ("十万", 100000),
        ("十二万三千", 123000),
        ("一千万", 10000000),
    ],
)
def test_chinese_numbers(run, value):
    assert chinese_number(run) == value


# --- yes / no ------------------------------------------------------------------------------

YES = [
    "是",
    "是的",
    "对",
    "对的",
    "要",
    "需要",
    "有",
    "同意",
    "好",
    "好的",
    "可以",
    "行",
    "设置",
    "办",
    "参保",
    "已经",
    "已清理",
    "清了",
    "已经清理了",
    "嗯",
    "嗯嗯",
    "确认",
    "没问题",
    "没错",
    "不错",
    "我要办",
    "那就办吧",
    "要的。",
    "OK",
    "yes",
    "需要设置",
]
NO = [
    "否",
    "不",
    "不是",
    "不要",
    "不需要",
    "没有",
    "无",
    "不用",
    "不用了",
    "不设",
    "暂不",
    "暂不需要",
    "暂时不需要",
    "没有欠税",
    "未参保",
    "还没清理",
    "嗯，不需要",
    "我不需要",
    "我们公司没有",
    "都不要",
    "no",
    "别办了",
    "不对",
]
UNCLEAR = ["不知道", "我不清楚", "无所谓", "需要吗", "要不要办？", "有没有都行吗", "哦", "随便", "天气", "什么意思"]


@pytest.mark.parametrize("text", YES)
def test_yes(text):
    assert ok("bool", text) is True


@pytest.mark.parametrize("text", NO)
def test_no(text):
    assert ok("bool", text) is False


@pytest.mark.parametrize("text", UNCLEAR)
def test_unclear_yes_no_asks_for_yes_or_no(text):
    assert "请回答“是”或“否”" in problem("bool", text)


def test_unclear_yes_no_names_the_question():
    assert "是否设置户外招牌" in problem("bool", "哦", label="是否设置户外招牌")


# --- one choice ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("随父", "随父"),
        ("随父亲", "随父"),
        ("随母亲吧", "随母"),
        ("我选随母", "随母"),
        ("1", "随父"),
        ("2", "随母"),
        ("第一个", "随父"),
        ("第二项", "随母"),
        ("选2", "随母"),
        ("跟父亲", "随父"),  # distinctive character 父
        ("母", "随母"),
        ("不随父，随母", "随母"),
        ("随母不随父", "随母"),
    ],
)
def test_choice_accepted(text, value):
    assert ok("choice", text, choices=PARENT) == value


@pytest.mark.parametrize(
    ("text", "choices", "value"),
    [
        ("个体户", ("个体工商户", "有限责任公司", "股份有限公司"), "个体工商户"),
        ("股份公司", ("个体工商户", "有限责任公司", "股份有限公司"), "股份有限公司"),
        ("不需要", ("需要", "不需要"), "不需要"),
        ("不需要了", ("需要", "不需要"), "不需要"),
        ("需要", ("需要", "不需要"), "需要"),
        ("WeChat", ("wechat", "短信"), "wechat"),
    ],
)
def test_choice_among_similar_titles(text, choices, value):
    assert ok("choice", text, choices=choices) == value


@pytest.mark.parametrize(
    ("text", "choices", "value"),
    [
        ("4级", ("一级", "二级", "三级", "四级"), "四级"),  # numerals compared in Arabic figures
        ("三", ("一级", "二级", "三级", "四级"), "三级"),
        ("三级残疾", ("一级", "二级", "三级", "四级"), "三级"),
        ("是个女孩", ("男", "女"), "女"),
        ("寄到家里", ("邮寄到家", "申请点自取"), "邮寄到家"),
        ("自己去拿", ("邮寄到家", "申请点自取"), "申请点自取"),
        ("社保", ("社会保险", "医疗保险"), "社会保险"),  # abbreviation keeps characters in order
        ("换法人", ("名称", "住所", "法定代表人", "经营范围", "注册资本"), "法定代表人"),
        ("注册资金", ("名称", "住所", "法定代表人", "经营范围", "注册资本"), "注册资本"),
    ],
)
def test_choice_as_citizens_say_it(text, choices, value):
    assert ok("choice", text, choices=choices) == value


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("随", "您说的可能是“随父”或“随母”"),
        ("随父还是随母", "您说的可能是“随父”或“随母”"),
        ("3", "没能确定您选的是哪一项"),
        ("第零个", "没能确定您选的是哪一项"),
        ("不随父", "没能确定您选的是哪一项"),
        ("随便", "没能确定您选的是哪一项"),
        ("外婆家", "没能确定您选的是哪一项"),
    ],
)
def test_choice_rejected_lists_the_choices(text, reason):
    reason_given = problem("choice", text, choices=PARENT)
    assert reason in reason_given
    assert "1.随父、2.随母" in reason_given


# --- several choices -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("水电气都要", ["用水", "用电", "用气"]),
        ("全部", list(UTILITIES)),
        ("都要", list(UTILITIES)),
        ("全部都要", list(UTILITIES)),
        ("宽带、用水", ["用水", "宽带"]),  # the choices' order, not the citizen's
        ("用水、用电和宽带", ["用水", "用电", "宽带"]),
        ("用水,用电，用气", ["用水", "用电", "用气"]),
        ("用水及宽带", ["用水", "宽带"]),
        ("用电跟用气", ["用电", "用气"]),
        ("水和电", ["用水", "用电"]),
        ("水电", ["用水", "用电"]),
        ("宽带", ["宽带"]),
        ("用水用电", ["用水", "用电"]),
        ("1和3", ["用水", "用气"]),
        ("除了宽带都要", ["用水", "用电", "用气"]),
        ("用水用电，宽带不要", ["用水", "用电"]),
        ("要用水，不要宽带", ["用水"]),
        ("用水、用水", ["用水"]),
    ],
)
def test_several_choices_accepted(text, value):
    assert ok("choices", text, choices=UTILITIES) == value


FOOD = ("仅销售预包装食品", "热食类制售", "冷食类制售", "生食类制售", "糕点类制售", "自制饮品制售")
RECORDS = ("企业登记", "机动车", "不动产", "社会保险", "医疗保险", "住房公积金", "纳税", "海关")


@pytest.mark.parametrize(
    ("text", "choices", "value"),
    [
        ("热食冷食", FOOD, ["热食类制售", "冷食类制售"]),
        ("热食、饮品", FOOD, ["热食类制售", "自制饮品制售"]),
        ("只卖预包装食品", FOOD, ["仅销售预包装食品"]),
        ("社保医保公积金", RECORDS, ["社会保险", "医疗保险", "住房公积金"]),
        ("社保和医保", RECORDS, ["社会保险", "医疗保险"]),
        ("不动产和纳税", RECORDS, ["不动产", "纳税"]),  # 不 inside a title is not a refusal
        ("除了海关都要", RECORDS, list(RECORDS[:-1])),
        ("股份公司", ("有限责任公司", "股份有限公司"), ["股份有限公司"]),
    ],
)
def test_several_choices_as_citizens_say_them(text, choices, value):
    assert ok("choices", text, choices=choices) == value


def test_several_choices_with_a_shared_fragment_only_are_unclear():
    assert "没能确定“类制售”" in problem("choices", "类制售", choices=FOOD)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("都不要", "请至少选择一项"),
        ("网络", "没能确定“网络”指的是哪一项"),
        ("用水和网络", "没能确定“网络”指的是哪一项"),
        ("除了水电气宽带都要", "请至少选择一项"),
    ],
)
def test_several_choices_rejected_lists_the_choices(text, reason):
    reason_given = problem("choices", text, choices=UTILITIES)
    assert reason in reason_given
    assert "1.用水、2.用电、3.用气、4.宽带" in reason_given


# --- address -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("东湖区幸福路12号", "示例市东湖区幸福路12号"),
        ("示例市东湖区幸福路12号", "示例市东湖区幸福路12号"),
        ("我住在示例市西山区人民路8号3栋", "示例市西山区人民路8号3栋"),
        ("地址是南港区港湾大道100号", "示例市南港区港湾大道100号"),
        ("北川区 建设街 5号", "示例市北川区建设街5号"),
        ("中心区人民医院", "示例市中心区人民医院"),
        ("高新技术产业开发区科技路8号", "示例市高新技术产业开发区科技路8号"),
        ("东湖区幸福路12号华联超市旁", "示例市东湖区幸福路12号华联超市旁"),
        ("高新区科技路8号。", "示例市高新区科技路8号"),
    ],
)
def test_addresses_accepted(text, value):
    assert ok("address", text) == value


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("北京市朝阳区建国路1号", "只能办理示例市的业务"),
        ("广州市东湖区幸福路1号", "只能办理示例市的业务"),
        ("浙江省杭州市西湖区文三路1号", "只能办理示例市的业务"),
        ("幸福路12号", "写明所在的区"),
        ("示例市幸福路12号", "写明所在的区"),
        ("东湖区", "再写详细一些"),
        ("示例市东湖区幸福路", "再写详细一些"),
    ],
)
def test_addresses_rejected_list_the_districts(text, reason):
    reason_given = problem("address", text)
    assert reason in reason_given
    assert "、".join(DISTRICTS) in reason_given or "详细" in reason


@pytest.mark.parametrize(
    ("address", "district"),
    [
        ("示例市东湖区幸福路12号", "东湖区"),
        ("高新技术开发区科技路8号", "高新区"),
        ("西山区东湖路5号", "西山区"),
        ("北川区，原中心区", "北川区"),
        ("幸福路12号", None),
        ("", None),
    ],
)
def test_district_of(address, district):
    assert district_of(address) == district


def test_geography_constants():
    assert CITY == "示例市"
    assert DISTRICTS == ("中心区", "东湖区", "西山区", "南港区", "北川区", "高新区")


@pytest.mark.parametrize("text, value", [("200千瓦", 200), ("大约两百千瓦", 200), ("3千平米", 3000), ("50千克", 50)])
def test_kilo_units_are_not_the_numeral_thousand(text, value):
    assert parse_answer("int", text, minimum=1, maximum=100000).value == value


@pytest.mark.parametrize("text", ["三四级吧", "3或4级", "二到三级"])
def test_two_grades_at_once_are_not_one_choice(text):
    parsed = parse_answer("choice", text, choices=("一级", "二级", "三级", "四级"))
    assert not parsed.ok and parsed.problem


def test_one_grade_is_still_read():
    assert parse_answer("choice", "三级吧", choices=("一级", "二级", "三级", "四级")).value == "三级"
    assert parse_answer("choice", "4级", choices=("一级", "二级", "三级", "四级")).value == "四级"


@pytest.mark.parametrize(
    ("said", "iso"),
    [
        ("1966年农历七月初八", "1966-08-23"),
        ("2025年农历闰六月十五", "2025-08-08"),
        ("2026年阴历八月十五", "2026-09-25"),
    ],
)
def test_a_lunar_date_is_its_gregorian_day_never_the_same_month_and_day(said, iso):
    assert parse_answer("date", said, label="出生日期").value == iso


def test_a_lunar_date_the_year_does_not_have_is_refused_in_words():
    parsed = parse_answer("date", "2026年农历闰六月十五", label="出生日期")
    assert parsed.value is None and "没有闰6月15日" in parsed.problem
