"""One list of untrackable channels (``pacer.core.channels.UNTRACKABLE``) serves the
link builder and the measurement pages alike."""

from pacer.core.channels import CHANNELS, UNTRACKABLE
from pacer.metrics import labels
from pacer.planning import links


def test_the_link_builder_and_the_pages_read_the_same_list():
    assert {"tv", "radio", "print", "out_of_home"} == UNTRACKABLE
    for channel in CHANNELS:
        untrackable = channel in UNTRACKABLE
        assert labels.trackable(channel) is not untrackable, channel
        if untrackable:
            assert not links.trackable(channel)
            assert links.NOT_BY_LINK[channel] == (
                f"{CHANNELS[channel]} is not tracked by links: its effect is measured from "
                "spend (a mix model)"
            )
            assert labels.channel_label(channel) == f"{CHANNELS[channel]} (not trackable)"
    assert set(links.NOT_BY_LINK) == UNTRACKABLE | {"direct", "unassigned"}
