"""The incremental evaluator's rules (``pacer.segments.incremental``) decided on facts made
by hand, without a database: every condition and operator with the values at its edges
(a missing value, the wrong JSON type, a time exactly at a window's start), segment
references (static, dynamic, missing, a cycle), groups, what a definition needs loaded,
and the caches of parsed and compiled definitions. The full evaluation's agreement with
these rules is tests/segments/test_agreement.py's."""

from datetime import UTC, datetime, timedelta

import pytest

from pacer.people.selectors import PROFILE_FIELDS
from pacer.segments import definition as d
from pacer.segments import incremental
from pacer.segments.incremental import Facts, Moment, Needs

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
DAY = timedelta(days=1)


def person(cid: int, **facts) -> Facts:
    profile = dict.fromkeys(PROFILE_FIELDS)
    profile.update(id=cid, traits={}, location_code="", rfm_code="", rfm_segment="")
    profile.update(facts.pop("profile", {}))
    return Facts(profile, **facts)


def group(*children, op="and", negate=False) -> dict:
    return {"type": "group", "op": op, "negate": negate, "children": list(children)}


NYC = group({"type": "location", "codes": ["nyc"]})
REFERENCES = {
    10: ("static", {1, 3}),
    11: ("dynamic", d.parse(NYC)),
    12: ("dynamic", d.parse(group({"type": "segment", "segment_id": 12}))),
}


def matched(leaf: dict, people: list[Facts], *, op="and", negate=False) -> set[int]:
    tree = d.parse(group(leaf, op=op, negate=negate))
    facts = {fact.profile["id"]: fact for fact in people}
    moment = Moment(NOW, REFERENCES.get)
    return incremental.decide({0: tree}, facts, moment)[0]


def field(name, op, value=None) -> dict:
    return {"type": "field", "field": name, "op": op, "value": value}


EMAILS = [person(i, profile={"email": e}) for i, e in enumerate(["Ann@X.io", "", None, "b@y.io"])]
ORDER_COUNTS = [person(i, profile={"order_count": n}) for i, n in enumerate([3, 0, None, 5])]
LEAD_TIMES = [
    person(i, profile={"lead_at": t})
    for i, t in enumerate([NOW - 7 * DAY, NOW - 7 * DAY - timedelta(seconds=1), None])
]


@pytest.mark.parametrize(
    ("leaf", "people", "expected"),
    [
        (field("email", "is_set"), EMAILS, {0, 3}),
        (field("email", "is_not_set"), EMAILS, {1, 2}),
        (field("email", "eq", "Ann@X.io"), EMAILS, {0}),
        (field("email", "ne", "Ann@X.io"), EMAILS, {1, 2, 3}),
        (field("email", "contains", "x.IO"), EMAILS, {0}),
        (field("email", "starts_with", "ANN"), EMAILS, {0}),
        (field("email", "in", ["b@y.io", "zed"]), EMAILS, {3}),
        (field("order_count", "gt", 3), ORDER_COUNTS, {3}),
        (field("order_count", "gte", 3), ORDER_COUNTS, {0, 3}),
        (field("order_count", "lt", 3), ORDER_COUNTS, {1}),
        (field("order_count", "lte", 3), ORDER_COUNTS, {0, 1}),
        (field("order_count", "eq", 0), ORDER_COUNTS, {1}),
        (field("order_count", "ne", 3), ORDER_COUNTS, {1, 3}),
        (field("order_count", "is_set"), ORDER_COUNTS, {0, 1, 3}),
        (field("order_count", "is_not_set"), ORDER_COUNTS, {2}),
        # a window starts exactly 7 days before now: a lead at that second is within it
        (field("lead_at", "within_days", 7), LEAD_TIMES, {0}),
        (field("lead_at", "before_days", 7), LEAD_TIMES, {1}),
        (field("lead_at", "is_set"), LEAD_TIMES, {0, 1}),
    ],
)
def test_profile_fields(leaf, people, expected):
    assert matched(leaf, people) == expected


TRAITS = [
    person(0, profile={"traits": {"plan": "Gold", "n": 3, "vip": True}}),
    person(1, profile={"traits": {"plan": "gold", "n": "3", "vip": 1}}),
    person(2, profile={"traits": {"plan": None, "n": 3.0, "vip": False}}),
    person(3, profile={"traits": {"plan": ["gold"], "n": [3], "vip": {"x": 1}}}),
    person(4, profile={"traits": ["not", "an", "object"]}),
]


def trait(key, op, value=None) -> dict:
    return {"type": "trait", "key": key, "op": op, "value": value}


@pytest.mark.parametrize(
    ("leaf", "expected"),
    [
        (trait("plan", "is_set"), {0, 1}),  # text, a boolean or a number; not null or a list
        (trait("vip", "is_set"), {0, 1, 2}),
        (trait("n", "is_set"), {0, 1, 2}),
        (trait("plan", "contains", "OL"), {0, 1}),
        (trait("n", "gt", 2), {0, 2}),  # numbers only: not the text "3"
        (trait("n", "gte", 3), {0, 2}),
        (trait("n", "lt", 3.5), {0, 2}),
        (trait("n", "lte", 2.5), set()),
        (trait("vip", "gt", 0), {1}),  # True is no number
        (trait("plan", "eq", "gold"), {1}),
        (trait("plan", "ne", "gold"), {0, 2, 3, 4}),
        (trait("vip", "eq", True), {0}),  # 1 is no boolean
        (trait("vip", "eq", False), {2}),
        (trait("vip", "eq", 1), {1}),  # True is no number
        (trait("n", "eq", 3), {0, 2}),
        (trait("n", "ne", 3), {1, 3, 4}),
    ],
)
def test_traits_compare_by_json_type(leaf, expected):
    assert matched(leaf, TRAITS) == expected


def test_locations_and_consents():
    people = [
        person(0, profile={"location_code": "nyc"}, consents={("email", "marketing"): True}),
        person(1, profile={"location_code": ""}, consents={("email", "marketing"): False}),
        person(2, profile={"location_code": "sf"}),
        person(3, profile={"location_code": "la"}, consents={("sms", "marketing"): True}),
    ]
    assert matched({"type": "location", "codes": ["nyc", "la"]}, people) == {0, 3}
    consent = {"type": "consent", "channel": "email", "purpose": "marketing"}
    assert matched(consent, people) == {0}


VIEWS = [
    person(
        0, events={"Viewed": [(NOW - DAY, {"plan": "gold"}), (NOW - 10 * DAY, {"plan": "gold"})]}
    ),
    person(1, events={"Viewed": [(NOW - DAY, {})], "Other": [(NOW, {})]}),
    person(2, events={"Other": [(NOW, {}), (NOW, {})]}),
    person(3, events={"Viewed": [(NOW - 3 * DAY, {"plan": "gold"})]}),
]


def where(key, op, value=None) -> dict:
    return {"key": key, "op": op, "value": value}


def viewed(**rest) -> dict:
    return {"type": "event", "event": "Viewed", **rest}


@pytest.mark.parametrize(
    ("leaf", "expected"),
    [
        (viewed(), {0, 1, 3}),
        (viewed(did=False), {2}),
        (viewed(count_op="eq", count=2), {0}),
        (viewed(count_op="lte", count=1), {1, 2, 3}),
        (viewed(count_op="gte", count=0), {0, 1, 2, 3}),
        # a view exactly 3 days ago is within 3 days
        (viewed(within_days=3, count_op="eq", count=1), {0, 1, 3}),
        (viewed(within_days=2), {0, 1}),
        (viewed(where=[where("plan", "eq", "gold")], count_op="eq", count=2), {0}),
        (
            viewed(where=[where("plan", "eq", "gold")], within_days=3, count_op="eq", count=1),
            {0, 3},
        ),
        (viewed(where=[where("plan", "is_set"), where("plan", "ne", "gold")]), set()),
    ],
)
def test_events_counted_in_their_window_and_by_their_properties(leaf, expected):
    assert matched(leaf, VIEWS) == expected


BUYERS = [
    person(0, orders=[(NOW - DAY, 50.0, ["A"]), (NOW - 40 * DAY, 100.0, ["B"])]),
    person(1, orders=[(NOW - 30 * DAY, 20.0, ["A", "B"])]),
    person(2),
]


def orders(**rest) -> dict:
    return {"type": "orders", **rest}


@pytest.mark.parametrize(
    ("leaf", "expected"),
    [
        (orders(), {0, 1}),
        (orders(op="gte", value=2), {0}),
        (orders(op="eq", value=0), {2}),
        (orders(measure="revenue", op="gte", value=150), {0}),
        (orders(measure="revenue", op="lt", value=100), {1, 2}),
        (orders(within_days=30), {0, 1}),  # an order exactly 30 days ago is within them
        (orders(within_days=29), {0}),
        (orders(measure="revenue", within_days=30, op="gt", value=40), {0}),
        (orders(sku="B"), {0, 1}),
        (orders(sku="B", measure="revenue", op="eq", value=20), {1}),
        (orders(sku="B", within_days=30), {1}),
    ],
)
def test_orders_counted_or_summed_in_their_window_and_by_sku(leaf, expected):
    assert matched(leaf, BUYERS) == expected


SCORED = [
    person(0, profile={"rfm_code": "545", "rfm_segment": "Champions"}, lead_scores=[(70, None)]),
    person(
        1, profile={"rfm_code": "441", "rfm_segment": "Loyal"}, lead_scores=[(20, 0.9), (90, 0.1)]
    ),
    person(2, profile={"rfm_code": "", "rfm_segment": "Champions"}),
    person(
        3, profile={"rfm_code": "312", "rfm_segment": "About to sleep"}, lead_scores=[(10, None)]
    ),
]


@pytest.mark.parametrize(
    ("leaf", "expected"),
    [
        ({"type": "rfm", "segments": ["Champions"]}, {0}),  # not without a code
        ({"type": "rfm", "recency": [4, 5]}, {0, 1}),
        ({"type": "rfm", "frequency": [1, 1]}, {3}),
        ({"type": "rfm", "monetary": [1, 2]}, {1, 3}),
        ({"type": "rfm", "segments": ["Loyal", "Champions"], "monetary": [5, 5]}, {0}),
        ({"type": "lead_score", "op": "gte", "value": 50}, {0, 1}),  # the highest score
        ({"type": "lead_score", "op": "lt", "value": 50}, {3}),
        ({"type": "lead_score", "op": "eq", "value": 90}, {1}),
        ({"type": "lead_score", "measure": "predicted", "op": "gte", "value": 0.5}, {1}),
        ({"type": "lead_score", "measure": "predicted", "op": "lte", "value": 0.9}, {1}),
    ],
)
def test_rfm_and_lead_scores(leaf, expected):
    assert matched(leaf, SCORED) == expected


PLACES = [person(i, profile={"location_code": c}) for i, c in enumerate(["nyc", "la", "nyc", ""])]


@pytest.mark.parametrize(
    ("leaf", "expected"),
    [
        ({"type": "segment", "segment_id": 10}, {1, 3}),  # a static list's members
        ({"type": "segment", "segment_id": 10, "member": False}, {0, 2}),
        ({"type": "segment", "segment_id": 11}, {0, 2}),  # a dynamic segment, decided
        ({"type": "segment", "segment_id": 11, "member": False}, {1, 3}),
        ({"type": "segment", "segment_id": 12}, set()),  # a cycle is no member
        ({"type": "segment", "segment_id": 12, "member": False}, {0, 1, 2, 3}),
        ({"type": "segment", "segment_id": 13}, set()),  # no such segment
        ({"type": "segment", "segment_id": 13, "member": False}, {0, 1, 2, 3}),
    ],
)
def test_segment_references(leaf, expected):
    assert matched(leaf, PLACES) == expected


def test_groups_and_negation():
    la = {"type": "location", "codes": ["la"]}
    in_list = {"type": "segment", "segment_id": 10}
    assert matched(group(la, in_list), PLACES) == {1}
    assert matched(group(la, in_list, op="or"), PLACES) == {1, 3}
    assert matched(group(la, in_list, negate=True), PLACES) == {0, 2, 3}
    assert matched(group(la, in_list, op="or", negate=True), PLACES) == {0, 2}
    assert matched(la, PLACES, negate=True) == {0, 2, 3}
    assert matched(la, PLACES, op="or", negate=True) == {0, 2, 3}


def test_a_definition_needs_what_it_and_the_dynamic_segments_it_refers_to_name():
    inner = d.parse(
        group(
            {"type": "event", "event": "C"},
            {"type": "segment", "segment_id": 10},
            {"type": "segment", "segment_id": 7},  # a cycle back to the outer one
        )
    )
    outer = d.parse(
        group(
            {"type": "event", "event": "A"},
            group({"type": "event", "event": "B"}, op="or"),
            {"type": "segment", "segment_id": 8},
            {"type": "segment", "segment_id": 8},
        )
    )
    asked = []
    segments = {7: ("dynamic", outer), 8: ("dynamic", inner), 10: ("static", {1})}

    def resolve(segment_id):
        asked.append(segment_id)
        return segments.get(segment_id)

    needs = Needs()
    needs.add(outer, resolve)
    assert needs == Needs(event_names={"A", "B", "C"})
    assert asked == [8, 10, 7]  # each once; the static list's members need nothing
    needs.add(d.parse(group({"type": "consent", "channel": "e", "purpose": "m"})), resolve)
    needs.add(d.parse(group({"type": "orders"})), resolve)
    needs.add(d.parse(group({"type": "lead_score", "value": 1})), resolve)
    assert (needs.consents, needs.orders, needs.lead_scores) == (True, True, True)
    assert Needs().add(d.parse(NYC), resolve) is None and Needs() == Needs(set(), False, False)


def test_a_windows_start_is_now_less_its_days():
    moment = Moment(NOW, REFERENCES.get)
    assert (moment.cutoff(7), moment.cutoff(1), moment.cutoff(7)) == (
        NOW - 7 * DAY,
        NOW - DAY,
        NOW - 7 * DAY,
    )


def test_definitions_are_parsed_once_per_text_and_compiled_once_per_tree(monkeypatch):
    monkeypatch.setattr(incremental, "_PARSED", type(incremental._PARSED)())
    monkeypatch.setattr(incremental, "_COMPILED", type(incremental._COMPILED)())
    monkeypatch.setattr(incremental, "CACHE_SIZE", 2)
    parses = []
    parse = d.parse
    monkeypatch.setattr(d, "parse", lambda data: parses.append(data) or parse(data))
    text = '{"type": "group", "children": [{"type": "location", "codes": ["nyc"]}]}'
    tree = incremental.parsed(text)
    assert incremental.parsed(text) is tree
    assert len(parses) == 1  # a hit parses nothing
    assert incremental.parsed({"type": "group", "children": [NYC["children"][0]]}) is not tree
    assert incremental.compiled(tree) is incremental.compiled(tree)
    first = incremental.compiled(tree)
    assert first(PLACES[0], Moment(NOW, REFERENCES.get)) is True
    # two more trees: the least recently used, the first, is dropped and compiled anew
    others = [d.parse(group({"type": "location", "codes": [code]})) for code in ("la", "sf")]
    for other in others:
        incremental.compiled(other)
    assert list(incremental._COMPILED) == [id(other) for other in others]
    assert incremental.compiled(tree) is not first
    assert list(incremental._COMPILED) == [id(others[1]), id(tree)]
    # a hit moves an entry to the end
    incremental.compiled(others[1])
    assert list(incremental._COMPILED) == [id(tree), id(others[1])]
