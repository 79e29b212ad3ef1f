"""A new lead's location by the workspace's rule: chosen on the form, by postal code
(longest prefix), nearest by coordinates or by the postal code's centroid, the contact's
own; steps in the configured order; bad configuration refused with nothing written."""

from datetime import UTC, datetime

import pytest

from pacer.core import clock, feed
from pacer.core.errors import ValidationFailed
from pacer.ingest.processing import process_pending
from pacer.leads import actions
from pacer.leads.locating import configure, haversine_km
from pacer.leads.models import Lead, LocatingRule, LocationArea, PostalCentroid
from pacer.people.actions import upsert_locations

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
# London, Manchester, Edinburgh
PLACES = {"ldn": (51.5072, -0.1276), "man": (53.4808, -2.2426), "edi": (55.9533, -3.1883)}


@pytest.fixture
def sites(workspace, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    made = upsert_locations(
        workspace, [{"code": code, "name": code.upper()} for code in ("ldn", "man", "edi")]
    )
    return {loc.code: loc.pk for loc in made}


def lead_of(workspace, n: int, **data) -> Lead:
    actions.capture(
        workspace,
        {"email": f"p{n}@x.test", "submission_id": f"s{n}", **data},
        source="api",
        received_at=NOW,
    )
    process_pending(workspace)
    while feed.deliver_all():
        pass
    return Lead.objects.get(contact__email=f"p{n}@x.test")


def areas():
    return [
        {"code": "ldn", "postal_codes": ["SW", "E1"], "latitude": 51.5072, "longitude": -0.1276},
        {"code": "man", "postal_codes": ["M", "E14"], "latitude": 53.4808, "longitude": -2.2426},
        {"code": "edi", "latitude": 55.9533, "longitude": -3.1883},
    ]


def test_the_default_rule_is_the_form_then_the_contact(workspace, sites):
    lead = lead_of(workspace, 1, location="man", postal_code="SW1A 1AA")
    assert (lead.location_id, lead.located_by) == (sites["man"], "form")
    nowhere = lead_of(workspace, 2, postal_code="SW1A 1AA")
    assert (nowhere.location_id, nowhere.located_by) == (None, "")


def test_postal_codes_match_the_longest_prefix_ignoring_case_and_spaces(workspace, sites):
    configure(workspace, steps=["postal", "form"], areas=areas())
    assert lead_of(workspace, 1, postal_code="sw1a 1aa").location_id == sites["ldn"]
    assert lead_of(workspace, 2, postal_code="E1 6AN").location_id == sites["ldn"]
    assert lead_of(workspace, 3, postal_code="E14 5AB").location_id == sites["man"]  # longer
    # no postal match: the next step (the form) decides
    other = lead_of(workspace, 4, postal_code="EH1 1YZ", location="edi")
    assert (other.location_id, other.located_by) == (sites["edi"], "form")


def test_nearest_by_coordinates_or_by_the_postal_codes_centroid(workspace, sites):
    configure(
        workspace,
        steps=["nearest", "contact"],
        areas=areas(),
        centroids=[{"postal_code": "eh1 1yz", "latitude": 55.95, "longitude": -3.19}],
    )
    york = {"latitude": 53.96, "longitude": -1.08}  # 100 km from Manchester, 280 from London
    assert haversine_km((53.96, -1.08), PLACES["man"]) < haversine_km((53.96, -1.08), PLACES["ldn"])
    lead = lead_of(workspace, 1, **york)
    assert (lead.location_id, lead.located_by) == (sites["man"], "nearest")
    assert lead_of(workspace, 2, postal_code="EH1 1YZ").location_id == sites["edi"]
    assert lead_of(workspace, 3, postal_code="ZZ9 9ZZ").location_id is None  # no centroid


def test_centroids_are_added_or_moved_and_a_code_given_twice_keeps_its_last_point(workspace, sites):
    configure(
        workspace,
        steps=["nearest"],
        centroids=[{"postal_code": "EH1 1YZ", "latitude": 1, "longitude": 2}],
    )
    configure(
        workspace,
        steps=["nearest"],
        centroids=[
            {"postal_code": "eh1 1yz", "latitude": 55.95, "longitude": -3.19},
            {"postal_code": "M1", "latitude": 0, "longitude": 0},
            {"postal_code": "m 1", "latitude": 53.48, "longitude": -2.24},
        ],
    )
    assert sorted(
        PostalCentroid.objects.filter(workspace=workspace).values_list(
            "postal_code", "latitude", "longitude"
        )
    ) == [("EH11YZ", 55.95, -3.19), ("M1", 53.48, -2.24)]


def test_the_steps_run_in_the_configured_order(workspace, sites):
    configure(workspace, steps=["form", "postal"], areas=areas())
    assert lead_of(workspace, 1, postal_code="SW1", location="edi").location_id == sites["edi"]
    configure(workspace, steps=["postal", "form"], areas=areas())
    assert lead_of(workspace, 2, postal_code="SW1", location="edi").location_id == sites["ldn"]


def test_bad_configuration_names_each_field_and_writes_nothing(workspace, sites):
    configure(workspace, steps=["postal"], areas=areas())
    with pytest.raises(ValidationFailed) as refused:
        configure(
            workspace,
            steps=["postal", "psychic", "postal"],
            areas=[
                {"code": "ldn", "postal_codes": ["SW"]},
                {"code": "man", "postal_codes": ["sw", "not a code!"]},
                {"code": "nowhere", "latitude": 91, "longitude": 0},
                {"code": "edi"},
            ],
            centroids=[{"postal_code": "", "latitude": "x", "longitude": 0}],
        )
    assert refused.value.errors == {
        "steps[1]": "must be one of form, postal, nearest, contact",
        "steps": "lists a step twice",
        "areas[1].postal_codes": "'not a code!' is not a postal code",
        "areas[2].code": "no location 'nowhere' in this workspace",
        "areas[2].latitude": "latitude and longitude must be degrees",
        "areas[2]": "needs postal_codes or latitude and longitude",
        "areas[3]": "needs postal_codes or latitude and longitude",
        "centroids[0].postal_code": "is not a postal code",
        "centroids[0].latitude": "latitude and longitude must be degrees",
    }
    assert LocatingRule.objects.get().steps == ["postal"]
    assert LocationArea.objects.count() == 3 and not PostalCentroid.objects.exists()


def test_a_postal_code_claimed_by_two_locations_is_refused(workspace, sites):
    with pytest.raises(ValidationFailed) as refused:
        configure(
            workspace,
            steps=["postal"],
            areas=[
                {"code": "ldn", "postal_codes": ["SW"]},
                {"code": "man", "postal_codes": ["sw"]},
            ],
        )
    assert refused.value.errors == {"areas[1].postal_codes": "'SW' is already ldn's"}


def test_bad_coordinates_in_a_submission_are_refused(workspace, sites):
    with pytest.raises(ValidationFailed) as refused:
        actions.capture(
            workspace,
            {"email": "a@x.test", "latitude": 123, "longitude": "east"},
            source="api",
            received_at=NOW,
        )
    assert refused.value.errors == {
        "latitude": "must be between -90 and 90 degrees",
        "longitude": "must be a number of degrees (give latitude and longitude together)",
    }
