"""Asset search: words found anywhere in an asset's name, description or tags, ignoring
case and accents ("cafe" finds "Café"), through an index on each database.

Each asset keeps ``search_text``: its name, description and ``#tags``, folded by
``fold`` (lower case, accents removed). A search folds its words the same way and keeps
the assets whose text contains every word (a substring match, as before the index):

- SQLite: an FTS5 table with the trigram tokenizer over ``search_text``
  (``content_asset_search``, kept by triggers; migration 0005), asked ``MATCH`` with one
  quoted phrase per word;
- PostgreSQL: a trigram GIN index (``pg_trgm``) on ``search_text``, which serves
  ``LIKE '%word%'`` (migration 0005 makes it when the extension can be created; without
  it the same query scans).

A trigram index needs three characters: shorter words are matched by ``LIKE`` on the
rows the longer words left (or on all of them), so every search gives the same rows on
both databases, index or not.
"""

import unicodedata

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

MAX_WORDS = 10
FTS_TABLE = "content_asset_search"


def fold(text: str) -> str:
    """``text`` in lower case without accents, as it is stored and searched.

    >>> fold("Crème Brûlée ÉTÉ")
    'creme brulee ete'
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def matching(rows: QuerySet, words: list[str]) -> QuerySet:
    """The assets of ``rows`` whose search text contains every word (folded; at most
    ``MAX_WORDS``; empty words are ignored). A NUL is dropped: FTS5 reads it as the end
    of the query ("unterminated string") and PostgreSQL refuses it in a literal."""
    folded = [
        w for w in (fold(word).replace("\x00", "").strip() for word in words[:MAX_WORDS]) if w
    ]
    indexed = [w for w in folded if len(w) >= 3]
    if indexed and connection.vendor == "sqlite":
        query = " AND ".join(_phrase(w) for w in indexed)
        rows = rows.filter(
            pk__in=RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [query])
        )
        folded = [w for w in folded if len(w) < 3]
    for word in folded:
        rows = rows.filter(search_text__contains=word)
    return rows
