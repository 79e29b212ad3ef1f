"""Where a Twilio-compatible provider posts: ``/m/sms/twilio/<token>/status/`` (a text's
delivery status) and ``/m/sms/twilio/<token>/inbound/`` (a text someone sent to the
workspace's number, handled as ``pacer.messaging.sms.receive_sms``). The token names the
workspace; the ``X-Twilio-Signature`` is checked (``pacer.messaging.sms_providers``)
before anything posted is read, and a post without a valid one is refused (403) with
nothing written."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from pacer.core.errors import ValidationFailed
from pacer.core.models import Workspace
from pacer.messaging import provider_events, sms, sms_providers, sms_status

MAX_BODY_BYTES = 64_000
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _refused(status: int, field: str, reason: str) -> JsonResponse:
    return JsonResponse({"detail": f"{field}: {reason}", "errors": {field: reason}}, status=status)


def _verified(request, token: str) -> tuple[Workspace | None, dict | JsonResponse]:
    """The workspace and the posted parameters once the signature is checked, else the
    refusal to answer with."""
    if request.method != "POST":
        response = _refused(405, "method", f"{request.method} is not allowed here; use POST")
        response["Allow"] = "POST"
        return None, response
    workspace_id = provider_events.workspace_id_of(token)
    workspace = Workspace.objects.filter(pk=workspace_id).first() if workspace_id else None
    if workspace is None:
        return None, _refused(404, "token", "not an SMS provider token of this install")
    if len(request.body) > MAX_BODY_BYTES:
        return None, _refused(413, "body", f"must be at most {MAX_BODY_BYTES} bytes")
    params = [(name, value) for name in request.POST for value in request.POST.getlist(name)]
    url = settings.BASE_URL + request.get_full_path()
    try:
        sms_providers.verify(workspace, url, params, request.headers.get("X-Twilio-Signature", ""))
    except sms_providers.Refused as refused:
        return None, _refused(403, refused.field, refused.reason)
    return workspace, {name: value for name, value in params}


@csrf_exempt  # the provider posts without a session; the token and its signature authorise
def status_callback(request, token: str):
    """A text's delivery status (``MessageSid``, ``MessageStatus``, ``ErrorCode``)."""
    workspace, found = _verified(request, token)
    if workspace is None:
        return found
    try:
        return JsonResponse(sms_status.record_status(workspace, found))
    except ValidationFailed as error:
        field, reason = next(iter(error.errors.items()))
        return _refused(422, field, reason)


@csrf_exempt  # the provider posts without a session; the token and its signature authorise
def inbound_text(request, token: str):
    """A text sent to the workspace's number (``MessageSid``, ``From``, ``To``, ``Body``):
    its keyword handled once per ``MessageSid``; answered with empty TwiML (a keyword's
    reply goes out through the API like every text, so it is sent once)."""
    workspace, found = _verified(request, token)
    if workspace is None:
        return found
    try:
        sms.receive_sms(
            workspace,
            provider_id=found.get("MessageSid") or found.get("SmsSid"),
            from_number=found.get("From"),
            to_number=found.get("To"),
            body=found.get("Body", ""),
        )
    except ValidationFailed as error:
        field, reason = next(iter(error.errors.items()))
        return _refused(422, field, reason)
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")
