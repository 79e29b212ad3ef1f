"""Which time zone names Pacer takes: the IANA names this install knows, and nothing that
only opening the zone database would refuse (with an exception no caller expects)."""

import pytest

from pacer.core.errors import ValidationFailed
from pacer.core.zones import known_zone
from pacer.messaging.rules import save_settings, settings_of


@pytest.mark.parametrize(
    ("name", "known"),
    [
        ("Asia/Tokyo", True),
        ("UTC", True),
        ("America/Argentina/Buenos_Aires", True),
        ("America", False),  # a folder of the database: ZoneInfo raises IsADirectoryError
        ("x" * 100_000, False),  # longer than a file name: ZoneInfo raises OSError
        ("../../etc/passwd", False),
        ("Europe/London\x00", False),
        ("", False),
        (None, False),
        (7, False),
    ],
)
def test_a_zone_is_known_only_by_its_iana_name(name, known):
    assert known_zone(name) is known


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["America", "x" * 100_000])
def test_the_messaging_settings_refuse_a_folder_or_overlong_zone_and_keep_theirs(workspace, zone):
    """Both were a 500 on the settings page and the API, and stopped any send to a contact
    whose zone trait held them."""
    before = settings_of(workspace).time_zone
    with pytest.raises(ValidationFailed) as refused:
        save_settings(workspace, time_zone=zone, cap_count=0, cap_days=7)
    assert refused.value.errors == {"time_zone": "must be a known time zone such as Europe/London"}
    assert settings_of(workspace).time_zone == before
