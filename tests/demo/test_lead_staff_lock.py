"""The demo gives its leads their owners a few at a time: SQLite has one write lock, and
one transaction over all 8,000 leads of the 20,000-contact demo held it for minutes, so
a sign-in while the demo loaded failed with "database is locked"."""

from datetime import UTC, datetime

import pytest
from django.db import connection, transaction

from pacer.demo.lead_staff import CHUNK, load_staff
from pacer.demo.leads import load_leads
from pacer.leads.models import Lead
from pacer.people.actions import upsert_locations
from pacer.simulate.business import generate
from pacer.simulate.config import SimConfig

pytestmark = pytest.mark.django_db(transaction=True)
CONFIG = SimConfig(seed=5, contacts=320, months=2, locations=3, start="2026-01-05")


def leads_written_per_commit(run) -> list[int]:
    """How many leads each committed transaction of ``run`` wrote (``UPDATE`` of a lead
    inside a transaction, counted once per lead, reported when it commits)."""
    sizes: list[int] = []
    open_ids: set[int] = set()

    def committed():
        sizes.append(len(open_ids))
        open_ids.clear()

    def watch(execute, sql, params, many, context):
        if sql.startswith('UPDATE "leads_lead"') and connection.in_atomic_block:
            if not open_ids:
                transaction.on_commit(committed)
            open_ids.add(params[-1])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        run()
    return sizes


def test_no_transaction_gives_more_than_a_chunk_of_leads_their_owners(workspace):
    business = generate(CONFIG)
    upsert_locations(
        workspace,
        [
            {"code": c, "name": n}
            for c, n in zip(business.location_codes, business.location_names, strict=True)
        ],
    )
    end = datetime.fromtimestamp(business.start + CONFIG.weeks * 7 * 86_400, UTC)
    load_leads(workspace, business, now=end, fit_score=False)
    waiting = Lead.objects.filter(workspace=workspace, owner__isnull=True).count()
    assert waiting > 2 * CHUNK  # enough leads for three transactions at least

    counts = {}
    sizes = leads_written_per_commit(
        lambda: counts.update(load_staff(workspace, business, "pw-demo-1", end))
    )
    assert sum(sizes) == waiting and max(sizes) <= CHUNK, sizes
    assert len(sizes) == -(-waiting // CHUNK)
    owned = Lead.objects.filter(workspace=workspace, owner__isnull=False).count()
    assert counts["assigned"] == owned and owned > 0.9 * waiting
