"""Leads from a CSV file over the REST API (``POST /api/leads/import``, multipart field
``file``): the import page's all-or-nothing capture, its refusals as a 422 naming ``file``
or ``rows[i].field``, a repeat adding nothing, and managers only (``leads.configure``)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pacer.core import actions as core_actions
from pacer.core.models import Role
from pacer.ingest.models import Event
from pacer.leads.lead_csv import MAX_BYTES
from pacer.leads.models import Lead
from tests.api_client import ApiClient
from tests.leads.test_lead_import_page import GOOD, NOT_CSV_ROWS
from tests.leads.test_leads import settle

pytestmark = pytest.mark.django_db


def send(api: ApiClient, content: str | bytes | None):
    data = {}
    if content is not None:
        raw = content.encode() if isinstance(content, str) else content
        data["file"] = SimpleUploadedFile("leads.csv", raw, "text/csv")
    return api.client.post("/api/leads/import", data, **api.headers())


def test_a_file_of_leads_is_imported_once(workspace, north, admin):
    api = ApiClient(workspace, admin)
    answer = send(api, GOOD)
    assert answer.status_code == 201
    assert answer.json() == {"rows": 2, "new": 2, "duplicates": 0, "suppressed": 0}
    settle(workspace)
    assert sorted(Lead.objects.values_list("contact__email", "source", "channel", "campaign")) == [
        ("ann@x.test", "csv", "paid_search", "fair-2026"),
        ("bo@x.test", "csv", "", ""),
    ]
    events = Event.objects.count()
    again = send(api, GOOD)
    assert again.status_code == 201
    assert again.json() == {"rows": 2, "new": 0, "duplicates": 2, "suppressed": 0}
    settle(workspace)
    assert (Lead.objects.count(), Event.objects.count()) == (2, events)


def test_a_refused_row_imports_nothing_and_names_its_row_and_field(workspace, north, admin):
    refused = send(ApiClient(workspace, admin), GOOD + "not-an-email,Cy,north,,,\n,Di,,,,\n")
    assert refused.status_code == 422
    assert refused.json()["errors"] == {
        "rows[2].email": "is not an email address",
        "rows[3].email": "give an email or a phone number",
    }
    settle(workspace)
    assert (Lead.objects.count(), Event.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    "content, reason",
    [
        *NOT_CSV_ROWS,
        (
            "email\n" + "a@x.test\n" * 5001,
            "has 5,001 rows; at most 5,000",
        ),
        (
            "email\n" + "x" * MAX_BYTES,
            f"is {MAX_BYTES + 6:,} bytes, over {MAX_BYTES:,}; split it",
        ),
    ],
)
def test_a_file_that_is_not_a_csv_of_rows_is_refused_at_its_field(
    workspace, north, admin, content, reason
):
    refused = send(ApiClient(workspace, admin), content)
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"file": reason}
    assert Event.objects.count() == 0


def test_without_a_file_or_as_staff_nothing_is_imported(workspace, north, admin):
    missing = send(ApiClient(workspace, admin), None)
    assert missing.status_code == 422 and "file" in str(missing.json())
    staff = core_actions.create_user(workspace, "sam", "correct-horse-1", Role.STAFF)
    refused = send(ApiClient(workspace, staff), GOOD)
    assert refused.status_code == 403
    assert Event.objects.count() == 0


def test_the_command_imports_a_file_once_and_refuses_a_bad_one_by_name(
    workspace, north, tmp_path, capsys
):
    from pacer.cli import main

    good = tmp_path / "leads.csv"
    good.write_text(GOOD)
    assert main(["import-leads", str(good), "--workspace", workspace.slug]) == 0
    assert main(["import-leads", str(good), "--workspace", workspace.slug]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "2 rows: 2 new leads, 0 already imported",
        "2 rows: 0 new leads, 2 already imported",
    ]
    bad = tmp_path / "latin1.csv"
    bad.write_bytes(b"email\n\xff\xfe@x\n")
    assert main(["import-leads", str(bad), "--workspace", workspace.slug]) != 0
    assert "file: is not UTF-8 text; save it as CSV UTF-8" in capsys.readouterr().err
    settle(workspace)
    assert Lead.objects.count() == 2
