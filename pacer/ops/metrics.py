"""``/metrics`` in the Prometheus text format (prometheus-client), read at scrape time.

A custom collector asks the database for current values on every scrape, so every web
process answers alike and nothing has to be shared between processes.

Access: with ``METRICS_TOKEN`` set (``PACER_METRICS_TOKEN``), a scrape must send
``Authorization: Bearer <token>``; without one, only direct requests from the loopback
address are answered (a request carrying ``X-Forwarded-For`` or ``Forwarded`` came
through a proxy, so it is refused too: behind a proxy, set the token).
"""

import hmac

from django.conf import settings
from django.utils import timezone
from prometheus_client import CollectorRegistry, ProcessCollector
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import choose_encoder

from pacer.ingest import selectors as ingest
from pacer.ops import readings
from pacer.privacy.selectors import suppressions_under_other_keys

LOOPBACK = {"127.0.0.1", "::1"}
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


class PacerCollector:
    """Pacer's operational metrics; every value is read when Prometheus scrapes."""

    def collect(self):
        now = timezone.now()
        yield CounterMetricFamily(
            "pacer_events_accepted",
            "Events accepted since the install began (rate() of it is the ingest rate).",
            value=ingest.accepted_events(),
        )
        yield GaugeMetricFamily(
            "pacer_events_pending",
            "Events accepted and not yet processed.",
            value=ingest.pending_events(),
        )
        yield GaugeMetricFamily(
            "pacer_events_processing_lag_seconds",
            "Age of the oldest pending event (0 when none is pending).",
            value=readings.processing_lag_seconds(now),
        )
        yield GaugeMetricFamily(
            "pacer_events_quarantined",
            "Events set aside as unprocessable.",
            value=ingest.quarantined_events(),
        )
        tasks = GaugeMetricFamily(
            "pacer_tasks_queued",
            "Background tasks ready to run or running, by queue.",
            labels=["queue", "status"],
        )
        for (queue, status), count in sorted(readings.task_queue_depth().items()):
            tasks.add_metric([queue, status], count)
        yield tasks
        yield GaugeMetricFamily(
            "pacer_warehouse_sync_age_seconds",
            "Seconds since the last successful warehouse sync (+Inf if none yet).",
            value=readings.warehouse_sync_age_seconds(now),
        )
        yield GaugeMetricFamily(
            "pacer_change_feed_lag_batches",
            "Change-feed batches the slowest subscriber has not handled yet.",
            value=readings.feed_lag_batches(),
        )
        yield GaugeMetricFamily(
            "pacer_privacy_suppressions_unmatchable",
            "Suppressions made under another PRIVACY_HASH_KEY: they no longer match.",
            value=suppressions_under_other_keys(),
        )


registry = CollectorRegistry(auto_describe=False)
registry.register(PacerCollector())
ProcessCollector(registry=registry)


def exposition(accept: str | None) -> tuple[bytes, str]:
    """The metrics and their content type, in the format the scraper's ``Accept`` header
    asks for (Prometheus text 0.0.4 by default, or OpenMetrics)."""
    encoder, content_type = choose_encoder(accept or "")
    return encoder(registry), content_type


def allowed(request) -> bool:
    """Whether ``request`` may read the metrics (see the module's docstring)."""
    token = settings.METRICS_TOKEN
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), token.encode()
        )
    proxied = any(header in request.META for header in PROXY_HEADERS)
    return request.META.get("REMOTE_ADDR") in LOOPBACK and not proxied
