"""Which tests make test's SQLite run keeps (tests/selection.py, ADR 0012)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.selection import database_sensitive


class Item:
    """What ``database_sensitive`` reads of a pytest item."""

    def __init__(self, *marks, fixtures=(), obj=None):
        self.marks, self.fixturenames, self.obj = marks, list(fixtures), obj

    def iter_markers(self):
        return iter(self.marks)

    def get_closest_marker(self, name):
        return next((mark for mark in self.marks if mark.name == name), None)


def plain():
    pass


@given(st.integers())
def property_based(number):
    pass


@pytest.mark.parametrize(
    ("item", "path", "sensitive"),
    [
        (Item(pytest.mark.django_db.mark, obj=plain), "tests/leads/test_pages.py", False),
        (Item(obj=plain), "tests/leads/test_pages.py", False),
        (Item(pytest.mark.django_db(transaction=False).mark), "tests/leads/x.py", False),
        (Item(pytest.mark.django_db(False).mark), "tests/leads/x.py", False),
        (Item(pytest.mark.django_db(transaction=True).mark), "tests/leads/x.py", True),
        (Item(pytest.mark.django_db(True).mark), "tests/leads/x.py", True),
        (Item(fixtures=["transactional_db"]), "tests/leads/x.py", True),
        (Item(fixtures=["live_server"]), "tests/leads/x.py", True),
        (Item(pytest.mark.browser.mark), "tests/leads/x.py", True),
        (Item(pytest.mark.both_databases.mark), "tests/leads/x.py", True),
        (Item(obj=property_based), "tests/leads/x.py", True),
        (Item(obj=plain), "tests/segments/test_pages.py", True),
        (Item(obj=plain), "tests/content/test_search.py", True),
        (Item(obj=plain), "tests/content/test_pages.py", False),
        (Item(obj=plain), "tests/test_api_schema.py", True),
    ],
)
def test_the_sqlite_run_keeps_what_the_database_decides(item, path, sensitive):
    assert database_sensitive(item, path) is sensitive
