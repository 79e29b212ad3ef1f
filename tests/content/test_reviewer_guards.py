"""Only a member who may review (``content.review``) is named as an approval step's
reviewer: a partner's login is a member of the workspace too, but it sees only the
partner portal and may not vote, so a step naming it would hold the item in review for
good (and show an outside organisation the team's work in progress). Refused at the
step's field on the page and over the REST API, nothing written; the page's reviewer
choices leave the login out."""

import pytest
from django.test import Client

from pacer.content import actions, partners
from pacer.content.models import ContentItem
from pacer.core.models import AuditEntry
from tests.api_client import ApiClient
from tests.content.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def outsider(workspace, team):
    """A partner's login in the workspace (role ``partner``)."""
    partner = partners.create_partner(workspace, name="Agency", territory="DE", channels=["print"])
    member = partners.add_login(
        partner, username="agency-pat", email="pat@agency.test", password="long-horse-battery-7"
    )
    return member.user


def test_the_action_refuses_a_partners_login_as_reviewer(workspace, team, outsider):
    before = ContentItem.objects.count()
    with pytest.raises(actions.ValidationFailed) as refused:
        actions.create_item(
            workspace,
            title="Launch post",
            kind="blog_post",
            reviewers=[
                {"name": "Legal", "reviewer": team["legal"].pk},
                {"name": "Agency", "reviewer": outsider.pk},
            ],
        )
    assert refused.value.errors == {
        "reviewers[1].reviewer": "must be a member of this workspace who may review"
    }
    assert ContentItem.objects.count() == before


def test_the_api_refuses_it_on_create_and_on_patch_writing_nothing(workspace, team, outsider):
    api = ApiClient(workspace, team["editor"])
    made = api.post(
        "content/items",
        {
            "title": "Launch",
            "kind": "blog_post",
            "reviewers": [{"name": "A", "reviewer": outsider.pk}],
        },
    )
    assert made.status_code == 422
    assert made.json()["errors"] == {
        "reviewers[0].reviewer": "must be a member of this workspace who may review"
    }
    assert not ContentItem.objects.filter(title="Launch").exists()
    item = actions.create_item(
        workspace,
        title="Kept",
        kind="blog_post",
        reviewers=[{"name": "Legal", "reviewer": team["legal"].pk}],
    )
    audited = AuditEntry.objects.count()
    patched = api.patch(
        f"content/items/{item.pk}", {"reviewers": [{"name": "A", "reviewer": outsider.pk}]}
    )
    assert patched.status_code == 422
    assert "reviewers[0].reviewer" in patched.json()["errors"]
    item.refresh_from_db()
    assert item.approval_plan == [{"name": "Legal", "reviewer": team["legal"].pk}]
    assert AuditEntry.objects.count() == audited


def test_the_pages_reviewer_choices_leave_the_login_out(team, outsider):
    editor = Client()
    assert editor.login(username=team["editor"].username, password=PASSWORD)
    people = dict(editor.get("/content/items/").context["people"])
    assert str(team["legal"].pk) in people and str(team["editor"].pk) in people
    assert str(outsider.pk) not in people
