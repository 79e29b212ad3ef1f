"""IPv6 addresses that carry an IPv4 address inside them are judged by that IPv4 address:
NAT64 (64:ff9b::/96 and the local-use 64:ff9b:1::/48, RFC 6052/8215), 6to4 (2002::/16)
and the old IPv4-compatible form (::a.b.c.d). Python calls them all global, so a webhook
at ``http://[64:ff9b::a9fe:a9fe]/`` passed the guard: on a network with a NAT64 gateway
(IPv6-only clouds) or 6to4 relay it reaches 169.254.169.254, the cloud's metadata."""

import pytest

from pacer.core.outbound import OutboundRefused, public_address, request


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b:1::a00:1",  # local-use NAT64 prefix, 10.0.0.1 in its low bits
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
        "::127.0.0.1",  # IPv4-compatible
        "::10.0.0.1",
    ],
)
def test_an_ipv4_address_inside_ipv6_is_judged_as_itself(address):
    assert public_address(address) is False


@pytest.mark.parametrize("address", ["64:ff9b::808:808", "2002:808:808::1", "2606:4700::1111"])
def test_a_public_ipv4_inside_ipv6_still_passes(address):
    assert public_address(address) is True


def test_a_webhook_at_nat64_metadata_is_refused_before_connecting():
    with pytest.raises(OutboundRefused, match="not public"):
        request("POST", "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/", body=b"{}")
