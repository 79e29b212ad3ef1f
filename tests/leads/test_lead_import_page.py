"""Leads from a CSV file uploaded on ``/leads/import/`` (issue 12, capture: "CSV"; before,
only ``pacer import-leads`` on the server took one): all or nothing with every refusal
listed by row and field, a file imported again adding nothing, the file itself refused
at its field, and only managers (``leads.configure``)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core.models import Role
from pacer.ingest.models import Event
from pacer.leads.models import Lead
from tests.leads.test_leads import settle

pytestmark = pytest.mark.django_db
GOOD = (
    "email,first_name,location,utm_source,utm_medium,utm_campaign\n"
    "ann@x.test,Ann,north,google,cpc,fair-2026\n"
    "bo@x.test,Bo,north,,,\n"
)

NOT_CSV_ROWS = [  # a file, and why it is refused
    ("email\n", "has no rows under its header"),
    (b"email\n\xff\xfe@x\n", "is not UTF-8 text; save it as CSV UTF-8"),
    ("email\nann@x.test,extra\n", "a row has more values than the header has columns"),
]


def upload(client, text: str | bytes, name: str = "leads.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post("/leads/import/", {"file": SimpleUploadedFile(name, data, "text/csv")})


@pytest.fixture
def manager(workspace, admin):
    client = Client()
    client.force_login(admin)
    return client


def test_a_file_of_leads_is_imported_once(workspace, north, manager):
    answer = upload(manager, GOOD)
    assert answer.status_code == 302 and answer["Location"] == "/leads/import/"
    page = manager.get("/leads/import/").content.decode()
    assert "2 rows: 2 new leads, 0 already imported." in page
    settle(workspace)
    assert sorted(
        Lead.objects.values_list("contact__email", "source", "location_id", "channel", "campaign")
    ) == [
        ("ann@x.test", "csv", north.pk, "paid_search", "fair-2026"),
        ("bo@x.test", "csv", north.pk, "", ""),
    ]
    events = Event.objects.count()
    assert upload(manager, GOOD).status_code == 302
    assert (
        "2 rows: 0 new leads, 2 already imported." in manager.get("/leads/import/").content.decode()
    )
    settle(workspace)
    assert (Lead.objects.count(), Event.objects.count()) == (2, events)


def test_a_refused_row_imports_nothing_and_each_refusal_names_its_row_and_field(
    workspace, north, manager
):
    text = GOOD + "not-an-email,Cy,north,,,\n,Di,,,,\n"
    refused = upload(manager, text)
    assert refused.status_code == 422
    html = refused.content.decode()
    assert 'id="field-file-error"><p>nothing was imported: 2 problems, below</p>' in html
    assert 'href="#field-file"' in html
    problems = html.split('id="import-problems"', 1)[1].split("</ul>", 1)[0]
    assert [line.split("</li>")[0] for line in problems.split("<li>")[1:]] == [
        "Row 3 (line 4): email: is not an email address",
        "Row 4 (line 5): email: give an email or a phone number",
    ]
    settle(workspace)
    assert (Lead.objects.count(), Event.objects.count()) == (0, 0)


@pytest.mark.parametrize("content, reason", NOT_CSV_ROWS)
def test_a_file_that_is_not_a_csv_of_rows_is_refused_at_its_field(
    workspace, north, manager, content, reason
):
    refused = upload(manager, content)
    assert refused.status_code == 422
    assert f'id="field-file-error"><p>{reason}</p>' in refused.content.decode()
    assert Event.objects.count() == 0


def test_without_a_file_or_as_staff_nothing_is_imported(workspace, north, manager):
    refused = manager.post("/leads/import/", {})
    assert refused.status_code == 422
    assert 'id="field-file-error"><p>choose a CSV file</p>' in refused.content.decode()
    staff = core_actions.create_user(workspace, "sam", "correct-horse-1", Role.STAFF)
    client = Client()
    client.force_login(staff)
    assert client.get("/leads/import/").status_code == 403
    assert upload(client, GOOD).status_code == 403
    assert Event.objects.count() == 0
    assert 'href="/leads/import/"' in manager.get("/leads/forms/").content.decode()
