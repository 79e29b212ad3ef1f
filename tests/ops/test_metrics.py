"""``/metrics``: Prometheus text read at scrape time, for localhost or a bearer token."""

import math
from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from pacer.core import feed
from pacer.core.models import ChangeBatch
from pacer.ingest.actions import accept
from pacer.ingest.models import Event
from pacer.ingest.processing import process_pending
from pacer.ops import readings
from pacer.warehouse.models import SyncRun
from pacer.warehouse.sync import sync
from pacer.warehouse.tasks import sync_warehouse

pytestmark = pytest.mark.django_db


def samples(client, **headers) -> dict:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    found = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            key = (sample.name, tuple(sorted(sample.labels.items())))
            found[key] = sample.value
    return found


def value(found: dict, name: str, **labels) -> float:
    return found[(name, tuple(sorted(labels.items())))]


def pages(count: int, start: int = 0) -> list[dict]:
    return [
        {"type": "page", "messageId": f"m{i}", "anonymousId": f"a{i}"}
        for i in range(start, start + count)
    ]


def test_metrics_read_the_current_state(client, workspace):
    found = samples(client)
    assert value(found, "pacer_events_accepted_total") == 0
    assert value(found, "pacer_events_pending") == 0
    assert value(found, "pacer_events_processing_lag_seconds") == 0
    assert value(found, "pacer_events_quarantined") == 0
    assert value(found, "pacer_warehouse_sync_age_seconds") == math.inf
    assert value(found, "pacer_change_feed_lag_batches") == 0
    assert value(found, "pacer_tasks_queued", queue="warehouse", status="ready") == 0
    assert value(found, "pacer_privacy_suppressions_unmatchable") == 0
    assert "process_resident_memory_bytes" in {name for name, _ in found}

    waited = timedelta(seconds=90)
    accept(workspace, pages(5), received_at=timezone.now() - waited)
    accept(workspace, pages(3, start=5), received_at=timezone.now())
    sync_warehouse.enqueue()
    found = samples(client)
    assert value(found, "pacer_events_accepted_total") == Event.objects.latest("id").id
    assert value(found, "pacer_events_pending") == 8
    # read when scraped: at least the 90 s the oldest has waited (the test takes < 60 s)
    assert 90 <= value(found, "pacer_events_processing_lag_seconds") < 150
    assert value(found, "pacer_tasks_queued", queue="warehouse", status="ready") == 1
    assert value(found, "pacer_tasks_queued", queue="default", status="ready") == 0

    process_pending(workspace)
    run = sync()
    SyncRun.objects.filter(pk=run.pk).update(finished_at=timezone.now() - timedelta(minutes=10))
    found = samples(client)
    assert value(found, "pacer_events_pending") == 0
    assert value(found, "pacer_events_processing_lag_seconds") == 0
    assert 600 <= value(found, "pacer_warehouse_sync_age_seconds") < 660
    assert value(found, "pacer_events_quarantined") == 0
    Event.objects.filter(pk__in=Event.objects.order_by("id").values("pk")[:2]).update(
        quarantined_at=timezone.now(), quarantine_reason="properties.total: too large"
    )
    assert value(samples(client), "pacer_events_quarantined") == 2


def test_openmetrics_when_the_scraper_asks_for_it(client, db):
    response = client.get("/metrics", HTTP_ACCEPT="application/openmetrics-text; version=1.0.0")
    assert response["Content-Type"].startswith("application/openmetrics-text; version=1.0.0")
    assert response.content.endswith(b"# EOF\n")


def test_change_feed_lag_counts_what_the_slowest_subscriber_has_not_handled(workspace):
    for contact_id in range(1, 6):
        feed.publish(workspace.pk, source="test", contact_ids=[contact_id])
    fast = feed.Subscriber("fast", handle=lambda batches: None)
    assert feed.deliver(fast, limit=3) == 3
    assert readings.feed_lag_batches(["fast"]) == 2
    assert readings.feed_lag_batches(["fast", "never-ran"]) == ChangeBatch.objects.count() == 5
    assert feed.deliver(fast) == 2
    assert readings.feed_lag_batches(["fast"]) == 0
    assert readings.feed_lag_batches([]) == 0


def test_without_a_token_only_direct_local_requests_are_answered(client, db):
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 403
    proxied = client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert proxied.status_code == 403


def test_with_a_token_a_scrape_must_bring_it(client, db, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    refused = client.get("/metrics")  # even from localhost
    assert refused.status_code == 401 and refused["WWW-Authenticate"].startswith("Bearer")
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-tokeN")
    assert wrong.status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Basic s3cret-token").status_code == 401
    right = client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert right.status_code == 200 and b"pacer_events_pending" in right.content
