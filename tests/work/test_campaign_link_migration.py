"""Work migration 0007 stores every card's campaign link under the campaign's id: a link
kept under a key becomes the link to that campaign's id; where the card also links to
that id, the key's row goes (one link left); a plain id of a campaign of the workspace
stays; text naming no campaign of the card's workspace (another workspace's key, a
deleted campaign's) stays as it was; links of other kinds are not touched."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from pacer.core import actions as core
from pacer.work.models import CardLink

MADE = datetime(2026, 3, 1, 9, tzinfo=UTC)
BEFORE = ("work", "0006_mention_emails_to_outbox")
pytestmark = pytest.mark.migrations  # migrates the database itself


@pytest.mark.django_db(transaction=True)
def test_migration_0007_stores_campaign_links_by_id_and_drops_the_doubled_ones(workspace):
    other = core.create_workspace("Other", slug="other")
    executor = MigrationExecutor(connection)
    # every app at its latest but work, before 0007 (the campaigns are planning's)
    before = [
        BEFORE if app == "work" else (app, name) for app, name in executor.loader.graph.leaf_nodes()
    ]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    Campaign = old.get_model("planning", "Campaign")
    spring = Campaign.objects.create(
        workspace_id=workspace.pk, key="spring", name="S", channel="email"
    )
    autumn = Campaign.objects.create(
        workspace_id=workspace.pk, key="0042", name="A", channel="email"
    )
    Campaign.objects.create(workspace_id=other.pk, key="theirs", name="T", channel="email")
    # a key of the same digits as spring's id: a stored "<spring's id>" is still spring's
    Campaign.objects.create(
        workspace_id=workspace.pk, key=str(spring.pk), name="D", channel="email"
    )
    board = old.get_model("work", "Board").objects.create(
        workspace_id=workspace.pk, team="brand", slug="b", name="B"
    )
    column = old.get_model("work", "Column").objects.create(
        board=board, name="To do", position=0, stage="todo"
    )
    Card, Link = old.get_model("work", "Card"), old.get_model("work", "CardLink")
    cards = [
        Card.objects.create(
            workspace_id=workspace.pk, board=board, column=column, title=f"c{n}", created_at=MADE
        )
        for n in range(4)
    ]
    for card, kind, target in [
        (cards[0], "campaign", "spring"),  # by key and by id: one link
        (cards[0], "campaign", str(spring.pk)),
        (cards[1], "campaign", "spring"),  # by key only: moved to the id
        (cards[1], "campaign", "0042"),  # a key of digits, not an id as stored: by key
        (cards[2], "campaign", str(autumn.pk)),  # an id: stays
        (cards[2], "campaign", "theirs"),  # another workspace's key: names nothing here
        (cards[2], "campaign", "gone"),  # a deleted campaign's key: stays
        (cards[3], "asset", "spring"),  # another kind: not touched
    ]:
        Link.objects.create(card=card, kind=kind, target_id=target)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    rows = CardLink.objects.order_by("card_id", "kind", "target_id")
    assert sorted(rows.values_list("card__title", "kind", "target_id")) == sorted(
        [
            ("c0", "campaign", str(spring.pk)),
            ("c1", "campaign", str(spring.pk)),
            ("c1", "campaign", str(autumn.pk)),
            ("c2", "campaign", str(autumn.pk)),
            ("c2", "campaign", "theirs"),
            ("c2", "campaign", "gone"),
            ("c3", "asset", "spring"),
        ]
    )
