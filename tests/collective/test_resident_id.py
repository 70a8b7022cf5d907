# ruff: noqa: RUF001 - the expected messages are Chinese, with Chinese punctuation
"""GB 11643 resident ID numbers: the checks a roster needs, in the messages officials read."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from collective.resident_id import check_character, make_id_number, validate_id_number

# 11010519491231002X is the standard's own example number.
VALID = "11010519491231002X"


def refusal(number: str, **kwargs) -> tuple[str, str]:
    with pytest.raises(ValidationError) as caught, translation.override("zh-hans"):
        validate_id_number(number, **kwargs)
    error = caught.value
    with translation.override("zh-hans"):
        return error.code, error.messages[0]


def test_the_standards_example_number_is_valid_and_says_who():
    check = validate_id_number(VALID)
    assert check.birth_date == date(1949, 12, 31)
    assert check.sex == "female"
    assert check.warnings == []


def test_a_valid_number_with_a_digit_check_character():
    number = make_id_number("530102", date(1985, 3, 7), 11)
    # Worked by hand: the weighted sum is 217, 217 mod 11 = 8, and remainder 8 maps to "4".
    assert number == "530102198503070114"
    assert validate_id_number(number, birth_date=date(1985, 3, 7)).sex == "male"


def test_a_wrong_check_character_is_refused():
    assert refusal("110105194912310021") == ("checksum", "校验码（最后一位）不符，号码有输入错误。")


def test_a_typing_error_in_the_body_is_caught_by_the_check_character():
    assert refusal("11010519491231003X")[0] == "checksum"


def test_an_impossible_birth_date_is_refused():
    first_17 = "53010219850230011"  # 30 February
    assert refusal(first_17 + check_character(first_17)) == (
        "birth_date",
        "身份证号中的出生日期（第 7 至 14 位）不是有效日期。",
    )


def test_a_birth_date_in_the_future_is_refused():
    tomorrow = date.today() + timedelta(days=1)
    assert refusal(make_id_number("530102", tomorrow, 11))[0] == "birth_date"


def test_a_lower_case_x_is_written_as_x_and_said_so():
    with translation.override("zh-hans"):
        check = validate_id_number(VALID.lower())
    assert check.number == VALID
    assert check.warnings == ["身份证号已规范化（小写 x 改为大写 X）：1101**********002X。"]


def test_an_old_15_digit_number_is_refused():
    assert refusal("110105491231002") == ("old_format", "这是旧的 15 位身份证号，请输入现行身份证的 18 位号码。")


@pytest.mark.parametrize("number", ["", "53010219850307011", "5301021985030701170", "53010219850307O117"])
def test_numbers_of_the_wrong_length_or_characters_are_refused(number):
    assert refusal(number)[0] in {"length", "characters"}


def test_a_birth_date_that_differs_from_the_number_is_refused():
    code, message = refusal(VALID, birth_date=date(1949, 12, 30))
    assert code == "birth_date_mismatch"
    assert message == "身份证号中的出生日期为 1949-12-31，但填写的出生日期为 1949-12-30。"


def test_an_unknown_region_is_a_warning_not_an_error():
    number = make_id_number("990101", date(1970, 1, 1), 11)
    check = validate_id_number(number)
    assert check.birth_date == date(1970, 1, 1)
    assert len(check.warnings) == 1
    assert "990101" in check.warnings[0]


def test_a_retired_yunnan_region_code_is_accepted_without_warning():
    # 5302xx is no longer a prefecture code, but people still carry numbers issued under it.
    assert validate_id_number(make_id_number("530202", date(1955, 8, 1), 22)).warnings == []


def test_messages_never_contain_the_number():
    number = make_id_number("530102", date(1985, 3, 7), 11)
    _code, message = refusal(number, birth_date=date(1985, 3, 8))
    assert number not in message


@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2024, 12, 31)),
    sequence=st.integers(min_value=0, max_value=999),
    region=st.sampled_from(["530102", "530381", "110105", "440305"]),
)
def test_every_number_made_with_its_check_character_is_valid(born, sequence, region):
    number = make_id_number(region, born, sequence)
    check = validate_id_number(number, birth_date=born)
    assert check.sex == ("male" if sequence % 2 else "female")


@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2024, 12, 31)),
    sequence=st.integers(min_value=0, max_value=999),
    position=st.integers(min_value=0, max_value=16),
    digit=st.integers(min_value=1, max_value=9),
)
def test_changing_any_one_digit_is_detected(born, sequence, position, digit):
    number = make_id_number("530102", born, sequence)
    changed = number[:position] + str((int(number[position]) + digit) % 10) + number[position + 1 :]
    with pytest.raises(ValidationError):
        validate_id_number(changed)
