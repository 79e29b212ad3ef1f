"""The segment pages through Django's client, without JavaScript: the builder adds and
removes nested conditions by plain form posts, shows refusals on the node, counts on
request and saves; the membership page exports CSV and takes a CSV upload."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from pacer.leads.actions import set_stages
from pacer.people.models import Contact
from pacer.segments import actions
from pacer.segments.models import Membership, Segment

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-1"


@pytest.fixture
def browser_client(admin):
    client = Client()
    client.login(username="ada", password=PASSWORD)
    return client


@pytest.fixture
def contacts(workspace):
    return [
        Contact.objects.create(
            workspace=workspace, email=f"p{n}@x.io", first_name=f"P{n}", lifecycle_stage=s
        )
        for n, s in enumerate(["lead", "customer", "lead"])
    ]


def form(**extra):
    base = {
        "name": "Leads",
        "kind": "dynamic",
        "r.type": "group",
        "r.op": "and",
        "r.0.type": "field",
        "r.0.field": "lifecycle_stage",
        "r.0.op": "eq",
        "r.0.value": "lead",
    }
    return base | extra


def test_the_builder_adds_and_removes_nested_conditions_without_javascript(browser_client):
    page = browser_client.post("/segments/new/", form(**{"edit": "add:r", "add-kind.r": "group"}))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="r.1.type" value="group"' in html
    assert '<option value="lead" selected>' in html  # what was chosen is kept
    page = browser_client.post(
        "/segments/new/",
        form(**{"r.1.type": "group", "r.1.op": "or", "edit": "add:r.1", "add-kind.r.1": "event"}),
    )
    html = page.content.decode()
    assert 'name="r.1.0.type" value="event"' in html
    page = browser_client.post(
        "/segments/new/", form(**{"r.1.type": "group", "r.1.op": "or", "edit": "remove:r.1"})
    )
    assert 'name="r.1.type"' not in page.content.decode()
    assert not Segment.objects.exists()


def _select(html: str, name: str) -> tuple[str, list[tuple[str, str, bool]]]:
    """A select's opening tag and its (value, label, selected) options."""
    found = re.search(rf'(<select name="{re.escape(name)}"[^>]*>)(.*?)</select>', html, re.S)
    options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', found.group(2))
    return found.group(1), [(value, label, bool(chosen)) for value, chosen, label in options]


def test_the_stage_is_chosen_from_the_workspaces_stages(browser_client, workspace, contacts):
    set_stages(
        workspace,
        [
            {"key": "new", "label": "New enquiry"},
            {"key": "lead", "label": "Lead"},
            {"key": "customer", "label": "Customer", "kind": "won"},
        ],
    )
    html = browser_client.get("/segments/new/").content.decode()
    tag, options = _select(html, "r.0.value")  # the default rule: customers
    assert "multiple" not in tag and 'name="r.0.value" value=' not in html  # no text box
    assert options == [
        ("new", "New enquiry", False),  # the workspace's stages, in its order
        ("lead", "Lead", False),
        ("customer", "Customer", True),
        ("subscriber", "Subscriber", False),  # then the contact stages they leave out
        ("mql", "Marketing qualified lead", False),
        ("sql", "Sales qualified lead", False),
        ("opportunity", "Opportunity", False),
        ("evangelist", "Evangelist", False),
        ("other", "Other", False),
    ]
    # "is one of": a multiple select, its choices saved as a list
    picked = form(**{"r.0.op": "in", "edit": "refresh"}) | {"r.0.value": ["lead", "customer"]}
    tag, options = _select(
        browser_client.post("/segments/new/", picked).content.decode(), "r.0.value"
    )
    assert "multiple" in tag
    assert [value for value, _, chosen in options if chosen] == ["lead", "customer"]
    picked.pop("edit")
    assert browser_client.post("/segments/new/", picked).status_code == 302
    segment = Segment.objects.get()
    assert segment.definition["children"][0]["value"] == ["lead", "customer"]
    assert segment.member_count == 3
    # a stored value that is no stage stays chosen, said to be none
    segment.definition["children"][0] = {
        "type": "field", "field": "lifecycle_stage", "op": "eq", "value": "vip"
    }  # fmt: skip
    segment.save()
    html = browser_client.get(f"/segments/{segment.pk}/edit/").content.decode()
    assert _select(html, "r.0.value")[1][-1] == ("vip", "vip (not a stage)", True)
    # another field: a text box again
    other = browser_client.post("/segments/new/", form(**{"r.0.field": "email", "edit": "x"}))
    assert 'name="r.0.value" value="lead"' in other.content.decode()


def test_the_stages_read_as_their_names_and_their_multiple_select_says_it_takes_several(
    browser_client, workspace, contacts
):
    picked = form(**{"r.0.op": "in", "edit": "refresh"}) | {"r.0.value": ["mql", "customer"]}
    html = browser_client.post("/segments/new/", picked).content.decode()
    label = re.search(r'<span class="seg-label">(.*?)</span><select name="r.0.value"', html)
    assert (
        re.sub("<[^>]+>", "", label.group(1)) == "Stages (choose one or more: Ctrl or ⌘ and click)"
    )
    # the stage's test says "is one of", not the text box's "(comma-separated)"
    tests = dict((value, text) for value, text, _ in _select(html, "r.0.op")[1])
    assert tests["in"] == "is one of"
    picked.pop("edit")
    assert browser_client.post("/segments/new/", picked).status_code == 302
    segment = Segment.objects.get()
    html = browser_client.get(f"/segments/{segment.pk}/").content.decode()
    rules = re.search(r'<pre class="segment-summary">(.*?)</pre>', html, re.S).group(1)
    assert rules.splitlines() == [
        "all of",
        "  Lifecycle stage is one of Marketing qualified lead, Customer",
    ]


def test_the_list_says_what_each_segment_is_for(browser_client, workspace, contacts):
    actions.create_segment(
        workspace, name="Leads", description="Everyone still deciding", definition=form_tree()
    )
    html = browser_client.get("/segments/").content.decode()
    head = re.findall(r"<th[^>]*>(?:<a[^>]*>)?([^<]+)", html.split("<tbody>")[0])
    assert [h.strip() for h in head][:4] == ["Name", "Description", "Kind", "Members"]
    assert "Everyone still deciding" in html.split("<tbody>")[1]


def form_tree() -> dict:
    return {
        "type": "group",
        "op": "and",
        "children": [{"type": "field", "field": "lifecycle_stage", "op": "eq", "value": "lead"}],
    }


def test_a_refused_rule_is_shown_on_its_node_and_nothing_is_saved(browser_client):
    page = browser_client.post(
        "/segments/new/",
        form(**{"r.1.type": "event", "r.1.event": "Bought", "r.1.count": "-2"}),
    )
    assert page.status_code == 422
    html = page.content.decode()
    assert "Definition › children › #2 › count: Input should be greater than or equal to 0" in html
    leaf = html[html.index('id="node-r.1"') :]
    assert "count: Input should be greater than or equal to 0" in leaf[: leaf.index("</div>")]
    assert not Segment.objects.exists()


def test_count_and_save(browser_client, contacts):
    counted = browser_client.post("/segments/new/", form(edit="preview"))
    html = counted.content.decode()
    assert '<strong id="preview-count">2</strong>' in html
    fragment = browser_client.post("/segments/preview/", form())
    assert '<strong id="preview-count">2</strong>' in fragment.content.decode()
    saved = browser_client.post("/segments/new/", form())
    segment = Segment.objects.get()
    assert saved.status_code == 302 and saved["Location"] == f"/segments/{segment.pk}/"
    assert segment.member_count == 2
    detail = browser_client.get(f"/segments/{segment.pk}/").content.decode()
    assert "p0@x.io" in detail and "p2@x.io" in detail and "p1@x.io" not in detail
    listing = browser_client.get("/segments/").content.decode()
    assert f'href="/segments/{segment.pk}/"' in listing
    export = browser_client.get(f"/segments/{segment.pk}/export.csv")
    lines = b"".join(export.streaming_content).decode().strip().splitlines()
    assert lines[0].startswith("contact,contact__email,")
    assert sorted(line.split(",")[1] for line in lines[1:]) == ["p0@x.io", "p2@x.io"]


def test_editing_keeps_the_stored_rules(browser_client, workspace, contacts):
    segment = actions.create_segment(
        workspace,
        name="Both",
        definition={
            "type": "group",
            "op": "or",
            "children": [
                {"type": "field", "field": "email", "op": "contains", "value": "p1"},
                {
                    "type": "group",
                    "negate": True,
                    "children": [{"type": "orders", "measure": "revenue", "op": "gt", "value": 5}],
                },
            ],
        },
    )
    html = browser_client.get(f"/segments/{segment.pk}/edit/").content.decode()
    assert 'name="r.1.negate" checked' in html
    assert 'name="r.1.0.value" value="5"' in html


def test_a_csv_upload_adds_members_and_lists_the_rows_it_could_not(
    browser_client, workspace, contacts
):
    segment = actions.create_segment(workspace, name="VIP", kind="static")
    upload = SimpleUploadedFile("vip.csv", b"email\np0@x.io\nzed@x.io\n", content_type="text/csv")
    page = browser_client.post(f"/segments/{segment.pk}/members/", {"file": upload}, follow=True)
    html = page.content.decode()
    assert "Added 1 contacts" in html
    assert "Line 3: no contact with email &#x27;zed@x.io&#x27;" in html
    assert list(Membership.objects.values_list("contact_id", flat=True)) == [contacts[0].pk]
    browser_client.post(f"/segments/{segment.pk}/members/", {"remove": str(contacts[0].pk)})
    assert not Membership.objects.exists()
