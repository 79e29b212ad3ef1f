"""Comments on versions from the item page: a comment is kept on the version it names and
shown with it (an older version's comment stays on that version after a new one), it is
audited, and an empty body or an unknown version is refused with nothing written."""

import pytest
from django.test import Client

from pacer.content import actions
from pacer.content.models import VersionComment
from pacer.core.models import AuditEntry
from tests.content.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _comments(item) -> list[tuple[int, str, str]]:
    return list(
        VersionComment.objects.filter(version__item=item)
        .order_by("pk")
        .values_list("version__number", "author__username", "body")
    )


def test_a_comment_is_kept_on_its_version_and_bad_ones_write_nothing(workspace, team, plan):
    item = actions.create_item(workspace, title="Post", kind="blog_post", body="v1", reviewers=plan)
    legal = _client(team["legal"])
    url = f"/content/items/{item.pk}/comment/"
    page = legal.get(f"/content/items/{item.pk}/").content.decode()
    assert 'id="comment-form"' in page and 'name="version" value="1"' in page

    answer = legal.post(url, {"version": "1", "body": "The second claim needs a source."})
    assert answer.status_code == 302 and answer["Location"] == f"/content/items/{item.pk}/"
    actions.save_version(item, "v2", actor=team["editor"])
    _client(team["editor"]).post(url, {"version": "2", "body": "Source added."})
    assert _comments(item) == [
        (1, "lee", "The second claim needs a source."),
        (2, "eve", "Source added."),
    ]
    page = legal.get(f"/content/items/{item.pk}/").content.decode()
    assert "on version 1" in page and "on version 2" in page
    assert "The second claim needs a source." in page and "Source added." in page
    assert AuditEntry.objects.filter(action="content.comment").count() == 2

    unknown = "Version: no such version of this item"
    for version, body, reason in (
        ("2", "   ", "Your comment on this version: must not be empty"),
        ("9", "no such version", unknown),
        ("x", "not a number", unknown),
        ("99999999999999999999", "out of range", unknown),
    ):
        answer = legal.post(url, {"version": version, "body": body})
        assert answer.status_code == 422 and reason in answer.content.decode(), version
    assert len(_comments(item)) == 2
    assert AuditEntry.objects.filter(action="content.comment").count() == 2
