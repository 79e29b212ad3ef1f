"""The audit log reads as what changed, field by field (nested values summarised), with
the raw JSON of both sides behind a disclosure and in the CSV."""

import csv
import html
import io
import json
import re

import pytest

from pacer.core import audit
from pacer.core.audit_changes import change_lines, change_summary, describe

pytestmark = pytest.mark.django_db


def test_a_change_reads_field_by_field_with_nested_values_summarised():
    before = {"state": "draft", "title": "Spring launch", "owner": 1, "tags": ["a"]}
    after = {
        "state": "archived",
        "title": "Spring launch",  # unchanged: not listed
        "owner": None,
        "plan": [{"name": "Brand", "reviewer": 1}, {"name": "Legal", "reviewer": 2}],
        "alpha": 4.608968754653978,
        "ll": -13903.86803771214,
        "flagged": False,
        "at": "2026-12-02 21:44:32.026864+00:00",
    }
    assert change_lines(before, after) == [
        "alpha: 4.61",
        "at: 2026-12-02 21:44",
        "flagged: no",
        "ll: -13,904",
        "owner: 1 → empty",
        "plan: 2 items",
        "state: draft → archived",
        "tags: a → removed",
    ]
    # a new object: the fields it was made with, leaving out the ones set to nothing
    assert change_lines(None, {"a": "", "b": 1, "c": [], "d": None}) == ["b: 1"]
    assert change_lines({"n": 1}, {"n": 1}) == ["no field changed"]
    assert change_lines(None, None) == ["no details recorded"]
    many = {f"f{i:02d}": i for i in range(12)}
    lines = change_lines(None, many)
    assert len(lines) == 8 and lines[-1] == "… and 5 more fields"
    assert describe({"a": 1, "b": 2}) == "2 fields"
    assert describe("x" * 80) == "x" * 59 + "…"
    assert describe(0.668807) == "0.669"
    assert describe(["CX", "Brand"]) == "CX, Brand"


def test_a_change_reads_in_one_line_its_lines_joined_or_its_fields_named():
    assert change_summary({"state": "draft"}, {"state": "live", "n": 2}) == (
        "n: 2; state: draft → live"
    )
    made = {
        "channel": "local_partner",
        "ends_on": "2026-12-31",
        "id": 50,
        "key": "local_partner-2026-q4",
        "name": "Holiday 2026 partner promotions",
    }
    assert change_summary(None, made) == "5 fields: channel, ends_on, id, key, name"
    one = {"name": "x" * 80}  # one field is its line, however long
    assert change_summary(None, one) == "name: " + "x" * 59 + "…"
    assert change_summary({"n": 1}, {"n": 1}) == "no field changed"
    assert change_summary(None, None) == "no details recorded"


def test_the_audit_page_shows_the_change_and_keeps_the_raw_json(client, workspace, admin):
    audit.record(
        workspace,
        "content.transition",
        admin,
        actor=admin,
        before={"state": "draft"},
        after={"state": "archived", "plan": [{"name": "Brand"}, {"name": "Legal"}]},
    )
    client.force_login(admin)
    page = client.get("/audit/").content.decode()
    row = next(r for r in re.findall(r"<tr>.*?</tr>", page, re.S) if "content.transition" in r)
    # the change is one line, its summary; the lines and the raw JSON fold behind it (a
    # row stays a line tall: 3-9 lines at 390 px when the lines were drawn out)
    folded = re.search(r'<td[^>]*><details class="cell-more"><summary>(.*?)</summary>', row)
    assert html.unescape(folded.group(1)) == "plan: 2 items; state: draft → archived"
    assert re.search(r'<details class="cell-more">(?:(?!</td>).)*<ul class="cell-lines">', row)
    assert "<details open" not in row
    assert "</pre></details></details></td>" in row  # the raw JSON folded inside it too
    cell = re.search(r'<ul class="cell-lines">(.*?)</ul>', row, re.S).group(1)
    assert re.findall(r"<li>(.*?)</li>", cell) == [
        "plan: 2 items",
        "state: draft → archived",
    ]
    raw = re.search(
        r'<details class="cell-detail"><summary>Raw JSON</summary><pre>(.*?)</pre>', row, re.S
    )
    assert json.loads(html.unescape(raw.group(1))) == {
        "before": {"state": "draft"},
        "after": {"state": "archived", "plan": [{"name": "Brand"}, {"name": "Legal"}]},
    }
    assert "{&quot;state&quot;" not in row.split("<details")[0]  # no JSON outside it
    # the CSV holds both sides as stored once the Before column is chosen
    export = client.get("/audit/export/?cols=action,before,after")
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    entry = next(r for r in rows if r["action"] == "content.transition")
    assert json.loads(entry["before"]) == {"state": "draft"}
    assert json.loads(entry["after"])["plan"] == [{"name": "Brand"}, {"name": "Legal"}]
