"""The demo comes with the segments a marketing team keeps, each with its members."""

import pytest

from pacer.demo.loader import load_business
from pacer.demo.segments import SEGMENTS, load_segments
from pacer.people.models import Contact
from pacer.segments.models import Membership, Segment
from pacer.simulate.business import generate
from pacer.simulate.config import SimConfig

pytestmark = pytest.mark.django_db


def test_the_demo_segments_are_made_once_with_their_members(workspace):
    load_business(workspace, generate(SimConfig(contacts=400, months=6)))
    assert load_segments(workspace) == len(SEGMENTS)
    assert load_segments(workspace) == 0  # loading again makes none
    made = {s.name: s for s in Segment.objects.filter(workspace=workspace)}
    assert sorted(made) == sorted(name for name, _, _ in SEGMENTS)
    repeat = Contact.objects.filter(workspace=workspace, order_count__gte=2)
    members = Membership.objects.filter(segment=made["Repeat buyers"])
    assert repeat.exists()
    assert set(members.values_list("contact_id", flat=True)) == set(
        repeat.values_list("pk", flat=True)
    )
    assert made["Repeat buyers"].description == "Ordered twice or more"
