"""Segment-compatible HTTP tracking API: ``/v1/{identify,track,page,screen,group,alias,batch}``.

The workspace's write key is the basic-auth user name (password empty), exactly as
Segment's and RudderStack's SDKs send it; a ``writeKey`` field in the body also works.
"""

import base64
import binascii
import gzip
import io

import orjson
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI

from pacer.core.errors import FieldError
from pacer.core.selectors import workspace_for_write_key
from pacer.ingest.actions import accept
from pacer.ingest.spec import parse_time

api = NinjaAPI(title="Pacer tracking API", urls_namespace="tracking", docs_url=None)

SHORT_PATHS = {
    "i": "identify",
    "t": "track",
    "p": "page",
    "s": "screen",
    "g": "group",
    "a": "alias",
}


def _reply(status: int, body: dict) -> HttpResponse:
    return HttpResponse(orjson.dumps(body), status=status, content_type="application/json")


def _error(status: int, field: str, reason: str) -> HttpResponse:
    return _reply(status, {"success": False, "error": {"field": field, "reason": reason}})


def _basic_auth_user(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("basic "):
        return ""
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ""
    return decoded.split(":", 1)[0]


def _read_body(request: HttpRequest, limit: int) -> bytes | HttpResponse:
    declared = int(request.headers.get("Content-Length") or 0)
    if declared > limit:
        return _error(413, "body", f"request is {declared} bytes; the limit is {limit} bytes")
    body = request.read(limit + 1)
    if request.headers.get("Content-Encoding", "").lower() == "gzip":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(body)) as stream:
                body = stream.read(limit + 1)
        except (OSError, EOFError):
            return _error(400, "body", "Content-Encoding is gzip but the body is not valid gzip")
    if len(body) > limit:
        return _error(413, "body", f"request exceeds the limit of {limit} bytes")
    return body


def _handle(request: HttpRequest, call_type: str | None) -> HttpResponse:
    received_at = timezone.now()
    limit = (
        settings.INGEST_MAX_BATCH_BYTES if call_type is None else settings.INGEST_MAX_EVENT_BYTES
    )
    body = _read_body(request, limit)
    if isinstance(body, HttpResponse):
        return body
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        return _error(400, "body", f"is not valid JSON ({error})")
    if not isinstance(payload, dict):
        return _error(400, "body", "must be a JSON object")
    key = _basic_auth_user(request) or str(payload.get("writeKey") or "")
    if not key:
        return _error(401, "Authorization", "send the write key as the basic-auth user name")
    workspace = workspace_for_write_key(key)
    if workspace is None:
        return _error(401, "Authorization", "the write key is unknown or revoked")
    if call_type is None:
        messages = payload.get("batch")
        if not isinstance(messages, list):
            return _error(400, "batch", "must be a list of messages")
        if not messages:
            return _error(400, "batch", "must contain at least one message")
        try:
            batch_sent_at = parse_time(payload.get("sentAt"), "sentAt")
        except FieldError as error:
            return _error(400, error.field, error.reason)
        limit_kb = settings.INGEST_MAX_EVENT_BYTES // 1024
        oversized = (
            {
                index: f"message: larger than {limit_kb} KB"
                for index, item in enumerate(messages)
                if len(orjson.dumps(item)) > settings.INGEST_MAX_EVENT_BYTES
            }
            if len(body) > settings.INGEST_MAX_EVENT_BYTES
            else {}
        )
    else:
        messages, batch_sent_at, oversized = [payload], None, {}
    results = accept(
        workspace,
        messages,
        received_at=received_at,
        call_type=call_type,
        batch_sent_at=batch_sent_at,
        rejected=oversized,
    )
    counts = {"accepted": 0, "duplicate": 0, "rejected": 0}
    for result in results:
        counts[result.status] += 1
    if call_type is not None and counts["rejected"]:
        return _reply(400, {"success": False, "results": [r.as_dict() for r in results]})
    return _reply(200, {"success": True, **counts, "results": [r.as_dict() for r in results]})


@api.post("/batch", auth=None, include_in_schema=True)
def batch(request):
    """Many messages in one request (Segment's ``/v1/batch``)."""
    return _handle(request, None)


@api.post("/b", auth=None, include_in_schema=False)
def batch_short(request):
    return _handle(request, None)


def _single(call_type: str):
    def endpoint(request):
        return _handle(request, call_type)

    endpoint.__name__ = f"call_{call_type}"
    return endpoint


for _type in ("identify", "track", "page", "screen", "group", "alias"):
    api.post(f"/{_type}", auth=None, operation_id=f"tracking_{_type}")(_single(_type))
for _short, _type in SHORT_PATHS.items():
    api.post(f"/{_short}", auth=None, include_in_schema=False, operation_id=f"short_{_short}")(
        _single(_type)
    )
