"""Repeat rate and retention read as filtered counts of ``customer_days`` (each purchase
day with the customer's next one) equal the definitions worked out on sets of days, for
random customers, ranges and groups (hypothesis)."""

import os

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pacer.metrics.cube import CUSTOMER_DAYS_SCHEMA, CUSTOMER_DAYS_TABLE
from pacer.metrics.customers import (
    from_day_number,
    person_rates,
    person_rates_of_ranges,
    total_rates,
)
from pacer.warehouse.store import Store

WORKSPACE = 3
EXAMPLES = int(os.environ.get("PACER_PROPERTY_EXAMPLES", "60"))

customers = st.lists(
    st.tuples(
        st.sets(st.integers(0, 60), min_size=1, max_size=6),  # purchase days
        st.sampled_from(["email", "paid_search", ""]),  # acquisition channel
        st.sampled_from([0, 1, 2]),  # own location
    ),
    max_size=25,
)
ranges = st.tuples(st.integers(0, 60), st.integers(0, 30))


def customer_days(people) -> pa.Table:
    rows = []
    for number, (days, channel, location) in enumerate(people, start=1):
        ordered = sorted(days)
        for index, day in enumerate(ordered):
            rows.append(
                {
                    "workspace_id": WORKSPACE,
                    "customer": number,
                    "day": day,
                    "first_day": ordered[0],
                    "next_day": ordered[index + 1] if index + 1 < len(ordered) else None,
                    "channel": channel,
                    "campaign": "",
                    "location_id": location,
                }
            )
    rows.sort(key=lambda row: (row["day"], row["customer"]))
    other = dict(rows[0], workspace_id=WORKSPACE + 1) if rows else None  # another workspace
    return pa.Table.from_pylist(rows + ([other] if other else []), schema=CUSTOMER_DAYS_SCHEMA)


def by_definition(people, low: int, high: int) -> tuple[int, int, int, int]:
    """The counts of ``PersonRates`` straight from each customer's set of days."""
    before = low - (high - low + 1)
    new = [days for days, _, _ in people if low <= min(days) <= high]
    repeaters = [days for days in new if any(min(days) < d <= high for d in days)]
    earlier = [days for days, _, _ in people if any(before <= d < low for d in days)]
    retained = [days for days in earlier if any(low <= d <= high for d in days)]
    return len(new), len(repeaters), len(earlier), len(retained)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(people=customers, span=ranges, group=st.sampled_from([None, "channel", "location_id"]))
def test_rates_equal_their_definitions(tmp_path_factory, people, span, group):
    store = Store(tmp_path_factory.mktemp("warehouse"))
    store.replace(CUSTOMER_DAYS_TABLE, customer_days(people))
    low, length = span
    start, end = from_day_number(low), from_day_number(low + length)
    rates = person_rates(store, WORKSPACE, start, end, by=group)
    if group is None:
        assert (
            rates.new_customers,
            rates.repeaters,
            rates.earlier_customers,
            rates.retained,
        ) == by_definition(people, low, low + length)
        return
    index = 1 if group == "channel" else 2
    for key in {person[index] for person in people}:
        members = [person for person in people if person[index] == key]
        expected = by_definition(members, low, low + length)
        got = rates.get(key)
        counts = (
            (got.new_customers, got.repeaters, got.earlier_customers, got.retained)
            if got
            else (0, 0, 0, 0)
        )
        assert counts == expected, key
    total = total_rates(rates)
    assert (
        total.new_customers,
        total.repeaters,
        total.earlier_customers,
        total.retained,
    ) == by_definition(people, low, low + length)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(people=customers, spans=st.lists(ranges, min_size=1, max_size=6))
def test_the_rates_of_several_ranges_in_one_query_are_each_ranges_own(
    tmp_path_factory, people, spans
):
    store = Store(tmp_path_factory.mktemp("warehouse"))
    store.replace(CUSTOMER_DAYS_TABLE, customer_days(people))
    days = [(from_day_number(low), from_day_number(low + length)) for low, length in spans]
    found = person_rates_of_ranges(store, WORKSPACE, days)
    assert [
        (rates.new_customers, rates.repeaters, rates.earlier_customers, rates.retained)
        for rates in found
    ] == [by_definition(people, low, low + length) for low, length in spans]
