"""Simulated people have realistic first and last names, deterministic from the seed."""

from pacer.simulate.business import EVENT_IDENTIFY, generate
from pacer.simulate.config import SimConfig
from pacer.simulate.names import FIRST_NAMES, LAST_NAMES, person_name
from pacer.simulate.segment import email_of, lead_submissions, messages, name_of

TINY = SimConfig(seed=3, contacts=800, months=3, locations=3)


def test_same_seed_and_person_same_name_other_seed_other_names():
    names = [person_name(7, person) for person in range(2000)]
    assert names == [person_name(7, person) for person in range(2000)]
    assert names != [person_name(8, person) for person in range(2000)]
    assert all(first in FIRST_NAMES and last in LAST_NAMES for first, last in names)
    # spread over the vocabulary: no name dominates, most combinations are distinct
    assert len({first for first, _ in names}) == len(FIRST_NAMES)
    assert len({last for _, last in names}) == len(LAST_NAMES)
    assert len(set(names)) > 1600


def test_identify_messages_and_lead_submissions_carry_the_persons_name():
    business = generate(TINY)
    identified = [m for m in messages(business) if m["type"] == "identify"]
    assert len(identified) == int((business.event_kind == EVENT_IDENTIFY).sum()) > 0
    for message in identified:
        contact = int(message["userId"].rsplit("-", 1)[1])
        first, last = name_of(business, contact)
        assert message["traits"]["firstName"] == first and message["traits"]["lastName"] == last
        assert message["traits"]["email"] == email_of(business, contact)
        assert message["traits"]["email"].startswith(f"{first}.{last}{contact}.".lower())
    submissions = lead_submissions(business)
    assert submissions
    for lead in submissions:
        first, last = name_of(business, lead.contact)
        assert (lead.data["first_name"], lead.data["last_name"]) == (first, last)
        assert "Person" not in lead.data["first_name"]
