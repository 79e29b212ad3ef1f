"""Conditions on what the analyses write back to a contact (RFM scores and segment, CLV,
P(alive)), on leads' rule and predicted scores and on the latest consent: exact members
in a fixed world, the same from the full evaluation (DuckDB, after a sync) and the
incremental one; refusals naming the field; and the builder's form for them, with its
count."""

import pytest
from django.test import Client

from pacer.core.errors import ValidationFailed
from pacer.segments import actions, builder, incremental
from pacer.segments import definition as d
from pacer.segments.evaluation import warehouse_members
from pacer.segments.models import Segment
from pacer.warehouse.sync import sync
from tests.segments import world as w

pytestmark = pytest.mark.django_db


def _contact(rfm, p_alive, clv):
    return {
        "email": "",
        "stage": "customer",
        "location": None,
        "revenue": w.Decimal("0"),
        "order_count": 0,
        "clv": clv,
        "p_alive": p_alive,
        "rfm": rfm,
        "last_order_days": None,
        "traits": {},
        "merged": False,
    }


SPEC = {
    "contacts": [
        _contact(("545", "Champions"), 0.75, 80.0),
        _contact(("441", "Loyal"), 0.2, 12.5),
        _contact(("312", "About to sleep"), None, None),
        _contact(("", ""), 0.0, 0.0),  # not scored yet
    ],
    "events": [],
    "orders": [],
    # (contact, channel, granted, days ago), written in this order (ids rise): the latest
    # decision counts, and of two at the same time the later id
    "consents": [
        (0, "email", True, 3),
        (0, "email", False, 1),
        (1, "email", False, 2),
        (1, "email", True, 0),
        (2, "sms", True, 5),
        (3, "email", False, 1),
        (3, "email", True, 1),
    ],
    # (contact, rule score, predicted chance to convert or None)
    "leads": [(0, 70, None), (1, 20, 0.9), (1, 90, 0.1), (2, 10, 0.5)],
    "static_members": set(),
}
RFM_CHAMPIONS_OR_LOYAL = {"type": "rfm", "segments": ["Champions", "Loyal"]}
CASES = [
    (RFM_CHAMPIONS_OR_LOYAL, {0, 1}),
    ({"type": "rfm", "recency": [4, 5]}, {0, 1}),
    ({"type": "rfm", "monetary": [1, 2]}, {1, 2}),
    ({"type": "rfm", "segments": ["Champions", "Loyal"], "frequency": [4, 4]}, {0, 1}),
    ({"type": "rfm", "segments": ["Loyal"], "frequency": [1, 3]}, set()),
    ({"type": "rfm", "recency": [1, 5], "frequency": [1, 5], "monetary": [1, 5]}, {0, 1, 2}),
    ({"type": "rfm", "segments": ["Other"]}, set()),
    # NOT of a condition a contact without scores fails is true for her
    ({"type": "group", "negate": True, "children": [RFM_CHAMPIONS_OR_LOYAL]}, {2, 3}),
    ({"type": "field", "field": "p_alive", "op": "gte", "value": 0.2}, {0, 1}),
    ({"type": "field", "field": "p_alive", "op": "lt", "value": 0.2}, {3}),
    ({"type": "field", "field": "p_alive", "op": "is_not_set"}, {2}),
    ({"type": "field", "field": "predicted_clv", "op": "gt", "value": 10}, {0, 1}),
    ({"type": "lead_score", "op": "gte", "value": 50}, {0, 1}),
    ({"type": "lead_score", "measure": "score", "op": "lt", "value": 50}, {2}),
    ({"type": "lead_score", "measure": "predicted", "op": "gte", "value": 0.5}, {1, 2}),
    ({"type": "lead_score", "measure": "predicted", "op": "lte", "value": 0.5}, {2}),
    ({"type": "consent", "channel": "email", "purpose": "marketing"}, {1, 3}),
    ({"type": "consent", "channel": "sms", "purpose": "marketing"}, {2}),
]


@pytest.fixture
def world(workspace):
    contact_ids, _ = w.build(workspace, SPEC)
    sync()
    return workspace, contact_ids


@pytest.mark.parametrize(("leaf", "expected"), CASES)
def test_both_evaluations_select_exactly_the_expected_contacts(world, leaf, expected):
    workspace, contact_ids = world
    tree = d.parse({"type": "group", "children": [leaf]})
    resolve = actions.resolver(workspace)
    full = warehouse_members(workspace, tree, now=w.NOW, resolve=resolve)
    step = incremental.evaluate(workspace, {0: tree}, contact_ids, now=w.NOW, resolve=resolve)[0]
    wanted = {contact_ids[i] for i in expected}
    assert full == wanted
    assert step == wanted


@pytest.mark.parametrize(
    ("leaf", "path", "reason"),
    [
        ({"type": "rfm"}, "", "name RFM segments or a score range"),
        ({"type": "rfm", "segments": ["Champs"]}, ".segments[0]", "Input should be 'Champions'"),
        ({"type": "rfm", "recency": [4, 2]}, ".recency", "lowest score 4 is above the highest 2"),
        ({"type": "rfm", "monetary": [0, 2]}, ".monetary[0]", "greater than or equal to 1"),
        ({"type": "rfm", "frequency": [1, 6]}, ".frequency[1]", "less than or equal to 5"),
        ({"type": "lead_score", "measure": "clv", "value": 1}, ".measure", "'predicted'"),
    ],
)
def test_a_bad_condition_is_refused_naming_its_field(leaf, path, reason):
    with pytest.raises(ValidationFailed) as refused:
        d.parse({"type": "group", "children": [{"type": "location", "codes": ["x"]}, leaf]})
    errors = refused.value.errors
    assert list(errors) == [f"definition.children[1]{path}"]
    assert reason in errors[f"definition.children[1]{path}"]


def test_an_rfm_condition_is_described_in_words():
    node = d.parse({"type": "group", "children": [CASES[3][0]]}).children[0]
    assert builder.describe(node, {}) == "RFM segment is Champions or Loyal, frequency score 4-4"
    node = d.parse({"type": "group", "children": [CASES[-4][0]]}).children[0]
    assert builder.describe(node, {}) == "predicted chance to convert ≥ 0.5"


def test_the_builder_counts_and_saves_rfm_and_predicted_score_conditions(world, admin):
    workspace, contact_ids = world
    client = Client()
    client.login(username="ada", password="correct-horse-1")
    form = {
        "name": "Best",
        "kind": "dynamic",
        "r.type": "group",
        "r.op": "and",
        "r.0.type": "rfm",
        "r.0.segments": ["Champions", "Loyal"],
        "r.0.recency_low": "5",  # the highest end left blank: up to 5
        "r.1.type": "lead_score",
        "r.1.measure": "score",
        "r.1.op": "gte",
        "r.1.value": "50",
    }
    counted = client.post("/segments/preview/", form).content.decode()
    assert '<strong id="preview-count">1</strong>' in counted
    assert client.post("/segments/new/", form).status_code == 302
    segment = Segment.objects.get(workspace=workspace)
    assert segment.definition["children"][0] == {
        "type": "rfm",
        "segments": ["Champions", "Loyal"],
        "recency": [5, 5],
        "frequency": None,
        "monetary": None,
    }
    assert segment.member_count == 1
    html = client.get(f"/segments/{segment.pk}/edit/").content.decode()
    assert '<option value="Loyal" selected>' in html
    assert '<option value="Lost">' in html
    assert 'name="r.0.recency_low" value="5"' in html
    assert 'name="r.0.frequency_low" value=""' in html
    assert '<option value="score" selected>' in html
