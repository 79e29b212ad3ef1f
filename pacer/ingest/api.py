"""Segment-compatible HTTP tracking API: ``/v1/{identify,track,page,screen,group,alias,batch}``.

The workspace's write key is the basic-auth user name (password empty), exactly as
Segment's and RudderStack's SDKs send it; a ``writeKey`` field in the body also works
(analytics.js sends it there, as ``text/plain``, to avoid a CORS preflight).

Browsers on any origin may send (write keys are public in pages, as with Segment): the
preflight is answered for every origin, since it does not carry the write key, and a
workspace that lists its allowed origins has the others refused on the request itself.
A body over the limit is refused from its ``Content-Length`` before it is read (under
ASGI by ``pacer.ingest.asgi``, which runs before Django buffers the body).
"""

import base64
import binascii
import gzip
import io
import json
import re

import orjson
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI

from pacer.core.selectors import workspace_for_write_key
from pacer.ingest.actions import accept
from pacer.ingest.selectors import origin_allowed
from pacer.ingest.spec import LARGEST_INT

api = NinjaAPI(title="Pacer tracking API", urls_namespace="tracking", docs_url=None)

SHORT_PATHS = {
    "i": "identify",
    "t": "track",
    "p": "page",
    "s": "screen",
    "g": "group",
    "a": "alias",
}
ALLOWED_HEADERS = "Authorization, Content-Type, Content-Encoding"
HEADER_LIST = re.compile(r"[A-Za-z0-9_\-, ]{1,500}")
MAX_WRITE_KEY_LENGTH = 200


def _reply(status: int, body: dict) -> HttpResponse:
    return HttpResponse(orjson.dumps(body), status=status, content_type="application/json")


def _error(status: int, field: str, reason: str) -> HttpResponse:
    return _reply(status, {"success": False, "error": {"field": field, "reason": reason}})


def _with_cors(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    origin = request.headers.get("Origin")
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Vary"] = "Origin"
    return response


def _preflight(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(status=204)
    requested = request.headers.get("Access-Control-Request-Headers", "")
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = (
        requested if HEADER_LIST.fullmatch(requested) else ALLOWED_HEADERS
    )
    response["Access-Control-Max-Age"] = "86400"
    return response


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
    declared = request.headers.get("Content-Length") or "0"
    if not declared.isdecimal():
        return _error(400, "Content-Length", "must be a whole number of bytes")
    if int(declared) > limit:
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


def _bounded_int(digits: str) -> int:
    # past 64 bits an integer is refused anyway; Python's int() also stops at 4300 digits
    return int(digits) if len(digits) <= 25 else LARGEST_INT + 1


def _parse(body: bytes) -> tuple[object, bool] | HttpResponse:
    """The payload and whether its messages need the full storage check.

    orjson refuses lone surrogates, NaN, numbers beyond a double and invalid UTF-8 for the
    whole body; those are parsed again leniently (invalid UTF-8 bytes become lone
    surrogates) so the storage check refuses only the messages that hold them.
    """
    try:
        return orjson.loads(body), b"\\u0000" in body
    except orjson.JSONDecodeError as error:
        strict_error = error
    try:
        return json.loads(body.decode(errors="surrogateescape"), parse_int=_bounded_int), True
    except (ValueError, RecursionError):
        return _error(400, "body", f"is not valid JSON ({strict_error})")


def _write_key(request: HttpRequest, payload: dict) -> str:
    key = _basic_auth_user(request) or payload.get("writeKey") or ""
    if not isinstance(key, str) or len(key) > MAX_WRITE_KEY_LENGTH:
        return ""
    return key.encode(errors="replace").decode()


def _handle(request: HttpRequest, call_type: str | None) -> HttpResponse:
    if request.method == "OPTIONS":
        return _with_cors(request, _preflight(request))
    return _with_cors(request, _receive(request, call_type))


def _receive(request: HttpRequest, call_type: str | None) -> HttpResponse:
    received_at = timezone.now()
    limit = (
        settings.INGEST_MAX_BATCH_BYTES if call_type is None else settings.INGEST_MAX_EVENT_BYTES
    )
    body = _read_body(request, limit)
    if isinstance(body, HttpResponse):
        return body
    parsed = _parse(body)
    if isinstance(parsed, HttpResponse):
        return parsed
    payload, full_check = parsed
    if not isinstance(payload, dict):
        return _error(400, "body", "must be a JSON object")
    key = _write_key(request, payload)
    if not key:
        return _error(401, "Authorization", "send the write key as the basic-auth user name")
    workspace = workspace_for_write_key(key)
    if workspace is None:
        return _error(401, "Authorization", "the write key is unknown or revoked")
    origin = request.headers.get("Origin")
    if origin and not origin_allowed(workspace.pk, origin):
        return _error(
            403,
            "Origin",
            f"'{origin[:200]}' is not one of the origins this workspace accepts events from "
            "(its admins list them on the ingestion page)",
        )
    if call_type is None:
        messages = payload.get("batch")
        if not isinstance(messages, list):
            return _error(400, "batch", "must be a list of messages")
        if not messages:
            return _error(400, "batch", "must contain at least one message")
        batch_sent_at = payload.get("sentAt")
        oversized = _oversized(messages) if len(body) > settings.INGEST_MAX_EVENT_BYTES else {}
    else:
        messages, batch_sent_at, oversized = [payload], None, {}
    results = accept(
        workspace,
        messages,
        received_at=received_at,
        call_type=call_type,
        batch_sent_at=batch_sent_at,
        rejected=oversized,
        full_check=full_check,
    )
    counts = {"accepted": 0, "duplicate": 0, "rejected": 0, "suppressed": 0}
    for result in results:
        counts[result.status] += 1
    if call_type is not None and counts["rejected"]:
        return _reply(400, {"success": False, "results": [r.as_dict() for r in results]})
    return _reply(200, {"success": True, **counts, "results": [r.as_dict() for r in results]})


def _oversized(messages: list) -> dict[int, str]:
    """Positions of the messages over the per-event limit, with the reason."""
    limit = settings.INGEST_MAX_EVENT_BYTES
    found = {}
    for index, item in enumerate(messages):
        try:
            size = len(orjson.dumps(item))
        except orjson.JSONEncodeError:  # too deep or not valid Unicode: the checks say which
            continue
        if size > limit:
            found[index] = f"message: larger than {limit // 1024} KB"
    return found


@api.api_operation(["POST", "OPTIONS"], "/batch", auth=None)
def batch(request):
    """Many messages in one request (Segment's ``/v1/batch``)."""
    return _handle(request, None)


@api.api_operation(["POST", "OPTIONS"], "/b", auth=None, include_in_schema=False)
def batch_short(request):
    return _handle(request, None)


def _single(call_type: str):
    def endpoint(request):
        return _handle(request, call_type)

    endpoint.__name__ = f"call_{call_type}"
    return endpoint


for _type in ("identify", "track", "page", "screen", "group", "alias"):
    api.api_operation(
        ["POST", "OPTIONS"], f"/{_type}", auth=None, operation_id=f"tracking_{_type}"
    )(_single(_type))
for _short, _type in SHORT_PATHS.items():
    api.api_operation(
        ["POST", "OPTIONS"],
        f"/{_short}",
        auth=None,
        include_in_schema=False,
        operation_id=f"short_{_short}",
    )(_single(_type))
