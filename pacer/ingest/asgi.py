"""Refusing an oversized tracking request before its body is read.

Django's ASGI handler reads the whole body (spooling it to disk past 2.5 MB) before any
view runs, so the tracking API's own size check would come after a client had sent, and
the server stored, as much as it liked. This wraps the ASGI application: a request to
``/v1/`` that declares a ``Content-Length`` over the limit is answered 413 at once and its
body never read; one sent in chunks without a length is cut off (413) as soon as it
passes the limit.
"""

import orjson
from django.conf import settings

BATCH_PATHS = ("/v1/batch", "/v1/b", "/v1/batch/", "/v1/b/")


def body_limit(path: str) -> int | None:
    """The most bytes a request to ``path`` may carry (None: not a tracking path)."""
    if not path.startswith("/v1/"):
        return None
    if path in BATCH_PATHS:
        return settings.INGEST_MAX_BATCH_BYTES
    return settings.INGEST_MAX_EVENT_BYTES


async def _refuse(send, status: int, field: str, reason: str) -> None:
    body = orjson.dumps({"success": False, "error": {"field": field, "reason": reason}})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class TrackingBodyLimit:
    """ASGI middleware enforcing ``body_limit`` before the application reads the body."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        limit = body_limit(scope["path"]) if scope["type"] == "http" else None
        if limit is None:
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            # the header is bytes: bytes.isdigit() knows only the ASCII digits
            if not declared.isdigit():
                return await _refuse(send, 400, "Content-Length", "must be a whole number")
            if int(declared) > limit:
                reason = f"request is {int(declared)} bytes; the limit is {limit} bytes"
                return await _refuse(send, 413, "body", reason)
            return await self.app(scope, receive, send)
        return await self.app(scope, _counting(receive, send, limit), send)


def _counting(receive, send, limit: int):
    """``receive`` for a body of unknown length: past ``limit`` bytes it answers 413 and
    tells the application the client went away (Django then sends nothing)."""
    received = 0
    refused = False

    async def counted():
        nonlocal received, refused
        if refused:
            return {"type": "http.disconnect"}
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                refused = True
                await _refuse(send, 413, "body", f"request exceeds the limit of {limit} bytes")
                return {"type": "http.disconnect"}
        return message

    return counted
