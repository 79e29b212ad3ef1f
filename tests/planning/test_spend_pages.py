"""Spend pages: the entry and edit form (one amount per day, channel, campaign and
location), the list's filters and totals, and CSV upload (preview, rejected-row report,
all or nothing, re-uploads that replace instead of counting twice)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core.models import AuditEntry
from pacer.people.actions import upsert_locations
from pacer.planning.actions import create_campaign, record_spend
from pacer.planning.models import SpendEntry, SpendUpload

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-1"


@pytest.fixture
def client(admin, workspace):
    upsert_locations(
        workspace, [{"code": "AUS", "name": "Austin"}, {"code": "DAL", "name": "Dallas"}]
    )
    create_campaign(workspace, "spring", "paid_search")
    create_campaign(workspace, "summer", "email")
    client = Client()
    client.login(username="ada", password=PASSWORD)
    return client


def ledger(workspace=None) -> list[tuple]:
    rows = (
        SpendEntry.objects.all()
        if workspace is None
        else SpendEntry.objects.filter(workspace=workspace)
    )
    return sorted(
        (
            e.day.isoformat(),
            e.channel,
            e.campaign.key if e.campaign else "",
            e.location.code if e.location else "",
            e.amount,
        )
        for e in rows.select_related("campaign", "location")
    )


LINE = {
    "day": "2026-03-02",
    "channel": "paid_search",
    "campaign": "spring",
    "location": "AUS",
    "amount": "1250.40",
}


def test_recording_a_spend_line_through_the_form(client, admin):
    response = client.post("/spend/new/", LINE)
    assert response.status_code == 302 and response["Location"] == "/spend/"
    assert ledger() == [("2026-03-02", "paid_search", "spring", "AUS", Decimal("1250.40"))]
    entry = AuditEntry.objects.get(action="spend.create")
    assert (entry.actor, entry.after["amount"]) == (admin, "1250.40")
    page = client.get("/spend/").content.decode()
    assert "$1,250.40" in page


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"amount": "1,250.40"}, {"amount": "'1,250.40' is not a number"}),
        ({"amount": "-5"}, {"amount": "must be a finite number of at least 0"}),
        ({"amount": ""}, {"amount": "must be a number"}),
        ({"amount": "NaN"}, {"amount": "must be a finite number of at least 0"}),
        ({"day": "2026-02-30"}, {"day": "must be a date (YYYY-MM-DD), not '2026-02-30'"}),
        ({"day": ""}, {"day": "must not be empty"}),
        ({"channel": "carrier_pigeon"}, {"channel": "'carrier_pigeon' is not a Pacer channel"}),
        ({"campaign": "nope"}, {"campaign": "no campaign 'nope' in this workspace"}),
        ({"location": "NYC"}, {"location": "no location 'NYC' in this workspace"}),
    ],
)
def test_a_refused_spend_line_names_the_field_and_writes_nothing(client, changes, errors):
    audit_before = AuditEntry.objects.count()
    response = client.post("/spend/new/", {**LINE, **changes})
    assert response.status_code == 422
    assert response.context["errors"] == errors
    assert SpendEntry.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_a_second_line_for_the_same_key_is_refused_but_another_location_is_not(client):
    client.post("/spend/new/", LINE)
    again = client.post("/spend/new/", {**LINE, "amount": "10"})
    assert again.status_code == 422
    line = SpendEntry.objects.get()
    assert again.context["errors"] == {
        "day": "spend for this day, channel, campaign and location is recorded already "
        f"(line {line.pk}, 1250.40); edit that line instead"
    }
    assert (
        client.post("/spend/new/", {**LINE, "location": "DAL", "amount": "10"}).status_code == 302
    )
    assert ledger() == [
        ("2026-03-02", "paid_search", "spring", "AUS", Decimal("1250.40")),
        ("2026-03-02", "paid_search", "spring", "DAL", Decimal("10.00")),
    ]


def test_editing_and_deleting_a_spend_line(client, workspace):
    client.post("/spend/new/", LINE)
    line = SpendEntry.objects.get()
    response = client.post(f"/spend/{line.pk}/edit/", {**LINE, "amount": "99.99", "location": ""})
    assert response.status_code == 302
    assert ledger() == [("2026-03-02", "paid_search", "spring", "", Decimal("99.99"))]
    update = AuditEntry.objects.get(action="spend.update")
    assert (update.before["amount"], update.after["amount"]) == ("1250.40", "99.99")
    client.post(f"/spend/{line.pk}/edit/", {"delete": "1"})
    assert ledger() == []
    assert AuditEntry.objects.filter(action="spend.delete").count() == 1


def test_another_workspaces_spend_is_not_found_nor_counted(client, workspace):
    other = core_actions.create_workspace("Other", slug="other")
    record_spend(other, [{"day": date(2026, 3, 2), "channel": "tv", "amount": "500"}])
    theirs = SpendEntry.objects.get(workspace=other)
    assert client.get(f"/spend/{theirs.pk}/edit/").status_code == 404
    assert client.post(f"/spend/{theirs.pk}/edit/", {"delete": "1"}).status_code == 404
    assert SpendEntry.objects.filter(pk=theirs.pk).exists()
    assert client.get("/spend/").context["totals"]["lines"] == 0
    # their campaign keys and location codes do not resolve here either
    create_campaign(other, "theirs", "email")
    refused = client.post("/spend/new/", {**LINE, "campaign": "theirs"})
    assert refused.context["errors"] == {"campaign": "no campaign 'theirs' in this workspace"}


def test_the_list_filters_and_totals(client, workspace):
    record_spend(
        workspace,
        [
            {"day": date(2026, 3, 1), "channel": "paid_search", "amount": "100.10"},
            {"day": date(2026, 3, 2), "channel": "paid_search", "amount": "200.20"},
            {"day": date(2026, 3, 3), "channel": "tv", "amount": "1000"},
            {"day": date(2026, 4, 1), "channel": "email", "amount": "5"},
        ],
    )
    SpendEntry.objects.filter(day=date(2026, 3, 2)).update(
        campaign=workspace.campaign_set.get(key="spring")
    )
    totals = client.get("/spend/").context["totals"]
    assert (totals["amount"], totals["lines"]) == (Decimal("1305.30"), 4)
    assert [(c["channel"], c["amount"], c["lines"]) for c in totals["by_channel"]] == [
        ("tv", Decimal("1000.00"), 1),
        ("paid_search", Decimal("300.30"), 2),
        ("email", Decimal("5.00"), 1),
    ]
    march = client.get("/spend/?start=2026-03-01&end=2026-03-31")
    assert march.context["totals"]["amount"] == Decimal("1300.30")
    assert client.get("/spend/?channel=paid_search&end=2026-03-01").context["totals"][
        "amount"
    ] == Decimal("100.10")
    assert client.get("/spend/?campaign=spring").context["totals"]["amount"] == Decimal("200.20")
    assert client.get("/spend/?location=AUS").context["totals"]["lines"] == 0
    csv = b"".join(
        client.get("/spend/export.csv?channel=paid_search&cols=day,amount").streaming_content
    )
    assert csv.decode() == "day,amount\r\n2026-03-02,200.20\r\n2026-03-01,100.10\r\n"


def upload(client, text: str, name: str = "spend.csv"):
    """Upload a file and return the preview page's response."""
    file = SimpleUploadedFile(name, text.encode(), content_type="text/csv")
    response = client.post("/spend/upload/", {"file": file})
    assert response.status_code == 302, response.content
    return client.get(response["Location"])


FILE = (
    "Date,Channel,Campaign,Location,Cost,Notes\n"
    "2026-03-02,paid_search,spring,AUS,1250.40,first\n"
    "2026-03-02,TV,,,8000,\n"
    "\n"
    "2026-03-03,Email,summer,DAL,12.5,\n"
)
RECORDED = [
    ("2026-03-02", "paid_search", "spring", "AUS", Decimal("1250.40")),
    ("2026-03-02", "tv", "", "", Decimal("8000.00")),
    ("2026-03-03", "email", "summer", "DAL", Decimal("12.50")),
]


def test_an_upload_is_previewed_then_recorded_and_a_re_upload_replaces(client, admin):
    preview = upload(client, FILE)
    result = preview.context["preview"]
    assert result.mapping == {
        "Date": "date",
        "Channel": "channel",
        "Campaign": "campaign",
        "Location": "location",
        "Cost": "amount",
    }
    assert result.ignored == ["Notes"]
    assert (result.total_rows, result.rejected, result.total) == (3, [], Decimal("9262.90"))
    assert SpendEntry.objects.count() == 0  # a preview writes no spend
    recorded = client.post(preview.request["PATH_INFO"])
    assert recorded.status_code == 302
    assert ledger() == RECORDED
    first = SpendUpload.objects.get()
    assert (first.recorded_rows, first.replaced_entries, first.uploaded_by) == (3, 0, admin)
    audit = AuditEntry.objects.get(action="spend.upload")
    assert (audit.after["rows"], audit.after["replaced"], audit.after["total"]) == (3, 0, "9262.90")
    # the same file again: previewed as replacing its own three lines, totals unchanged
    again = upload(client, FILE)
    assert again.context["earlier"] == first
    assert len(again.context["preview"].replaced) == 3
    client.post(again.request["PATH_INFO"])
    assert ledger() == RECORDED
    # recording one upload twice is refused
    twice = client.post(again.request["PATH_INFO"])
    assert twice.status_code == 422
    assert list(twice.context["errors"]) == ["upload"]
    # a corrected export that overlaps: its rows replace, the others stay
    client.post(
        upload(client, "date,channel,amount\n2026-03-02,tv,7500\n2026-03-04,tv,100\n").request[
            "PATH_INFO"
        ]
    )
    assert ledger() == [
        RECORDED[0],
        ("2026-03-02", "tv", "", "", Decimal("7500.00")),
        RECORDED[2],
        ("2026-03-04", "tv", "", "", Decimal("100.00")),
    ]


def test_a_file_with_rejected_rows_lists_each_and_records_nothing(client):
    bad = (
        "date,channel,campaign,location,amount\n"
        "2026-03-02,paid_search,spring,AUS,10\n"
        "2026-13-01,paid_search,,,10\n"
        "2026-03-02,carrier_pigeon,,,10\n"
        "2026-03-02,tv,nope,,10\n"
        "2026-03-02,tv,,NYC,10\n"
        "2026-03-02,tv,,,1,000\n"
        "2026-03-02,paid_search,spring,AUS,20\n"
        ",tv,,,5\n"
    )
    preview = upload(client, bad)
    assert preview.context["preview"].rejected == [
        {"row": 3, "field": "date", "reason": "'2026-13-01' is not a date (YYYY-MM-DD)"},
        {"row": 4, "field": "channel", "reason": "'carrier_pigeon' is not a Pacer channel"},
        {"row": 5, "field": "campaign", "reason": "no campaign 'nope' in this workspace"},
        {"row": 6, "field": "location", "reason": "no location 'NYC' in this workspace"},
        {
            "row": 8,
            "field": "date",
            "reason": "row 2 has the same date, channel, campaign and location: "
            "combine them into one row",
        },
        {"row": 9, "field": "date", "reason": "is empty"},
    ]
    page = preview.content.decode()
    assert 'id="rejected"' in page and 'id="record-upload"' not in page
    # row 7 ("1,000" in an unquoted CSV is two cells: amount "1"): taken as written
    forced = client.post(preview.request["PATH_INFO"])
    assert forced.status_code == 422
    assert forced.context["errors"]["row 3.date"] == "'2026-13-01' is not a date (YYYY-MM-DD)"
    assert SpendEntry.objects.count() == 0
    assert not AuditEntry.objects.filter(action="spend.upload").exists()
    assert SpendUpload.objects.get().recorded_at is None


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "is empty"),
        (b"\xff\xfe\x00d\x00a", "must be UTF-8 text (save the sheet as CSV UTF-8)"),
        (b"\n\n", "must start with a header row naming its columns"),
    ],
)
def test_an_unreadable_file_is_refused_at_upload(client, content, reason):
    file = SimpleUploadedFile("x.csv", content, content_type="text/csv")
    response = client.post("/spend/upload/", {"file": file})
    assert response.status_code == 422
    assert response.context["errors"] == {"file": reason}
    assert SpendUpload.objects.count() == 0


def test_a_file_without_the_needed_columns_says_which(client):
    preview = upload(client, "day,cost,where\n2026-03-02,5,AUS\n")
    assert preview.status_code == 422
    assert preview.context["file_errors"] == {
        "file": "needs a column for channel (columns: date, channel, campaign, location, amount)"
    }
    assert client.post(preview.request["PATH_INFO"]).status_code == 422
    assert SpendEntry.objects.count() == 0


def test_another_workspaces_upload_is_not_found(client, workspace):
    other = core_actions.create_workspace("Other", slug="other")
    theirs = SpendUpload.objects.create(
        workspace=other,
        filename="t.csv",
        content="date,channel,amount\n2026-03-02,tv,5\n",
        sha256="x",
    )
    assert client.get(f"/spend/upload/{theirs.pk}/").status_code == 404
    assert client.post(f"/spend/upload/{theirs.pk}/").status_code == 404
    assert SpendEntry.objects.count() == 0


def test_staff_see_no_spend_and_analysts_see_but_do_not_change_it(client, workspace):
    from pacer.core.roles import Role

    client.post("/spend/new/", LINE)
    line = SpendEntry.objects.get()
    for role, can_view in ((Role.STAFF, False), (Role.ANALYST, True)):
        core_actions.create_user(workspace, f"user-{role}", PASSWORD, role)
        other = Client()
        other.login(username=f"user-{role}", password=PASSWORD)
        assert other.get("/spend/").status_code == (200 if can_view else 403)
        assert other.get("/spend/export.csv").status_code == (200 if can_view else 403)
        assert other.post("/spend/new/", {**LINE, "location": "DAL"}).status_code == 403
        assert other.post(f"/spend/{line.pk}/edit/", {"delete": "1"}).status_code == 403
        file = SimpleUploadedFile("s.csv", b"date,channel,amount\n2026-03-05,tv,5\n")
        assert other.post("/spend/upload/", {"file": file}).status_code == 403
    assert ledger() == [("2026-03-02", "paid_search", "spring", "AUS", Decimal("1250.40"))]
    assert SpendUpload.objects.count() == 0


def test_the_spend_table_names_the_campaign_and_says_which_line_a_link_edits(client, workspace):
    spring = create_campaign(workspace, "spring-25", "email", name="Spring sale")
    record_spend(
        workspace,
        [{"day": date(2026, 3, 2), "channel": "email", "campaign": spring, "amount": "40"},
         {"day": date(2026, 3, 3), "channel": "tv", "amount": "9"}],
    )  # fmt: skip
    page = client.get("/spend/?range=all").content.decode()
    assert ">Spring sale</a>" in page
    assert "spring-25</a>" not in page
    assert "Edit Spring sale spend of 2026-03-02" in page
    assert "Edit TV spend of 2026-03-03" in page
    assert "Edit #" not in page


def test_the_list_shows_every_line_by_default_and_says_which_days(client, workspace):
    """Like every other page, the spend list covers all the workspace's spend until a
    range is chosen (it used to default to the 90 days before the last line, hiding older
    spend the dashboard counted), and says which days it shows."""
    record_spend(
        workspace,
        [{"day": date(2025, 6, 2), "channel": "tv", "amount": "700"},
         {"day": date(2026, 3, 2), "channel": "email", "amount": "40"}],
    )  # fmt: skip
    page = client.get("/spend/").content.decode()
    assert "Edit TV spend of 2025-06-02" in page
    assert "Showing all data: 2 Jun 2025 – 2 Mar 2026." in page
    assert 'id="kpi-spend-total"' in page and "740.00" in page
    page = client.get("/spend/?range=last_90").content.decode()
    assert "Showing 3 Dec 2025 – 2 Mar 2026 (the data runs 2 Jun 2025 – 2 Mar 2026)." in page
    assert "Edit TV spend of 2025-06-02" not in page


def test_a_workspace_without_spend_says_so(client):
    page = client.get("/spend/").content.decode()
    assert "No spend recorded yet." in page
