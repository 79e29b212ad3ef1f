"""An item's approval plan is changed after it was made, from its edit page and over the
REST API's PATCH, through one action with its details (``actions.edit_item``): all or
nothing, a reviewer who is not a member refused naming the step's field, a step's due day
kept while the step stays, the plan left alone by a post that did not show it."""

import pytest
from django.test import Client

from pacer.content import actions
from pacer.content.models import ContentItem
from pacer.core.models import AuditEntry
from tests.api_client import ApiClient
from tests.content.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(workspace, team):
    return actions.create_item(
        workspace,
        title="Launch post",
        kind="blog_post",
        team="brand",
        reviewers=[
            {"name": "Legal", "reviewer": team["legal"].pk, "due_on": "2026-06-01"},
            {"name": "Brand", "reviewer": team["brand"].pk},
        ],
    )


@pytest.fixture
def editor(team):
    client = Client()
    assert client.login(username=team["editor"].username, password=PASSWORD)
    return client


def _details(item, **extra):
    return {
        "title": item.title,
        "kind": item.kind,
        "channel": "",
        "team": "brand",
        "theme": "",
        "campaign_key": "",
        **extra,
    }


def _plan(item):
    item.refresh_from_db()
    return item.approval_plan


def test_the_edit_page_shows_the_plan_and_changes_it_keeping_a_kept_steps_day(item, editor, team):
    url = f"/content/items/{item.pk}/edit/"
    form = editor.get(url)
    assert {k: v for k, v in form.context["form"].items() if k.startswith("step")} == {
        "step1_name": "Legal",
        "step1_reviewer": str(team["legal"].pk),
        "step2_name": "Brand",
        "step2_reviewer": str(team["brand"].pk),
    }
    assert form.context["step_numbers"] == ["1", "2", "3"]
    saved = editor.post(
        url,
        _details(
            item,
            title="Launch post v2",
            reviewers_shown="1",
            step1_name="Legal",
            step1_reviewer=str(team["legal"].pk),
            step3_name="Editor in chief",
            step3_reviewer=str(team["editor"].pk),
        ),
    )
    assert saved.status_code == 302
    assert _plan(item) == [
        {"name": "Legal", "reviewer": team["legal"].pk, "due_on": "2026-06-01"},
        {"name": "Editor in chief", "reviewer": team["editor"].pk},
    ]
    assert item.title == "Launch post v2"
    entry = AuditEntry.objects.filter(action="content.reviewers").get()
    assert (entry.actor, entry.after["plan"][1]["name"]) == (team["editor"], "Editor in chief")


def test_a_refused_step_refuses_the_details_too_and_names_the_steps_field(item, editor, team):
    before, entries = _plan(item), AuditEntry.objects.count()
    refused = editor.post(
        f"/content/items/{item.pk}/edit/",
        _details(
            item,
            title="Changed",
            team="sales",
            reviewers_shown="1",
            step1_name="Legal",
            step1_reviewer=str(team["legal"].pk),
            step2_name="Outsider",
            step2_reviewer="999999",
        ),
    )
    assert refused.status_code == 422
    assert refused.context["errors"] == {
        "team": "no team 'sales' in this workspace: choose one of its teams",
        "step2_reviewer": "must be a member of this workspace",
    }
    assert _plan(item) == before and item.title == "Launch post"
    assert AuditEntry.objects.count() == entries
    page = refused.content.decode()
    assert 'value="Outsider"' in page  # what was typed comes back


def test_a_bad_step_beside_the_unchanged_ones_is_refused_not_dropped(item, editor, team):
    entries = AuditEntry.objects.count()
    refused = editor.post(
        f"/content/items/{item.pk}/edit/",
        _details(
            item,
            title="Changed",
            reviewers_shown="1",
            step1_name="Legal",
            step1_reviewer=str(team["legal"].pk),
            step2_name="Brand",
            step2_reviewer=str(team["brand"].pk),
            step3_name="",
            step3_reviewer=str(team["editor"].pk),
        ),
    )
    assert refused.status_code == 422
    assert refused.context["errors"] == {"step3_name": "name the step in 1-100 characters"}
    assert ContentItem.objects.get(pk=item.pk).title == "Launch post"
    assert AuditEntry.objects.count() == entries


def test_a_post_without_the_steps_keeps_the_plan_and_an_unchanged_plan_is_not_audited(
    item, editor, team
):
    before = _plan(item)
    assert editor.post(f"/content/items/{item.pk}/edit/", _details(item)).status_code == 302
    assert _plan(item) == before
    same = _details(
        item,
        reviewers_shown="1",
        step1_name="Legal",
        step1_reviewer=str(team["legal"].pk),
        step2_name="Brand",
        step2_reviewer=str(team["brand"].pk),
    )
    assert editor.post(f"/content/items/{item.pk}/edit/", same).status_code == 302
    assert _plan(item) == before
    assert not AuditEntry.objects.filter(action="content.reviewers").exists()


def test_patch_replaces_the_plan_or_refuses_it_whole(workspace, item, team):
    editor = ApiClient(workspace, team["editor"])

    def patch(body):
        return editor.patch(f"content/items/{item.pk}", body)

    entries = AuditEntry.objects.count()
    refused = patch({"title": "New", "reviewers": [{"name": "X", "reviewer": 999999}]})
    assert refused.status_code == 422
    assert refused.json()["errors"] == {
        "reviewers[0].reviewer": "must be a member of this workspace"
    }
    assert ContentItem.objects.get(pk=item.pk).title == "Launch post"
    assert AuditEntry.objects.count() == entries
    assert patch({"title": "New"}).status_code == 200  # no reviewers: the plan stays
    assert [s["name"] for s in _plan(item)] == ["Legal", "Brand"]
    changed = patch({"reviewers": [{"name": "Brand", "reviewer": team["brand"].pk}]})
    assert changed.status_code == 200
    assert _plan(item) == [{"name": "Brand", "reviewer": team["brand"].pk}]
    assert patch({"reviewers": []}).status_code == 200
    assert _plan(item) == []
