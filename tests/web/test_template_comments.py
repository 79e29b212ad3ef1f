"""Django's ``{# … #}`` comment ends with its line: one opened on a line it does not
close on is printed as text on the page (a two-line one in the base layout showed on
every page for a while). Every template's comments close where they open."""

import re
from pathlib import Path

import pacer

OPENED_NOT_CLOSED = re.compile(r"\{#(?![^\n]*#\})")


def test_every_one_line_comment_closes_on_its_line():
    root = Path(pacer.__file__).parent
    found = [
        f"{path.relative_to(root)}:{text[: match.start()].count(chr(10)) + 1}"
        for path in sorted(root.rglob("templates/**/*.html"))
        for text in [path.read_text()]
        for match in OPENED_NOT_CLOSED.finditer(text)
    ]
    assert found == []


def test_the_check_finds_a_comment_left_open():
    assert OPENED_NOT_CLOSED.search("<p>{# two\nlines #}</p>")
    assert not OPENED_NOT_CLOSED.search("<p>{# one line #}</p>")
