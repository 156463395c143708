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
