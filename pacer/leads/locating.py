"""Which location a new lead belongs to, by the workspace's rule.

The rule is an ordered list of steps, the first that finds a location wins:

- ``form``: the location chosen on the form (or passed to the API);
- ``postal``: the location whose postal codes include the lead's code (a code or a prefix
  of one; the longest match wins, spaces and case ignored);
- ``nearest``: the location nearest to the lead (great-circle distance): to its latitude
  and longitude when the submission carried them, else to the centroid of its postal
  code, when the workspace has one;
- ``contact``: the contact's own location (from its events or an import).

The lead's postal code and coordinates are its own (the submission's), else its
contact's traits (``postalCode``, ``latitude``, ``longitude``). A workspace that sets no
rule uses ``form`` then ``contact``.
"""

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction

from pacer.core import audit
from pacer.core.errors import ValidationFailed
from pacer.core.models import Workspace
from pacer.leads.models import LocatingRule, LocationArea, PostalCentroid
from pacer.people.selectors import locations

STEPS = ("form", "postal", "nearest", "contact")
STEP_NAMES = {
    "form": "the location chosen on the form",
    "postal": "the location serving the postal code",
    "nearest": "the nearest location",
    "contact": "the contact's own location",
}
DEFAULT_STEPS = ("form", "contact")
EARTH_RADIUS_KM = 6371.0088
MAX_CODES = 5000


def postal_key(code: str) -> str:
    """A postal code as compared: upper case, without spaces or hyphens.

    >>> postal_key(" sw1a 1aa ")
    'SW1A1AA'
    """
    return re.sub(r"[\s-]", "", str(code)).upper()


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km between two (latitude, longitude) points in degrees.

    >>> round(haversine_km((51.5007, -0.1246), (48.8584, 2.2945)), 1)
    340.5
    """
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _point(latitude, longitude) -> tuple[float, float] | None:
    try:
        point = float(latitude), float(longitude)
    except (TypeError, ValueError):
        return None
    if not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180):
        return None
    return point


@dataclass(frozen=True)
class Located:
    location_id: int | None
    by: str  # the step that found it, or "" when none did


class Locator:
    """The workspace's rule with its areas, read once for a batch of leads."""

    def __init__(self, workspace: Workspace, postal_codes: Iterable[str] = ()):
        rule = LocatingRule.objects.filter(workspace=workspace).first()
        self.steps = tuple(rule.steps) if rule else DEFAULT_STEPS
        self.codes = {loc.code: loc.pk for loc in locations(workspace)}
        areas = list(LocationArea.objects.filter(workspace=workspace).order_by("location_id"))
        self.prefixes = sorted(
            ((postal_key(p), a.location_id) for a in areas for p in a.postal_codes),
            key=lambda item: -len(item[0]),
        )
        self.places = [
            (a.location_id, (a.latitude, a.longitude)) for a in areas if a.latitude is not None
        ]
        keys = {postal_key(code) for code in postal_codes if code}
        self.centroids = {
            row.postal_code: (row.latitude, row.longitude)
            for row in PostalCentroid.objects.filter(workspace=workspace, postal_code__in=keys)
        }

    def locate(self, properties: Mapping, person) -> Located:
        """The location of a lead with these "Lead Created" properties and contact."""
        traits = (person.traits or {}) if person is not None else {}
        postal = postal_key(properties.get("postal_code") or traits.get("postalCode") or "")
        point = _point(properties.get("latitude"), properties.get("longitude")) or _point(
            traits.get("latitude"), traits.get("longitude")
        )
        for step in self.steps:
            found = None
            if step == "form":
                found = self.codes.get(properties.get("location"))
            elif step == "postal" and postal:
                found = next((loc for p, loc in self.prefixes if postal.startswith(p)), None)
            elif step == "nearest" and self.places:
                here = point or self.centroids.get(postal)
                if here is not None:
                    found = min(self.places, key=lambda p: (haversine_km(here, p[1]), p[0]))[0]
            elif step == "contact" and person is not None:
                found = person.location_id
            if found is not None:
                return Located(found, step)
        return Located(None, "")


@transaction.atomic
def configure(
    workspace: Workspace,
    *,
    steps: list[str],
    areas: list[Mapping] = (),
    centroids: list[Mapping] = (),
    actor=None,
) -> None:
    """Set the workspace's rule: ``steps`` (an order of ``STEPS``), ``areas`` (per location
    ``code``: ``postal_codes`` and/or ``latitude`` and ``longitude``; replaces them all)
    and ``centroids`` (``postal_code``, ``latitude``, ``longitude``; added or updated).
    Refuses with every bad field named, writing nothing."""
    errors: dict[str, str] = {}
    if not isinstance(steps, list) or not steps:
        errors["steps"] = f"must list one or more of {', '.join(STEPS)}"
    else:
        for index, step in enumerate(steps):
            if step not in STEPS:
                errors[f"steps[{index}]"] = f"must be one of {', '.join(STEPS)}"
        if len(set(steps)) != len(steps):
            errors["steps"] = "lists a step twice"
    for name, given in (("areas", areas), ("centroids", centroids)):
        if not isinstance(given, list | tuple) or not all(isinstance(g, Mapping) for g in given):
            raise ValidationFailed({name: "must be a list of objects"})
    codes = {loc.code: loc.pk for loc in locations(workspace)}
    owner_of: dict[str, str] = {}
    rows = []
    for index, area in enumerate(areas):
        where = f"areas[{index}]"
        code = area.get("code")
        if code not in codes:
            errors[f"{where}.code"] = f"no location '{str(code)[:60]}' in this workspace"
        elif any(row[0] == codes[code] for row in rows):
            errors[f"{where}.code"] = f"'{code}' is listed twice"
        prefixes = area.get("postal_codes") or []
        if not isinstance(prefixes, list) or len(prefixes) > MAX_CODES:
            errors[f"{where}.postal_codes"] = f"must be a list of at most {MAX_CODES} codes"
            prefixes = []
        keys = []
        for prefix in prefixes:
            key = postal_key(prefix) if isinstance(prefix, str) else ""
            if not re.fullmatch(r"[A-Z0-9]{1,12}", key):
                errors[f"{where}.postal_codes"] = f"'{str(prefix)[:20]}' is not a postal code"
            elif owner_of.setdefault(key, str(code)) != code:
                errors[f"{where}.postal_codes"] = f"'{key}' is already {owner_of[key]}'s"
            keys.append(key)
        point = None
        if area.get("latitude") is not None or area.get("longitude") is not None:
            point = _point(area.get("latitude"), area.get("longitude"))
            if point is None:
                errors[f"{where}.latitude"] = "latitude and longitude must be degrees"
        if not keys and point is None:
            errors.setdefault(where, "needs postal_codes or latitude and longitude")
        rows.append((codes.get(code), keys, point))
    places = []
    for index, row in enumerate(centroids):
        key = postal_key(row.get("postal_code") or "")
        point = _point(row.get("latitude"), row.get("longitude"))
        if not re.fullmatch(r"[A-Z0-9]{1,12}", key):
            errors[f"centroids[{index}].postal_code"] = "is not a postal code"
        if point is None:
            errors[f"centroids[{index}].latitude"] = "latitude and longitude must be degrees"
        places.append((key, point))
    if errors:
        raise ValidationFailed(errors)
    before = list(LocatingRule.objects.filter(workspace=workspace).values_list("steps", flat=True))
    LocatingRule.objects.update_or_create(workspace=workspace, defaults={"steps": steps})
    LocationArea.objects.filter(workspace=workspace).delete()
    LocationArea.objects.bulk_create(
        LocationArea(
            workspace=workspace,
            location_id=location_id,
            postal_codes=keys,
            latitude=point[0] if point else None,
            longitude=point[1] if point else None,
        )
        for location_id, keys, point in rows
    )
    # one statement for up to 10,000 centroids (a row each took 3-4 round trips); a code
    # given twice keeps its last point
    latest = dict(places)
    PostalCentroid.objects.bulk_create(
        [
            PostalCentroid(workspace=workspace, postal_code=key, latitude=lat, longitude=lon)
            for key, (lat, lon) in latest.items()
        ],
        update_conflicts=True,
        unique_fields=["workspace", "postal_code"],
        update_fields=["latitude", "longitude"],
        batch_size=1000,
    )
    audit.record(
        workspace,
        "leads.locating",
        workspace,
        actor=actor,
        before={"steps": before[0] if before else list(DEFAULT_STEPS)},
        after={"steps": steps, "areas": len(rows), "centroids": len(places)},
    )


def setup(workspace: Workspace) -> dict:
    """The workspace's rule as ``configure`` takes it: ``steps`` and ``areas`` by location
    code (centroids are many; ``centroids`` counts them)."""
    rule = LocatingRule.objects.filter(workspace=workspace).first()
    codes = {loc.pk: loc.code for loc in locations(workspace)}
    areas = [
        {
            "code": codes[area.location_id],
            "postal_codes": list(area.postal_codes),
            "latitude": area.latitude,
            "longitude": area.longitude,
        }
        for area in LocationArea.objects.filter(workspace=workspace).order_by("location_id")
        if area.location_id in codes
    ]
    return {
        "steps": list(rule.steps) if rule else list(DEFAULT_STEPS),
        "areas": areas,
        "centroids": PostalCentroid.objects.filter(workspace=workspace).count(),
    }
