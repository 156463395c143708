import pytest

from bot.validation import (
    id_check_char,
    is_valid_application_no,
    is_valid_id_number,
    is_valid_phone,
    is_valid_uscc,
    uscc_check_char,
)


def test_id_number_check_digit_gb11643():
    # the standard's own example
    assert id_check_char("11010519491231002") == "X"
    assert is_valid_id_number("11010519491231002X")
    assert is_valid_id_number("11010519491231002x")


@pytest.mark.parametrize(
    "value",
    [
        "110105194912310021",  # wrong check digit
        "11010519491331002X",  # month 13
        "11010519490230002X",  # 30 February
        "01010519491231002X",  # leading zero
        "1101051949123100",  # too short
        "",
        "abcdefghijklmnopqr",
    ],
)
def test_invalid_id_numbers(value):
    assert not is_valid_id_number(value)


def test_uscc_check_character_gb32100():
    assert uscc_check_char("91350100M00010") is not None
    assert is_valid_uscc("91350100M000100Y43")
    assert not is_valid_uscc("91350100M000100Y44")
    assert not is_valid_uscc("91350100I000100Y43")  # I is not in the alphabet
    body = "91110108MA01ABCD1"
    assert is_valid_uscc(body + uscc_check_char(body))


def test_phone_and_application_numbers():
    assert is_valid_phone("13812345678")
    assert not is_valid_phone("12812345678")
    assert not is_valid_phone("1381234567")
    assert is_valid_application_no("BS20261123000001")
    assert not is_valid_application_no("BS2026112300001")
