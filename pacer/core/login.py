"""Signing in, throttled: after too many failures for a user name, or from one address,
within ``LOGIN_WINDOW_SECONDS``, further attempts are refused without checking the
password (HTTP 429), whether or not the user name exists."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone

from pacer.core.models import LoginFailure
from pacer.core.permissions import open_memberships


def client_address(request) -> str:
    """The address the request came from: ``REMOTE_ADDR``, unless Pacer runs behind the
    HTTPS termination it trusts (``PACER_HTTPS=1``): then the last X-Forwarded-For hop,
    the one that proxy appends. The hops before it are whatever the client wrote, so
    they never name the client (a new one each time would slip every per-address limit)."""
    last_hop = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
    if settings.HTTPS and last_hop:
        return last_hop[:45]
    return request.META.get("REMOTE_ADDR", "")[:45]


def _recent():
    return LoginFailure.objects.filter(
        at__gte=timezone.now() - timedelta(seconds=settings.LOGIN_WINDOW_SECONDS)
    )


def throttled(username: str, address: str) -> bool:
    recent = _recent()
    return (
        recent.filter(username=username).count() >= settings.LOGIN_FAILURES_PER_USERNAME
        or recent.filter(address=address).count() >= settings.LOGIN_FAILURES_PER_ADDRESS
    )


def record_failure(username: str, address: str) -> None:
    now = timezone.now()
    LoginFailure.objects.filter(
        at__lt=now - timedelta(seconds=settings.LOGIN_WINDOW_SECONDS)
    ).delete()
    LoginFailure.objects.create(username=username, address=address, at=now)


class GatedLoginForm(AuthenticationForm):
    """Django's sign-in form, which also refuses (naming why) a user whose every
    membership the permission gate suspends, such as a deactivated partner's login."""

    refused = ""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        memberships, refused = open_memberships(user)
        if refused and not memberships:
            self.refused = refused
            raise ValidationError(refused, code="suspended")


class ThrottledLoginView(auth_views.LoginView):
    template_name = "core/login.html"
    authentication_form = GatedLoginForm

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")[:150]
        if throttled(username, client_address(request)):
            minutes = settings.LOGIN_WINDOW_SECONDS // 60
            context = self.get_context_data(
                form=self.get_form(),
                throttled=f"Too many failed sign-ins; try again in {minutes} minutes.",
            )
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        if not form.refused:  # a suspended member gave the right password: not a guess
            username = self.request.POST.get("username", "")[:150]
            record_failure(username, client_address(self.request))
        return super().form_invalid(form)
