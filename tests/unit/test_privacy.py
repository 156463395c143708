import pytest

from bot.privacy import mask_identifier, mask_name, mask_text


def test_id_phone_and_credit_codes_are_masked():
    text = "我叫张三丰，身份证110101199003071234，电话13812345678，代码91110108MA01ABCD1X"
    masked = mask_text(text)
    for secret in ("110101199003071234", "13812345678", "91110108MA01ABCD1X", "张三丰"):
        assert secret not in masked
    assert "110101********1234" in masked
    assert "138****5678" in masked


def test_application_numbers_are_not_personal_data():
    assert mask_text("受理编号BS20261123000001") == "受理编号BS20261123000001"


def test_names_and_identifiers():
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_identifier("oABCDEFGHIJKLMN123") == "oABC…N123"
    assert mask_text("") == ""


@pytest.mark.parametrize(
    "typed, kept, gone",
    [
        ("身份证 110101 19900307 4514", "110101********4514", "19900307"),
        ("身份证号1101-0119-9003-0745-14", "110101********4514", "0307"),
        ("电话138-0013-8000", "138****8000", "0013"),
        ("手机 138 0013 8000 找我", "138****8000", "0013"),
        ("验证码是 482913", "验证码是 ******", "482913"),
        ("短信码：5521", "短信码：****", "5521"),
        ("住在和平路18号3栋2单元501室", "和平路**号*栋*单元***室", "501"),
        ("我是李娜，想查进度", "我是李*", "李娜"),
    ],
)
def test_the_forms_people_type_personal_data_in(typed, kept, gone):
    masked = mask_text(typed)
    assert kept in masked and gone not in masked, masked


@pytest.mark.parametrize(
    "text", ["2026年12月5日去办", "社保卡补办要20元吗", "一共 3 个 工作日", "受理编号 BS20261123000001", "12345热线"]
)
def test_what_is_not_personal_data_stays(text):
    assert mask_text(text) == text
