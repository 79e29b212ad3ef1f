"""Asset search through each database's index (SQLite FTS5 trigram table, PostgreSQL
pg_trgm GIN index): words anywhere in the name, description or tags, case and accents
ignored, every word needed; the index follows renames and deletions; the query uses it."""

import pytest
from django.db import connection

from pacer.content import assets, search, selectors
from pacer.content.models import Asset
from pacer.content.search import FTS_TABLE, fold
from tests.content.test_assets import png

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(workspace, media_dir):
    def add(name, description="", tags=""):
        return assets.upload_asset(
            workspace,
            name=name,
            filename="a.png",
            data=png(4, 4),
            description=description,
            tags=tags,
        )

    return {
        "cafe": add("Café Crème", "Été à Paris", tags="summer, hero"),
        "cafeteria": add("Cafeteria plan", "Floor plan of the canteen"),
        "plain": add("Plain banner", "Winter SALE", tags="winter"),
    }


def _names(workspace, **query) -> list[str]:
    return sorted(a.name for a in selectors.assets(workspace, **query))


def test_fold_lowers_case_and_removes_accents():
    assert fold("Crème Brûlée ÉTÉ Straße") == "creme brulee ete strasse"


def test_words_match_anywhere_ignoring_case_and_accents(workspace, library):
    assert _names(workspace, search="cafe") == ["Cafeteria plan", "Café Crème"]
    assert _names(workspace, search="CAFÉ") == ["Cafeteria plan", "Café Crème"]
    assert _names(workspace, search="café crème") == ["Café Crème"]
    assert _names(workspace, search="ETE paris") == ["Café Crème"]
    assert _names(workspace, search="sale") == ["Plain banner"]
    assert _names(workspace, search="plan") == ["Cafeteria plan"]  # not "Plain"
    assert _names(workspace, search="banner") == ["Plain banner"]
    assert _names(workspace, search="cafes") == []
    assert _names(workspace, search="cafe winter") == []
    assert _names(workspace, tag="summer") == ["Café Crème"]
    assert _names(workspace, tag="WINTER") == ["Plain banner"]
    assert _names(workspace, search="sale", tag="winter") == ["Plain banner"]
    assert _names(workspace, search="plan", tag="winter") == []
    # words under three characters (no trigram) are matched on the other words' rows
    assert _names(workspace, search="fe") == ["Cafeteria plan", "Café Crème"]
    assert _names(workspace, search="fe plan") == ["Cafeteria plan"]
    assert _names(workspace, search="é") == ["Cafeteria plan", "Café Crème", "Plain banner"]


def test_search_syntax_in_words_is_taken_literally(workspace, library):
    for text in ('"cafe"', "cafe OR plain", "NEAR(cafe plain)", "caf*", "cafe -plain", "a'b"):
        assert _names(workspace, search=text) == [], text
    assert _names(workspace, search="CAFE and") == []


def test_a_nul_in_the_search_or_the_tag_is_dropped_not_a_500(workspace, library, admin, client):
    # the hostile-input walk: FTS5 read the NUL as the query's end ("unterminated
    # string"), so /assets/?q=a%00b and ?tag= were 500s
    assert _names(workspace, search="caf\x00eteria") == ["Cafeteria plan"]
    assert _names(workspace, tag="win\x00ter") == ["Plain banner"]
    client.login(username="ada", password="correct-horse-1")
    for query in ({"q": "a\x00b"}, {"tag": "a\x00b"}, {"q": "\x00"}):
        assert client.get("/assets/", query).status_code == 200, query


def test_the_index_follows_renames_and_deletions(workspace, library):
    assets.update_asset(library["cafe"], {"name": "Tea time", "description": ""})
    assert _names(workspace, search="cafe") == ["Cafeteria plan"]
    assert _names(workspace, search="tea") == ["Tea time"]
    assert _names(workspace, search="paris") == []
    Asset.objects.filter(pk=library["cafeteria"].pk).delete()
    assert _names(workspace, search="cafe") == []
    assert _names(workspace, search="plan") == []
    assert _names(workspace, search="canteen") == []


def test_other_workspaces_assets_are_not_found(workspace, library):
    from pacer.core import actions

    other = actions.create_workspace("Other", slug="other")
    assets.upload_asset(other, name="Café other", filename="a.png", data=png(4, 4))
    assert _names(workspace, search="cafe") == ["Cafeteria plan", "Café Crème"]
    assert _names(other, search="cafe") == ["Café other"]


def test_the_search_uses_the_index(workspace, library):
    query = str(selectors.assets(workspace, search="cafe").query)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            assert f"{FTS_TABLE} MATCH" in query
            cursor.execute(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH '\"creme\"'")
            assert [row[0] for row in cursor.fetchall()] == [library["cafe"].pk]
        else:
            # as on a large table: neither a scan of the table nor of another index
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            rows = search.matching(Asset.objects.all(), ["cafe"])
            sql, params = rows.query.sql_with_params()
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "content_asset_search_trgm" in plan, plan


def test_a_broad_search_counts_its_matches_only_up_to_the_cap(
    workspace, library, admin, client, monkeypatch
):
    from pacer.content import asset_views

    monkeypatch.setattr(asset_views, "SEARCH_COUNT_CAP", 2)
    client.login(username="ada", password="correct-horse-1")
    broad = client.get("/assets/?q=a").content.decode()  # all three match
    assert "of more than 2</p>" in broad
    narrow = client.get("/assets/?q=cafe").content.decode()  # two match: counted
    assert "Rows 1–2 of 2</p>" in narrow
    everything = client.get("/assets/").content.decode()  # no search: the tables' own cap
    assert "Rows 1–3 of 3</p>" in everything
