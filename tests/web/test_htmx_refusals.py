"""A refused HTMX form answers 422 with its reasons (HTMX swaps a 422 in: the layout's
``htmx-config``), and what it answers is the same fragment a 200 would be: the segment
builder's live count refused while its rules are incomplete, the layout's configuration
itself (422 swapped, every other 4xx and 5xx not)."""

import json
import re

import pytest
from django.test import Client

from pacer.segments.models import Segment

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def ada(admin):
    client = Client()
    client.login(username="ada", password="correct-horse-1")
    return client


def rules(**extra) -> dict:
    return {
        "r.type": "group",
        "r.op": "and",
        "r.0.type": "field",
        "r.0.field": "lifecycle_stage",
        "r.0.op": "eq",
        "r.0.value": "lead",
    } | extra


def test_the_layout_swaps_a_422_and_no_other_error(ada):
    html = ada.get("/segments/new/").content.decode()
    config = json.loads(re.search(r'<meta name="htmx-config" content=\'([^\']*)\'>', html)[1])
    assert config == {
        "defaultSettleDelay": 0,
        "responseHandling": [
            {"code": "204", "swap": False},
            {"code": "[23]..", "swap": True},
            {"code": "422", "swap": True},
            {"code": "[45]..", "swap": False, "error": True},
        ],
    }


def test_a_segment_count_of_incomplete_rules_answers_422_with_the_reason(ada):
    refused = ada.post("/segments/preview/", rules(**{"r.0.op": "bogus"}), **HTMX)
    assert refused.status_code == 422
    body = refused.content.decode()
    assert "<html" not in body and "The rules are not complete yet" in body
    assert "<li>Condition 1: op: " in body
    assert 'id="preview-count"' not in body
    assert not Segment.objects.exists()
    counted = ada.post("/segments/preview/", rules(), **HTMX)
    assert counted.status_code == 200
    assert '<strong id="preview-count">0</strong>' in counted.content.decode()
