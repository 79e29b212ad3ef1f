"""The sending-rules page (default time zone, frequency cap, quiet hours, asset rights
territory, SMS keyword replies, the attribution window of revenue after click, topics),
the SMS provider (a Twilio-compatible account), the addresses email providers post
bounces to and how their posts are verified."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from pacer.core.errors import ValidationFailed
from pacer.core.permissions import allows, page
from pacer.messaging import (
    provider_auth,
    provider_events,
    rules,
    selectors,
    sms_health,
    sms_providers,
)
from pacer.messaging.models import SmsProviderKind

SETTINGS_FIELDS = (
    "time_zone",
    "cap_count",
    "cap_days",
    "quiet_start",
    "quiet_end",
    "soft_bounce_limit",
    "soft_bounce_days",
    "default_territory",
    "sms_help_text",
    "sms_stop_text",
    "sms_start_text",
    "attribution_days",
)

# fields a form without them (an older page, a script) leaves as they are
KEPT_WHEN_ABSENT = (
    "default_territory",
    "sms_help_text",
    "sms_stop_text",
    "sms_start_text",
    "attribution_days",
)


def _form_of(found) -> dict:
    return {
        "time_zone": found.time_zone,
        "cap_count": str(found.cap_count),
        "cap_days": str(found.cap_days),
        "quiet_start": f"{found.quiet_start:%H:%M}" if found.quiet_start else "",
        "quiet_end": f"{found.quiet_end:%H:%M}" if found.quiet_end else "",
        "soft_bounce_limit": str(found.soft_bounce_limit),
        "soft_bounce_days": str(found.soft_bounce_days),
        "default_territory": found.default_territory,
        "sms_help_text": found.sms_help_text,
        "sms_stop_text": found.sms_stop_text,
        "sms_start_text": found.sms_start_text,
        "attribution_days": str(found.attribution_days),
    }


PROVIDER_LABELS = {"ses": "Amazon SES (SNS)", "sendgrid": "SendGrid", "postmark": "Postmark"}


def _provider_urls(workspace) -> list[tuple[str, str, str]]:
    """Where each provider posts the workspace's bounces and complaints."""
    token = provider_events.endpoint_token(workspace.pk)
    return [
        (name, label, settings.BASE_URL + reverse("provider-events", args=[name, token]))
        for name, label in PROVIDER_LABELS.items()
    ]


PROVIDER_FIELDS = ("sendgrid_public_key", "postmark_username", "postmark_password")
CLEARABLE = ("sendgrid", "postmark")


def _save_providers(request) -> dict:
    """Save the provider verification form; its errors (none when saved)."""
    values = {name: request.POST.get(name, "") for name in PROVIDER_FIELDS}
    values["sns_topic_arns"] = request.POST.get("sns_topic_arns")  # absent: kept
    clear = {f"clear_{name}": request.POST.get(f"clear_{name}") == "1" for name in CLEARABLE}
    try:
        provider_auth.save_credentials(request.workspace, **values, **clear, actor=request.user)
    except ValidationFailed as error:
        return error.errors
    messages.success(request, "Provider verification saved.")
    return {}


SMS_FIELDS = ("kind", "api_base", "account_sid", "from_number", "messaging_service_sid")


def _sms_form_of(account) -> dict:
    form = {name: getattr(account, name) for name in SMS_FIELDS}
    form["api_base"] = account.api_base or "https://api.twilio.com"
    return form


def _save_sms_provider(request) -> dict:
    """Save the SMS provider form; its errors (none when saved)."""
    values = {name: request.POST.get(name, "") for name in SMS_FIELDS}
    try:
        sms_providers.save_sms_provider(
            request.workspace,
            **values,
            auth_token=request.POST.get("auth_token", ""),
            clear_twilio=request.POST.get("clear_twilio") == "1",
            actor=request.user,
        )
    except ValidationFailed as error:
        return error.errors
    messages.success(request, "SMS provider saved.")
    return {}


@page("messaging.send")
def sending_rules(request):
    workspace = request.workspace
    form, topic_form = _form_of(rules.settings_of(workspace)), {"name": "", "description": ""}
    errors, topic_errors, provider_errors, status = {}, {}, {}, 200
    credentials = provider_auth.credentials_of(workspace)
    provider_form = {
        "postmark_username": "",
        "sns_topic_arns": "\n".join(credentials.sns_topic_arns),
    }
    sms_account = sms_providers.account_of(workspace)
    sms_form, sms_errors = _sms_form_of(sms_account), {}
    thresholds_form = {k: str(v) for k, v in sms_health.thresholds_of(workspace).items()}
    thresholds_errors = {}
    if request.method == "POST" and request.POST.get("form") == "sms-thresholds":
        if not allows(request.role, "messaging.thresholds"):
            raise PermissionDenied("only an admin sets the deliverability thresholds")
        thresholds_form = {name: request.POST.get(name, "") for name in sms_health.THRESHOLDS}
        try:
            rules.save_sms_thresholds(workspace, **thresholds_form, actor=request.user)
        except ValidationFailed as error:
            thresholds_errors, status = error.errors, 422
        else:
            messages.success(request, "Deliverability thresholds saved.")
            return HttpResponseRedirect(reverse("message-settings") + "#sms-thresholds")
    elif request.method == "POST" and request.POST.get("form") == "sms-provider":
        sms_errors = _save_sms_provider(request)
        if not sms_errors:
            return HttpResponseRedirect(reverse("message-settings") + "#sms-provider")
        sms_form = {name: request.POST.get(name, "") for name in SMS_FIELDS}
        status = 422
    elif request.method == "POST" and request.POST.get("form") == "providers":
        provider_errors = _save_providers(request)
        if not provider_errors:
            return HttpResponseRedirect(reverse("message-settings") + "#provider-events")
        for name in provider_form:
            provider_form[name] = request.POST.get(name, provider_form[name])
        status = 422
    elif request.method == "POST" and request.POST.get("form") == "topic":
        topic_form = {name: request.POST.get(name, "") for name in topic_form}
        try:
            topic = rules.save_topic(workspace, **topic_form)
        except ValidationFailed as error:
            topic_errors, status = error.errors, 422
        else:
            messages.success(request, f"Topic '{topic.name}' added.")
            return HttpResponseRedirect(reverse("message-settings"))
    elif request.method == "POST":
        form = {name: request.POST.get(name, "") for name in SETTINGS_FIELDS}
        kept = {name: None for name in KEPT_WHEN_ABSENT if name not in request.POST}
        try:
            rules.save_settings(workspace, **(form | kept), actor=request.user)
        except ValidationFailed as error:
            errors, status = error.errors, 422
        else:
            messages.success(request, "Sending rules saved.")
            return HttpResponseRedirect(reverse("message-settings"))
    context = {
        "form": form,
        "errors": errors,
        "topic_form": topic_form,
        "topic_errors": topic_errors,
        "topics": rules.topics(workspace),
        "provider_urls": _provider_urls(workspace),
        "credentials": credentials,
        "provider_form": provider_form,
        "provider_errors": provider_errors,
        "sns_subscriptions": selectors.sns_subscriptions(workspace),
        "sms_account": sms_account,
        "sms_token_problem": sms_providers.auth_token_problem(sms_account),
        "sms_form": sms_form,
        "sms_errors": sms_errors,
        "sms_kinds": [(kind.value, kind.label) for kind in SmsProviderKind],
        "sms_inbound_url": sms_providers.callback_url(workspace.pk, "inbound"),
        "sms_status_url": sms_providers.callback_url(workspace.pk, "status"),
        "health": sms_health.deliverability(workspace),
        "thresholds_form": thresholds_form,
        "thresholds_errors": thresholds_errors,
        "can_set_thresholds": allows(request.role, "messaging.thresholds"),
    }
    return render(request, "messaging/settings.html", context, status=status)
