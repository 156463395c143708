from bot.language.text import MAX_MESSAGE_CHARS, normalize, strip_noise, to_half_width, to_simplified


def test_traditional_becomes_simplified():
    assert normalize("孩子出生了要辦什麼手續") == "孩子出生了要办什么手续"
    assert to_simplified("開辦餐飲店需要營業執照嗎") == "开办餐饮店需要营业执照吗"


def test_full_width_ascii_becomes_half_width_but_chinese_punctuation_stays():
    assert to_half_width("ＢＳ２０２６ａｂｃ") == "BS2026abc"
    assert normalize("好的，谢谢！") == "好的，谢谢！"


def test_emoji_and_control_characters_are_dropped():
    assert normalize("😀👍🎉") == ""
    assert normalize("你\x00好\u200b\x07") == "你好"
    assert strip_noise("办  退休 \n\n 手续") == "办 退休 手续"


def test_empty_and_none():
    assert normalize("") == ""
    assert normalize(None) == ""
    assert normalize("   ") == ""


def test_long_messages_are_cut():
    assert len(normalize("办" * 5000)) == MAX_MESSAGE_CHARS


def test_html_and_sql_fragments_are_kept_as_plain_text():
    text = "<script>alert(1)</script>'; DROP TABLE users; --"
    assert normalize(text) == text
