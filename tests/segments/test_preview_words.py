"""The builder's live count names an incomplete condition by its position on the page
and in words: an "In segment" condition still on "choose…" (the form sends segment 0)
reads "choose a segment", not pydantic's "Input should be greater than or equal to 1"."""

import pytest
from django.test import Client

from pacer.core.errors import ValidationFailed
from pacer.segments import builder
from pacer.segments.definition import parse

pytestmark = pytest.mark.django_db


def test_a_segment_condition_without_a_segment_is_refused_in_words():
    tree = {"type": "group", "children": [{"type": "segment", "segment_id": 0, "member": True}]}
    with pytest.raises(ValidationFailed) as refused:
        parse(tree)
    assert refused.value.errors == {
        "definition.children[0].segment_id": "must be a segment's id: choose a segment"
    }


def test_error_lines_number_conditions_as_the_page_does():
    assert builder.error_lines(
        {
            "definition.children[2].children[0].segment_id": "must be a segment's id: choose one",
            "definition.children[0]": "is not a condition",
            "definition": "groups nest at most 3 deep",
        }
    ) == [
        "Condition 3 › 1: segment_id: must be a segment's id: choose one",
        "Condition 1: is not a condition",
        "The rules: groups nest at most 3 deep",
    ]


def test_the_live_count_of_a_nested_unchosen_segment_says_where_and_what(admin):
    client = Client()
    client.login(username="ada", password="correct-horse-1")
    form = {
        "r.type": "group",
        "r.op": "and",
        "r.0.type": "field",
        "r.0.field": "lifecycle_stage",
        "r.0.op": "eq",
        "r.0.value": "lead",
        "r.1.type": "group",
        "r.1.op": "or",
        "r.1.0.type": "segment",
        "r.1.0.segment_id": "",
        "r.1.0.member": "1",
    }
    answer = client.post("/segments/preview/", form, HTTP_HX_REQUEST="true")
    assert answer.status_code == 422
    body = answer.content.decode()
    said = "Condition 2 › 1: segment_id: must be a segment&#x27;s id: choose a segment"
    assert f"<li>{said}</li>" in body
    assert "greater than or equal" not in body and "definition." not in body
