"""check_text: the one text check every domain's actions use."""

import pytest

from pacer.core.errors import MAX_ROW_ID, check_text, row_id


@pytest.mark.parametrize(
    ("value", "options", "cleaned", "reason"),
    [
        ("  Sale ", {}, "Sale", None),
        ("  Sale ", {"strip": False}, "  Sale ", None),
        (None, {}, "", None),
        (None, {"required": True}, "", "must not be empty"),
        ("   ", {"required": True}, "", "must not be empty"),
        ("   ", {"required": True, "strip": False}, "   ", "must not be empty"),
        (42, {}, "", "must be text"),
        (["a"], {"required": True}, "", "must be text"),
        ("x" * 11, {}, "x" * 11, "must be at most 10 characters"),
        ("a\x00b", {}, "a\x00b", "must not contain NUL characters"),
        ("x" * 10, {}, "x" * 10, None),
    ],
)
def test_check_text(value, options, cleaned, reason):
    errors = {"other": "kept"}
    assert check_text(errors, "name", value, 10, **options) == cleaned
    assert errors == ({"other": "kept"} | ({"name": reason} if reason else {}))


@pytest.mark.parametrize(
    "typed, number",
    [
        (5, 5),
        ("5", 5),
        ("+5", 5),
        (" 5 ", 5),
        ("007", 7),
        (MAX_ROW_ID, MAX_ROW_ID),
        (str(MAX_ROW_ID), MAX_ROW_ID),
        ("000" + str(MAX_ROW_ID), MAX_ROW_ID),
    ],
)
def test_row_id_reads_a_number_and_its_typed_spellings(typed, number):
    assert row_id(typed) == number


@pytest.mark.parametrize(
    "typed",
    [
        True,  # int(True) is 1: a tick box is not row 1
        False,
        5.7,  # int(5.7) is 5
        5.0,
        "5.0",
        "1_0",  # int("1_0") is 10
        "\uff15",  # a full-width 5: int() reads other scripts' digits
        "\u0665",
        "0",
        "-5",
        "+-5",
        "5 5",
        "",
        " ",
        "0x5",
        None,
        [5],
        MAX_ROW_ID + 1,
        str(MAX_ROW_ID + 1),
        "9" * 5000,  # longer than int() reads from text
    ],
)
def test_row_id_refuses_what_is_no_row_id(typed):
    assert row_id(typed) is None
