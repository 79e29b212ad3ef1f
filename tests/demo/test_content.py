"""The demo's content reads as a real team's: each item titled as the piece it is, the
emails' templates named after them, the assets named for what they show."""

import re
from datetime import date

import pytest

from pacer.content import selectors
from pacer.demo.content import KINDS, load_content
from pacer.messaging.models import Template

pytestmark = pytest.mark.django_db


def test_the_demo_content_has_real_titles(workspace, admin):
    """Items were titled "<theme>: <kind> <n>" ("Spring refresh: email 9"), so the
    templates their published emails became read "Spring refresh: email 9 (content 9 v1)"."""
    found = load_content(workspace, date(2026, 3, 10))
    assert found["items"] == 42
    titles = list(selectors.items(workspace).values_list("title", flat=True))
    assert len(set(titles)) == len(titles) == 42
    kinds = "|".join(kind.replace("_", " ") for kind in KINDS)
    assert not [t for t in titles if re.search(rf"\b({kinds}) \d+$", t)]
    assert not [t for t in titles if re.search(r"\d+$", t)]
    templates = list(Template.objects.filter(workspace=workspace).values_list("name", flat=True))
    assert templates and not [n for n in templates if re.search(r"\bemail \d", n)]
    assets = list(selectors.assets(workspace).values_list("name", flat=True))
    assert len(assets) == 8 and not [a for a in assets if re.search(r"\d$", a)]


def test_the_demo_gathers_assets_in_collections(workspace, admin):
    load_content(workspace, date(2026, 3, 10))
    collections = {
        c.name: sorted(c.assets.values_list("name", flat=True))
        for c in selectors.collections(workspace)
    }
    assert collections == {
        "Brand kit": ["Logo on white", "Technician at work", "Van in front of the Denver location"],
        "Social images": [
            "Deluxe package hero",
            "Gift card product shot",
            "Happy customer portrait",
        ],
    }
