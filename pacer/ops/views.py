"""Probes and metrics. Public health endpoints (they reveal nothing but ok or not);
``/metrics`` is gated by ``pacer.ops.metrics.allowed``."""

import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from pacer.ops import health
from pacer.ops.metrics import allowed, exposition

logger = logging.getLogger(__name__)


@require_GET
def healthz(request):
    """The process is up and answering (touches nothing else)."""
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request):
    """The database answers, every migration is applied and the warehouse directory is
    writable; 503 naming each failing check otherwise."""
    checks = health.readiness()
    ready = all(outcome == "ok" for outcome in checks.values())
    return JsonResponse(
        {"status": "ready" if ready else "unready", "checks": checks}, status=200 if ready else 503
    )


@require_GET
def metrics(request):
    if not allowed(request):
        if settings.METRICS_TOKEN:
            response = HttpResponse("a bearer token is required\n", status=401)
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
        return HttpResponse("metrics are served to localhost only\n", status=403)
    try:
        body, content_type = exposition(request.headers.get("Accept"))
    except DatabaseError:
        logger.warning("metrics: database unavailable", exc_info=True)
        return HttpResponse("database unavailable\n", status=503)
    return HttpResponse(body, content_type=content_type)
