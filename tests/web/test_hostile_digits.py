"""Digits that ``str.isdigit`` accepts and ``int`` refuses (superscripts, circled digits):
the pages read numbers with ``str.isdecimal``, so such a value falls back like any other
bad number instead of raising a 500."""

import pytest

pytestmark = pytest.mark.django_db
LIST_PAGES = ["/contacts/", "/assets/", "/segments/", "/leads/", "/campaigns/", "/spend/"]
NOT_INT = ["²", "①", "3²"]


@pytest.mark.parametrize("path", LIST_PAGES)
def test_a_table_given_digits_int_cannot_read_shows_its_first_page(client, admin, path):
    client.login(username="ada", password="correct-horse-1")
    assert client.get(path).status_code == 200
    for value in NOT_INT:
        response = client.get(path, {"per_page": value, "page": value})
        assert response.status_code == 200, (path, value)


def test_a_workflow_row_at_a_position_int_cannot_read_goes_last(client, admin):
    client.login(username="ada", password="correct-horse-1")
    page = client.get("/content/workflow/")
    assert page.status_code == 200
    response = client.post(
        "/content/workflow/",
        {"key": ["idea"], "label": ["Idea"], "moves_to": [""], "position": ["²"]},
    )
    assert response.status_code in (302, 422)
