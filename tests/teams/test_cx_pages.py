"""The experience pages as a manager uses them: a refused ratings import comes back as
the page with the reasons under the file field (nothing written), and NPS is shown as it
is written, a whole number, on every page it appears (the API keeps the exact value)."""

from datetime import UTC, date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from pacer.core import actions as core
from pacer.core import clock
from pacer.core.models import AuditEntry, Role
from pacer.people.actions import upsert_locations
from pacer.people.selectors import contacts
from pacer.teams import actions, surveys
from pacer.teams.models import ReviewRating, Team

pytestmark = pytest.mark.django_db
WHEN = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)
PASSWORD = "long-password-1"
HEAD = b"location,source,external_id,rating,date\n"


@pytest.fixture
def manager(workspace, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: WHEN)
    upsert_locations(workspace, [{"code": "n", "name": "North"}])
    user = core.create_user(workspace, "manager", PASSWORD, Role.MARKETER)
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    return client


def upload(client, content: bytes):
    return client.post("/experience/ratings/", {"file": SimpleUploadedFile("r.csv", content)})


def test_a_refused_ratings_import_shows_the_reasons_under_the_file_field(workspace, manager):
    audits = AuditEntry.objects.count()
    refused = upload(manager, HEAD + b"n,google,g1,4,2026-04-01\nzz,google,g2,9,2026-04-31\n")
    assert refused.status_code == 422
    page = refused.content.decode()
    under_field = page.split('id="ratings-file-error"')[1].split("</div>")[0]
    assert "row 2, location: no location with code &#x27;zz&#x27;" in under_field
    assert "row 2, rating: must be a number from 1 to 5" in under_field
    assert "row 2, date: must be a day as YYYY-MM-DD" in under_field
    assert 'href="#ratings-file"' in page  # the summary above the form links to the field
    assert 'id="ratings-file" name="file" type="file" value="" required aria-invalid' in page
    assert "correct the file and choose it again" in page
    assert not ReviewRating.objects.exists() and AuditEntry.objects.count() == audits

    missing = manager.post("/experience/ratings/", {})
    assert missing.status_code == 422
    assert "choose a CSV file of at most 5 MB" in missing.content.decode()
    columns = upload(manager, b"location,rating\nn,4\n")
    assert columns.status_code == 422
    assert "missing columns: source, external_id, date" in columns.content.decode()
    assert not ReviewRating.objects.exists()

    assert upload(manager, HEAD + b"n,google,g1,4,2026-04-01\n").status_code == 302
    assert ReviewRating.objects.count() == 1


def test_nps_is_shown_as_a_whole_number_everywhere_and_exact_in_the_api(
    workspace, tracker, manager
):
    tracker.batch(
        [
            {"type": "identify", "messageId": f"m{n}", "userId": f"u{n}",
             "traits": {"email": f"u{n}@x.test", "location": "n"}}
            for n in range(3)
        ]
    )  # fmt: skip
    survey = surveys.create_survey(workspace, name="After visit", kind="nps")
    for person, score in zip(contacts(workspace).order_by("email"), (10, 9, 2), strict=True):
        surveys.answer(survey, person.pk, score=score)  # NPS 100 × (2 − 1) ÷ 3 = 33.33…
    team = Team.objects.get(workspace=workspace, key="cx")
    actions.set_target(team, metric="nps", month="2026-04", target="30.5")

    survey_page = manager.get(f"/experience/surveys/{survey.pk}/").content.decode()
    assert ">33<" in survey_page.split('id="kpi-score"')[1][:600]
    scoreboard = manager.get("/locations/scoreboard/?start=2026-04-01&end=2026-04-30")
    scoreboard = scoreboard.content.decode()
    row = scoreboard.split(">North<")[1].split("</tr>")[0]
    assert ">33<" in row and "33.3" not in row
    team_page = manager.get("/teams/cx/?month=2026-04").content.decode()
    nps_row = team_page.split(">NPS<")[1].split("</tr>")[0]
    assert ">31<" in nps_row and ">33<" in nps_row  # target 30.5 and actual 33.33…
    assert "30.5" not in nps_row and "33.33" not in nps_row

    user = core.create_user(workspace, "reader", PASSWORD, Role.ANALYST)
    token = core.issue_api_key(workspace, "personal", "t", user=user)[1]
    found = Client().get(  # the scoreboard's API keeps the exact figure
        "/api/teams/cx/scoreboard?month=2026-04-01", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert found.status_code == 200, found.json()
    nps = next(row for row in found.json()["rows"] if row["metric"] == "nps")
    assert (nps["target"], nps["actual"]) == (30.5, pytest.approx(100 / 3))
    assert date(2026, 4, 1).isoformat() == found.json()["month"]


@pytest.mark.both_databases
def test_a_persons_link_takes_the_contact_id_as_every_id_is_read(workspace, manager):
    """``core.errors.row_id``: a sign or spaces around the digits name the same person;
    any id up to 2**63 - 1 gets a link; zero, a larger one or no number is refused at the
    field (the page's own check took 0 and refused "+5", " 5" and 19 digits)."""
    survey = surveys.create_survey(workspace, name="After your visit", kind="nps")

    def link_of(typed: str):
        page = manager.get(f"/experience/surveys/{survey.pk}/", {"contact": typed})
        text = page.content.decode()
        if "must be a contact id" in text:
            assert page.status_code == 200 and 'id="survey-link"' not in text
            return None
        token = text.split('id="survey-link" rows="3" readonly>')[1].split("<")[0]
        return surveys.read_token(token.rsplit("/", 2)[-2])[1]

    assert [link_of(typed) for typed in ("+5", " 5 ", "5", str(2**63 - 1))] == [
        5,
        5,
        5,
        2**63 - 1,
    ]
    assert [link_of(typed) for typed in (str(2**63), "0", "-5", "5x")] == [None] * 4
