"""The endpoint email providers post bounces and complaints to:
``/m/events/<ses|sendgrid|postmark>/<token>/``. The token names the workspace; the
provider's own proof (``pacer.messaging.provider_auth``) is checked before anything in
the body is read, and a post without it records nothing."""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from pacer.core.models import Workspace
from pacer.messaging import provider_auth, provider_events


def _refused(status: int, field: str, reason: str) -> JsonResponse:
    return JsonResponse({"detail": f"{field}: {reason}", "errors": {field: reason}}, status=status)


def _verified(workspace: Workspace, provider: str, request) -> dict | None:
    """The SNS envelope (SES), else None, once the provider's proof is checked; raises
    ``provider_auth.Refused`` or ``provider_events.BadPayload``."""
    if provider == "ses":
        try:
            return provider_auth.verify_sns(workspace, request.body)
        except (ValueError, UnicodeDecodeError) as error:
            raise provider_events.BadPayload("body", "is not a JSON object") from error
    if provider == "sendgrid":
        provider_auth.verify_sendgrid(workspace, request.body, request.headers)
    else:
        provider_auth.verify_postmark(workspace, request.headers.get("Authorization", ""))
    return None


@csrf_exempt  # providers post without a session; the token and the provider's proof authorise
def provider_event_post(request, provider: str, token: str):
    """Bounces and complaints an email provider posts as JSON (SES through SNS, SendGrid,
    Postmark; ``pacer.messaging.provider_events``): recorded like returned mail once the
    provider's signature or credentials are verified (401/403 naming the reason
    otherwise); a malformed body is refused (422) naming the field, an unknown token or
    provider with 404. A verified SNS subscription confirmation is confirmed."""
    if request.method != "POST":
        response = _refused(405, "method", f"{request.method} is not allowed here; use POST")
        response["Allow"] = "POST"
        return response
    workspace_id = provider_events.workspace_id_of(token)
    workspace = Workspace.objects.filter(pk=workspace_id).first() if workspace_id else None
    if workspace is None:
        return _refused(404, "token", "not a provider-events token of this install")
    if provider not in provider_events.PROVIDERS:
        return _refused(404, "provider", f"must be one of {', '.join(provider_events.PROVIDERS)}")
    if len(request.body) > provider_events.MAX_BODY_BYTES:
        return _refused(413, "body", f"must be at most {provider_events.MAX_BODY_BYTES} bytes")
    try:
        envelope = _verified(workspace, provider, request)
        if envelope is not None and envelope["Type"] != "Notification":
            subscription = provider_auth.answer_subscription(workspace, envelope)
            return JsonResponse({"results": [], "subscription": subscription})
        notices = provider_events.read(provider, request.body)
    except provider_auth.Refused as refused:
        response = _refused(refused.status, refused.field, refused.reason)
        if refused.status == 401:
            response["WWW-Authenticate"] = 'Basic realm="Pacer provider events"'
        return response
    except provider_events.BadPayload as problem:
        return _refused(422, problem.field, problem.reason)
    results = provider_events.record(workspace, provider, notices)
    return JsonResponse({"results": results})
