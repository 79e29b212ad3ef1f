"""A form in a table cell (``Column(form=..., form_template=...)``): the row's context
reaches the template as ``form`` with the page's CSRF token, a row without a form shows
the cell's text, the CSV leaves the form column out, and a form without a template is
refused when the column is made."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from pacer.web.tables import Column, Table

ROW_FORM = Template(
    '<form method="post" action="/things/{{ form.id }}/flag/">'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{{ csrf_token }}">'
    '<input name="reason" id="flag-{{ form.id }}-reason"><button>Flag</button></form>'
)
ROWS = [{"id": 1, "name": "Ada", "open": True}, {"id": 2, "name": "Bo", "open": False}]


def table(query: str = "") -> Table:
    return Table(
        RequestFactory().get("/things/?" + query),
        ROWS,
        [
            Column("name", "Name", sortable=True),
            Column(
                "id",
                "Flag",
                text=lambda row: "closed",
                form=lambda row: {"id": row["id"]} if row["open"] else None,
                form_template=ROW_FORM,
            ),
        ],
        default_sort="name",
    )


def test_a_form_cell_draws_its_template_with_the_row_and_the_csrf_token():
    cells = [[cell.form for cell in row] for row in table().rows]
    assert cells == [[None, {"id": 1}], [None, None]]
    html = Template("{% load pacer_ui %}{% data_table table %}").render(
        Context({"table": table(), "csrf_token": "tok-123"})
    )
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    assert (
        '<td><form method="post" action="/things/1/flag/">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="tok-123">'
        '<input name="reason" id="flag-1-reason"><button>Flag</button></form></td>'
    ) in body
    assert "<td>closed</td>" in body  # Bo's row has no form: the cell's text
    assert body.count("<form") == 1


def test_the_csv_leaves_a_form_column_out():
    found = table()
    assert list(found.csv_rows()) == [["Ada"], ["Bo"]]
    lines = b"".join(found.csv_response("things.csv").streaming_content).decode().splitlines()
    assert [line.strip("\ufeff") for line in lines] == ["name", "Ada", "Bo"]


def test_a_form_without_a_template_is_refused():
    with pytest.raises(ValueError, match="form_template: column 'id' has a form but no template"):
        Column("id", "Flag", form=lambda row: {})
