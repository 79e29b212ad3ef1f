"""Feed and share-link tokens are secrets: only their SHA-256 digests are stored, the
address is shown once, lookups go by digest, and the migration that hashed the tokens
stored before keeps the addresses already handed out working."""

import hashlib
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from pacer.content import actions, assets
from pacer.content.models import CalendarFeed, ShareLink
from pacer.core import clock
from tests.content.conftest import PASSWORD
from tests.content.test_assets import png

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def _everything_stored() -> str:
    """Every row of every table, as JSON text."""
    out = io.StringIO()
    call_command("dumpdata", stdout=out, format="json")
    return out.getvalue()


@pytest.mark.django_db
def test_the_database_holds_no_token_in_clear(workspace, team, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    feed, feed_token = actions.rotate_feed(workspace, user=team["editor"], scope="calendar")
    collection = assets.create_collection(workspace, "Kit")
    assets.collect(
        collection, assets.upload_asset(workspace, name="A", filename="a.png", data=png())
    )
    link, link_token = assets.share_collection(
        collection, label="Agency", days=7, can_download=False, renditions=[]
    )
    stored = _everything_stored()
    assert feed_token not in stored and link_token not in stored
    assert feed.digest == hashlib.sha256(feed_token.encode()).hexdigest()
    assert link.digest == hashlib.sha256(link_token.encode()).hexdigest()
    assert (feed.prefix, link.prefix) == (feed_token[:6], link_token[:6])
    assert Client().get(f"/content/feeds/{feed_token}.ics").status_code == 200
    assert Client().get(f"/share/{link_token}/").status_code == 200
    # the digest itself is not a key to anything
    assert Client().get(f"/content/feeds/{feed.digest[:64]}.ics").status_code == 404
    assert Client().get(f"/share/{link.digest[:64]}/").status_code == 404


@pytest.mark.django_db
def test_an_old_feed_token_stops_working_after_rotation(workspace, team):
    first, old = actions.rotate_feed(workspace, user=team["editor"], scope="user")
    second, new = actions.rotate_feed(workspace, user=team["editor"], scope="user")
    assert first.pk == second.pk and CalendarFeed.objects.count() == 1
    assert Client().get(f"/content/feeds/{old}.ics").status_code == 404
    assert Client().get(f"/content/feeds/{new}.ics").status_code == 200


@pytest.mark.django_db
def test_a_share_link_is_shown_once_when_it_is_made(workspace, team, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    collection = assets.create_collection(workspace, "Kit")
    browser = Client()
    assert browser.login(username=team["editor"].username, password=PASSWORD)
    made = browser.post(
        f"/assets/collections/{collection.pk}/share/",
        {"label": "Springfield", "days": "10", "renditions": ["medium"]},
    )
    assert made.status_code == 200
    token = re.search(r'id="new-share-url">[^<]*/share/([^/<]+)/<', made.text).group(1)
    link = ShareLink.objects.get()
    assert link.digest == hashlib.sha256(token.encode()).hexdigest()
    assert link.expires_at == NOW + timedelta(days=10)
    later = browser.get(f"/assets/collections/{collection.pk}/").text
    assert token not in later and f"{token[:6]}…" in later
    assert Client().get(f"/share/{token}/").status_code == 200


@pytest.mark.slow
@pytest.mark.migrations  # migrates the database itself
@pytest.mark.django_db(transaction=True)
def test_the_migration_hashes_stored_tokens_and_their_addresses_keep_working(
    workspace, team, monkeypatch
):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    executor = MigrationExecutor(connection)
    executor.migrate([("content", "0001_initial")])
    old = executor.loader.project_state([("content", "0001_initial")]).apps
    feed = old.get_model("content", "CalendarFeed").objects.create(
        workspace_id=workspace.pk, scope="calendar", user_id=team["editor"].pk, token="feed-Tok3n"
    )
    collection = old.get_model("content", "Collection").objects.create(
        workspace_id=workspace.pk, name="Kit"
    )
    old.get_model("content", "ShareLink").objects.create(
        workspace_id=workspace.pk,
        collection_id=collection.pk,
        label="Agency",
        token="share-Tok3n",
        expires_at=NOW + timedelta(days=3),
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert "feed-Tok3n" not in _everything_stored()
    assert "share-Tok3n" not in _everything_stored()
    moved = CalendarFeed.objects.get(pk=feed.pk)
    assert (moved.digest, moved.prefix) == (
        hashlib.sha256(b"feed-Tok3n").hexdigest(),
        "feed-T",
    )
    assert Client().get("/content/feeds/feed-Tok3n.ics").status_code == 200
    assert Client().get("/share/share-Tok3n/").status_code == 200
    assert Client().get("/share/share-Tok3n-not/").status_code == 404
