"""Behind the HTTPS proxy (``PACER_HTTPS=1``) a request's address is the one the proxy
saw, the last ``X-Forwarded-For`` hop, which the proxy appends: the hops before it are
whatever the client wrote, so a client naming a new "address" each time got past the
per-address sign-in throttle. Without the proxy, ``REMOTE_ADDR`` as before."""

import pytest
from django.test import Client

from pacer.core.login import client_address
from pacer.core.models import LoginFailure

pytestmark = pytest.mark.django_db
PROXY = "10.0.0.1"


def _login(username: str, forwarded: str):
    return Client().post(
        "/login/",
        {"username": username, "password": "guess"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_a_client_naming_a_new_first_hop_each_time_is_throttled_by_its_own(admin, settings):
    settings.HTTPS = True
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    for n in range(3):
        assert _login(f"u{n}", f"198.51.100.{n}, 203.0.113.5").status_code == 200
    assert _login("u9", "198.51.100.9, 203.0.113.5").status_code == 429
    assert set(LoginFailure.objects.values_list("address", flat=True)) == {"203.0.113.5"}
    # another client behind the same proxy still signs in
    assert (
        Client()
        .post(
            "/login/",
            {"username": "ada", "password": "correct-horse-1"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR="203.0.113.6",
        )
        .status_code
        == 302
    )


@pytest.mark.parametrize(
    ("https", "forwarded", "address"),
    [
        (True, "203.0.113.5", "203.0.113.5"),
        (True, "1.2.3.4, 203.0.113.5", "203.0.113.5"),
        (True, " 1.2.3.4 ,  203.0.113.5 ", "203.0.113.5"),
        (True, "", PROXY),
        (True, "1.2.3.4, ", PROXY),  # no last hop: the proxy wrote none
        (False, "1.2.3.4, 203.0.113.5", PROXY),  # no proxy trusted: the header is the client's
    ],
)
def test_the_address_is_the_proxys_last_hop(rf, settings, https, forwarded, address):
    settings.HTTPS = https
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == address
