"""check_text: the one text check every domain's actions use."""

import pytest

from pacer.core.errors import check_text


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
