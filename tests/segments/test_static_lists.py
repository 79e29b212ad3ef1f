"""Static lists on their page, as a marketer keeps one: a CSV upload adds the contacts it
names and lists every other row by line and reason; a file that cannot be read adds
nothing at all; contacts are added and removed by email; the export holds exactly the
members."""

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pacer.people.models import Contact, Identity
from pacer.segments import actions
from pacer.segments.models import Membership, MembershipChange, Segment

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketer(client, admin):
    client.login(username="ada", password="correct-horse-1")
    return client


@pytest.fixture
def people_(workspace):
    found = []
    for n in range(4):
        contact = Contact.objects.create(
            workspace=workspace, email=f"p{n}@x.io", first_name=f"P{n}"
        )
        Identity.objects.create(
            workspace=workspace, contact=contact, kind="user_id", value=f"u-{n}"
        )
        found.append(contact)
    return found


def members(segment) -> set[int]:
    return set(Membership.objects.filter(segment=segment).values_list("contact_id", flat=True))


def upload(client, segment, content: bytes, name: str = "list.csv"):
    file = SimpleUploadedFile(name, content, content_type="text/csv")
    return client.post(f"/segments/{segment.pk}/members/", {"file": file}, follow=True)


def test_an_upload_adds_known_rows_and_names_every_other_row_by_line(marketer, workspace, people_):
    segment = actions.create_segment(workspace, name="VIP", kind="static")
    content = (
        "\ufeffName,Email,external_id\r\n"  # a spreadsheet's BOM and CRLF, any header case
        '"Zero, P",P0@X.IO,\r\n'
        "One,,u-1\r\n"
        "Nobody,nobody@x.io,\r\n"
        "Blank,,\r\n"
        "Short\r\n"
        "Again,p0@x.io,\r\n"
    ).encode()

    page = upload(marketer, segment, content).content.decode()

    assert members(segment) == {people_[0].pk, people_[1].pk}
    assert MembershipChange.objects.filter(segment=segment, source="csv").count() == 2
    assert "Added 2 contacts (0 were already members)." in page
    assert "Line 4: no contact with email &#x27;nobody@x.io&#x27;" in page
    assert "Line 5: no email or external_id" in page
    assert "Line 6: no email or external_id" in page


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\xff\xfeemail\n", "is not UTF-8 text"),
        (b"name\np0@x.io\n", "needs a header with a column"),
        (b"", "is empty"),
    ],
)
def test_a_file_that_cannot_be_read_adds_nobody(marketer, workspace, people_, content, reason):
    segment = actions.create_segment(workspace, name="VIP", kind="static")
    actions.add_members(workspace, segment, [people_[3].pk])
    before = MembershipChange.objects.count()

    response = upload(marketer, segment, content)

    # the page again (not a redirect with a toast), the reason under the file field
    assert response.status_code == 422 and not response.redirect_chain
    assert reason in field_error(response, "file")
    assert members(segment) == {people_[3].pk}
    assert MembershipChange.objects.count() == before


def field_error(response, name: str) -> str:
    """The text under a form field of the page (its ``field-NAME-error`` block)."""
    found = re.search(rf'id="field-{name}-error">(.*?)</div>', response.content.decode(), re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)).strip() if found else ""


def test_a_refused_member_form_is_shown_again_with_the_reason_and_what_was_typed(
    marketer, workspace, people_
):
    segment = actions.create_segment(workspace, name="Hand", kind="static")
    url = f"/segments/{segment.pk}/members/"

    nothing = marketer.post(url, {"emails": "  \n "})
    assert nothing.status_code == 422
    assert field_error(nothing, "emails") == "enter at least one email, or choose a file"
    assert 'class="alert error error-summary"' in nothing.content.decode()

    typed = "<b>p0@x.io</b>\n" + "p1@x.io\n" * actions.MAX_CSV_ROWS  # one row too many
    too_many = marketer.post(url, {"emails": typed})
    assert too_many.status_code == 422
    assert field_error(too_many, "emails") == f"has more than {actions.MAX_CSV_ROWS} rows"
    page = too_many.content.decode()
    assert "&lt;b&gt;p0@x.io&lt;/b&gt;\n" + "p1@x.io\n" * actions.MAX_CSV_ROWS in page  # kept
    assert members(segment) == set() and not MembershipChange.objects.exists()


def test_a_segment_in_use_is_not_deleted_and_its_page_says_why(marketer, workspace):
    used = actions.create_segment(workspace, name="Base", kind="static")
    actions.create_segment(
        workspace,
        name="Uses <it>",
        definition={
            "type": "group",
            "op": "and",
            "children": [{"type": "segment", "segment_id": used.pk}],
        },
    )

    refused = marketer.post(f"/segments/{used.pk}/delete/")

    assert refused.status_code == 422
    delete_form = refused.content.decode().split('class="segment-delete"')[1]
    assert "The segment was not deleted" in delete_form
    assert "Segment: used by &#x27;Uses &lt;it&gt;&#x27;" in delete_form
    # the summary's link lands on the Delete button
    assert 'href="#segment-delete-segment"' in delete_form
    assert 'id="segment-delete-segment"' in delete_form
    assert Segment.objects.filter(pk=used.pk).exists()


def test_contacts_are_added_and_removed_by_email_on_the_page(marketer, workspace, people_):
    segment = actions.create_segment(workspace, name="Hand", kind="static")
    url = f"/segments/{segment.pk}/members/"

    added = marketer.post(url, {"emails": "p0@x.io\nP1@x.io\nzed@x.io\n"}, follow=True)
    assert members(segment) == {people_[0].pk, people_[1].pk}
    assert "Line 4: no contact with email &#x27;zed@x.io&#x27;" in added.content.decode()

    removed = marketer.post(url, {"remove_emails": "P1@x.io\np2@x.io\nzed@x.io"}, follow=True)
    page = removed.content.decode()
    assert members(segment) == {people_[0].pk}
    assert "Removed 1 contacts from the list." in page
    assert "zed@x.io: no contact has this email" in page
    changes = MembershipChange.objects.filter(segment=segment).order_by("id")
    assert [(c.contact_id, c.change) for c in changes] == [
        (people_[0].pk, "entered"),
        (people_[1].pk, "entered"),
        (people_[1].pk, "exited"),
    ]


def test_the_export_holds_exactly_the_members(marketer, workspace, people_):
    segment = actions.create_segment(workspace, name="VIP", kind="static")
    actions.add_members(workspace, segment, [people_[0].pk, people_[2].pk])
    actions.remove_members(workspace, segment, [people_[0].pk])
    actions.add_members(workspace, segment, [people_[3].pk])

    response = marketer.get(f"/segments/{segment.pk}/export.csv")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert sorted(row["contact__email"] for row in rows) == ["p2@x.io", "p3@x.io"]
    assert sorted(int(row["contact"]) for row in rows) == [people_[2].pk, people_[3].pk]
