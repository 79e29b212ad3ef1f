"""Random small worlds (contacts with events, orders, consents, leads) and random segment
definitions over them, shared by the agreement tests."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from pacer.ingest.models import Event
from pacer.leads.models import Lead
from pacer.people.models import Consent, Contact, Location, Order, OrderLine
from pacer.segments.models import Membership, Segment

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
EVENTS = ("Viewed", "Bought")
PLANS = ("gold", "silver", "Gold", 3, 3.5, True, False, None)
SKUS = ("A", "B")
CODES = ("nyc", "sfo")
STAGES = ("", "lead", "customer")
EMAILS = ("", "ann@x.io", "BOB@y.io", "bo@x.io")
# (code, segment) as the CLV analysis writes them; ("", "") for a contact not scored
RFM = (("", ""), ("545", "Champions"), ("441", "Loyal"), ("312", "About to sleep"))

days = st.integers(0, 60)
json_value = st.sampled_from(PLANS)
properties = st.dictionaries(st.sampled_from(("plan", "n")), json_value, max_size=2)

contact = st.fixed_dictionaries(
    {
        "email": st.sampled_from(EMAILS),
        "stage": st.sampled_from(STAGES),
        "location": st.sampled_from((None, *CODES)),
        "revenue": st.sampled_from((Decimal("0"), Decimal("10.50"), Decimal("99.99"))),
        "order_count": st.integers(0, 3),
        "clv": st.sampled_from((None, 0.0, 12.5, 80.0)),
        "p_alive": st.sampled_from((None, 0.0, 0.2, 0.75)),
        "rfm": st.sampled_from(RFM),
        "last_order_days": st.none() | days,
        "traits": properties,
        "merged": st.booleans(),
    }
)
world = st.fixed_dictionaries(
    {
        "contacts": st.lists(contact, min_size=1, max_size=8),
        "events": st.lists(
            st.tuples(st.integers(0, 7), st.sampled_from(EVENTS), days, properties), max_size=20
        ),
        "orders": st.lists(
            st.tuples(
                st.integers(0, 7),
                days,
                st.sampled_from((Decimal("0"), Decimal("10.50"), Decimal("99"))),
                st.sets(st.sampled_from(SKUS), max_size=2),
            ),
            max_size=8,
        ),
        "consents": st.lists(
            st.tuples(
                st.integers(0, 7),
                st.sampled_from(("email", "sms")),
                st.booleans(),
                st.integers(0, 3),
            ),
            max_size=8,
        ),
        "leads": st.lists(
            st.tuples(
                st.integers(0, 7), st.integers(0, 100), st.sampled_from((None, 0.1, 0.5, 0.9))
            ),
            max_size=4,
        ),
        "static_members": st.sets(st.integers(0, 7), max_size=4),
    }
)


def value_filter(kind: str):
    return st.one_of(
        st.fixed_dictionaries(
            {"type": st.just(kind), "key": st.sampled_from(("plan", "n")), "op": st.just("is_set")}
        ),
        st.fixed_dictionaries(
            {
                "type": st.just(kind),
                "key": st.sampled_from(("plan", "n")),
                "op": st.sampled_from(("eq", "ne")),
                "value": st.sampled_from(("gold", "Gold", 3, 3.5, True)),
            }
        ),
        st.fixed_dictionaries(
            {
                "type": st.just(kind),
                "key": st.sampled_from(("plan", "n")),
                "op": st.just("contains"),
                "value": st.sampled_from(("old", "GOL", "x")),
            }
        ),
        st.fixed_dictionaries(
            {
                "type": st.just(kind),
                "key": st.sampled_from(("plan", "n")),
                "op": st.sampled_from(("gt", "gte", "lt", "lte")),
                "value": st.sampled_from((0, 3, 3.5)),
            }
        ),
    )


def _without_type(strategy):
    return strategy.map(lambda node: {k: v for k, v in node.items() if k != "type"})


score_range = st.tuples(st.integers(1, 5), st.integers(1, 5)).map(sorted)
rfm = st.fixed_dictionaries(
    {"type": st.just("rfm")},
    optional={
        "segments": st.lists(
            st.sampled_from(("Champions", "Loyal", "About to sleep", "Other")),
            min_size=1,
            max_size=2,
        ),
        "recency": score_range,
        "frequency": score_range,
        "monetary": score_range,
    },
).filter(lambda node: len(node) > 1)


def leaves(segment_ids: list[int], json: bool = True):
    text = st.fixed_dictionaries(
        {
            "type": st.just("field"),
            "field": st.sampled_from(("email", "lifecycle_stage")),
            "op": st.sampled_from(("eq", "ne", "contains", "starts_with")),
            "value": st.sampled_from(("lead", "customer", "bo", "ann@x.io", "X.IO")),
        }
    )
    text_set = st.fixed_dictionaries(
        {
            "type": st.just("field"),
            "field": st.sampled_from(("email", "lifecycle_stage", "phone")),
            "op": st.sampled_from(("is_set", "is_not_set")),
        }
    )
    number = st.fixed_dictionaries(
        {
            "type": st.just("field"),
            "field": st.sampled_from(("revenue", "order_count", "predicted_clv", "p_alive")),
            "op": st.sampled_from(("eq", "ne", "gt", "gte", "lt", "lte")),
            "value": st.sampled_from((0, 0.2, 1, 10.5, 12.5, 99.99)),
        }
    )
    time = st.fixed_dictionaries(
        {
            "type": st.just("field"),
            "field": st.just("last_order_at"),
            "op": st.sampled_from(("within_days", "before_days")),
            "value": st.integers(1, 60),
        }
    )
    event = st.fixed_dictionaries(
        {
            "type": st.just("event"),
            "event": st.sampled_from(EVENTS),
            "did": st.booleans(),
            "count_op": st.sampled_from(("gte", "lte", "eq")),
            "count": st.integers(0, 3),
            "within_days": st.none() | st.integers(1, 60),
            "where": st.lists(_without_type(value_filter("x")), max_size=2 if json else 0),
        }
    )
    orders = st.fixed_dictionaries(
        {
            "type": st.just("orders"),
            "measure": st.sampled_from(("count", "revenue")),
            "op": st.sampled_from(("gt", "gte", "lt", "lte", "eq")),
            "value": st.sampled_from((0, 1, 2, 10.5, 50)),
            "within_days": st.none() | st.integers(1, 60),
            "sku": st.none() | st.sampled_from(SKUS),
        }
    )
    other = [
        *([value_filter("trait")] if json else []),
        st.fixed_dictionaries(
            {"type": st.just("location"), "codes": st.lists(st.sampled_from(CODES), min_size=1)}
        ),
        st.fixed_dictionaries(
            {
                "type": st.just("consent"),
                "channel": st.sampled_from(("email", "sms")),
                "purpose": st.just("marketing"),
            }
        ),
        st.fixed_dictionaries(
            {
                "type": st.just("lead_score"),
                "measure": st.just("score"),
                "op": st.sampled_from(("gte", "lt")),
                "value": st.sampled_from((0, 50)),
            }
        ),
        st.fixed_dictionaries(
            {
                "type": st.just("lead_score"),
                "measure": st.just("predicted"),
                "op": st.sampled_from(("gte", "lt", "eq")),
                "value": st.sampled_from((0, 0.5, 0.9)),
            }
        ),
        rfm,
    ]
    if segment_ids:
        other.append(
            st.fixed_dictionaries(
                {
                    "type": st.just("segment"),
                    "segment_id": st.sampled_from(segment_ids),
                    "member": st.booleans(),
                }
            )
        )
    return st.one_of(text, text_set, number, time, event, orders, *other)


def definitions(segment_ids: list[int] = (), json: bool = True):
    """Random nested definitions (``json``: with trait and event-property conditions)."""

    def group(children):
        return st.fixed_dictionaries(
            {
                "type": st.just("group"),
                "op": st.sampled_from(("and", "or")),
                "negate": st.booleans(),
                "children": st.lists(children, min_size=1, max_size=3),
            }
        )

    tree = st.recursive(leaves(list(segment_ids), json), group, max_leaves=6)
    return tree.map(
        lambda node: node if node["type"] == "group" else {"type": "group", "children": [node]}
    )


def build(workspace, spec: dict) -> list[int]:
    """Write the world into the operational store; returns the contact ids by index."""
    locations = {
        code: Location.objects.create(workspace=workspace, code=code, name=code.upper())
        for code in CODES
    }
    contacts = []
    for index, row in enumerate(spec["contacts"]):
        contacts.append(
            Contact.objects.create(
                workspace=workspace,
                email=row["email"],
                lifecycle_stage=row["stage"],
                location=locations.get(row["location"]),
                revenue=row["revenue"],
                order_count=row["order_count"],
                predicted_clv=row["clv"],
                p_alive=row.get("p_alive"),
                rfm_code=row.get("rfm", ("", ""))[0],
                rfm_segment=row.get("rfm", ("", ""))[1],
                last_order_at=None
                if row["last_order_days"] is None
                else NOW - timedelta(days=row["last_order_days"]),
                traits=row["traits"],
                first_name=f"P{index}",
            )
        )
    # A contact marked merged goes into the first one (it keeps no rows of its own).
    live = [contacts[0]] + [
        c for c, row in zip(contacts[1:], spec["contacts"][1:], strict=True) if not row["merged"]
    ]
    for c, row in zip(contacts[1:], spec["contacts"][1:], strict=True):
        if row["merged"]:
            c.merged_into = contacts[0]
            c.save(update_fields=["merged_into"])

    def owner(index: int) -> Contact:
        return live[index % len(live)]

    for n, (who, name, ago, props) in enumerate(spec["events"]):
        at = NOW - timedelta(days=ago)
        Event.objects.create(
            workspace=workspace,
            message_id=f"m{workspace.pk}-{n}",
            contact=owner(who),
            type="track",
            event=name,
            timestamp=at,
            received_at=at,
            properties=props,
        )
    for n, (who, ago, total, skus) in enumerate(spec["orders"]):
        order = Order.objects.create(
            workspace=workspace,
            external_id=f"o{n}",
            contact=owner(who),
            placed_at=NOW - timedelta(days=ago),
            total=total,
        )
        for sku in sorted(skus):
            OrderLine.objects.create(workspace=workspace, order=order, sku=sku, unit_price=total)
    for who, channel, granted, ago in spec["consents"]:
        Consent.objects.create(
            workspace=workspace,
            contact=owner(who),
            channel=channel,
            purpose="marketing",
            granted=granted,
            source="test",
            recorded_at=NOW - timedelta(days=ago),
        )
    for n, (who, score, *predicted) in enumerate(spec["leads"]):
        Lead.objects.create(
            workspace=workspace,
            contact=owner(who),
            event_id=n + 1,
            created_at=NOW,
            source="api",
            stage="new",
            stage_changed_at=NOW,
            score=score,
            predicted=predicted[0] if predicted else None,
        )
    return [c.pk for c in contacts], [owner(i).pk for i in sorted(spec["static_members"])]


def static_segment(workspace, member_ids: list[int]) -> Segment:
    segment = Segment.objects.create(
        workspace=workspace, name="Static", kind="static", created_at=NOW, updated_at=NOW
    )
    Membership.objects.bulk_create(
        [
            Membership(workspace=workspace, segment=segment, contact_id=c, entered_at=NOW)
            for c in set(member_ids)
        ]
    )
    return segment
