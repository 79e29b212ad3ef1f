"""Identity resolution and merge rules (pacer.people.resolution), one test per rule,
driven through event ingestion (``pacer.ingest.actions.ingest``) and CSV import."""

import itertools
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from pacer.core.models import AuditEntry, ChangeBatch
from pacer.ingest import csv_io
from pacer.ingest.actions import ingest
from pacer.ingest.models import Event
from pacer.people import selectors
from pacer.people.actions import upsert_locations
from pacer.people.models import Consent, Contact, Identity, Order

pytestmark = pytest.mark.django_db

_ids = itertools.count()


def day(month: int, d: int, hour: int = 10) -> str:
    return f"2026-{month:02d}-{d:02d}T{hour:02d}:00:00Z"


def at(month: int, d: int, hour: int = 10) -> datetime:
    return datetime(2026, month, d, hour, tzinfo=UTC)


MARCH_1 = "2026-03-01T10:00:00Z"


def message(kind: str, *, user: str = "", anon: str = "", when: str = MARCH_1, **fields):
    raw = {"type": kind, "messageId": f"m-{next(_ids)}", "timestamp": when, **fields}
    if user:
        raw["userId"] = user
    if anon:
        raw["anonymousId"] = anon
    return raw


def identify(*, user: str = "", anon: str = "", when: str = MARCH_1, **traits) -> dict:
    return message("identify", user=user, anon=anon, when=when, traits=traits)


def page(*, user: str = "", anon: str = "", when: str = MARCH_1, campaign: str = "") -> dict:
    url = "https://shop.test/"
    if campaign:
        url += f"?utm_source=google&utm_medium=cpc&utm_campaign={campaign}"
    return message("page", user=user, anon=anon, when=when, context={"page": {"url": url}})


def order(order_id: str, total: str, *, user: str = "", anon: str = "", when: str = MARCH_1):
    return message(
        "track",
        user=user,
        anon=anon,
        when=when,
        event="Order Completed",
        properties={"order_id": order_id, "total": total},
    )


def consent(*, user: str = "", anon: str = "", when: str = MARCH_1) -> dict:
    return message(
        "track",
        user=user,
        anon=anon,
        when=when,
        event="Consent Updated",
        properties={"channel": "email", "purpose": "marketing", "granted": True},
    )


def alias(user: str, previous: str, when: str = MARCH_1) -> dict:
    return message("alias", user=user, when=when, previousId=previous)


def send(workspace, *messages: dict) -> None:
    """One ingestion batch, processed at once."""
    results = ingest(workspace, list(messages), received_at=timezone.now())
    assert [r.status for r in results] == ["accepted"] * len(messages), results


def import_contacts(workspace, text: str):
    header = text.splitlines()[0].split(",")
    report = csv_io.import_contacts(workspace, text, {column: column for column in header})
    assert report.ok, report.rejected
    return report


def holder(workspace, kind: str, value: str) -> Contact:
    """The live contact an identifier leads to (through any merges)."""
    identity = Identity.objects.get(workspace=workspace, kind=kind, value=value)
    return selectors.contact(workspace, identity.contact_id)


def live(workspace) -> list[Contact]:
    return list(selectors.contacts(workspace).order_by("id"))


def reload(contact: Contact) -> Contact:
    return Contact.objects.get(pk=contact.pk)


# --- merging across sources -------------------------------------------------------


def test_identify_with_the_email_of_an_imported_contact_merges_the_two(workspace):
    import_contacts(workspace, "email,phone,first_name\nann@x.com,+1 555 010 0100,Ann\n")
    imported = holder(workspace, "email", "ann@x.com")
    send(workspace, page(anon="a-1", when=day(3, 2), campaign="spring"))
    visitor = holder(workspace, "anonymous_id", "a-1")
    assert visitor != imported

    send(workspace, identify(anon="a-1", when=day(3, 3), email="  Ann@X.com "))

    assert live(workspace) == [imported]
    assert reload(visitor).merged_into_id == imported.pk
    assert selectors.contact(workspace, visitor.pk) == imported
    assert holder(workspace, "anonymous_id", "a-1") == imported
    assert not Identity.objects.filter(contact=visitor).exists()
    assert set(Event.objects.values_list("contact_id", flat=True)) == {imported.pk}
    person = reload(imported)
    assert (person.first_name, person.phone, person.email) == ("Ann", "+15550100100", "ann@x.com")
    assert person.first_seen_at == at(3, 2) and person.acquisition_campaign == "spring"
    assert ChangeBatch.objects.filter(merges=[[visitor.pk, imported.pk]]).count() == 1
    entry = AuditEntry.objects.get(action="contact.merge")
    assert (entry.actor, entry.actor_label, entry.workspace) == (None, "ingestion", workspace)
    assert entry.object_id == str(imported.pk)
    assert entry.before == {"merged_contact": visitor.pk}
    assert entry.after == {"survivor": imported.pk}


@pytest.mark.parametrize("row", ["u-1,bo@x.com,Bo", "u-1,bo@x.com,"])
def test_csv_row_whose_user_id_and_email_belong_to_two_contacts_merges_them(workspace, row):
    """The survivor gets the merged profile whether or not the row changes its fields."""
    send(
        workspace,
        page(user="u-1", when=day(3, 5)),
        order("o-1", "4.00", user="u-1", when=day(3, 6)),
    )
    send(
        workspace,
        page(anon="a-2", when=day(3, 2), campaign="early"),
        identify(anon="a-2", when=day(3, 3), email="bo@x.com"),
        order("o-2", "6.50", anon="a-2", when=day(3, 4)),
    )
    by_user, by_email = holder(workspace, "user_id", "u-1"), holder(workspace, "email", "bo@x.com")
    assert by_user != by_email

    report = import_contacts(workspace, f"user_id,email,last_name\n{row}\n")

    assert live(workspace) == [by_user]
    assert reload(by_email).merged_into_id == by_user.pk
    assert holder(workspace, "email", "bo@x.com") == by_user
    person = reload(by_user)
    assert (person.order_count, person.revenue) == (2, Decimal("10.50"))
    assert (person.first_seen_at, person.lead_at, person.customer_at) == (
        at(3, 2),
        at(3, 3),
        at(3, 4),
    )
    assert (person.email, person.acquisition_campaign) == ("bo@x.com", "early")
    assert person.last_name == ("Bo" if row.endswith("Bo") else "")
    assert set(Order.objects.values_list("contact_id", flat=True)) == {by_user.pk}
    assert ChangeBatch.objects.filter(merges=[[by_email.pk, by_user.pk]]).count() == 1
    assert report.created == 0


def test_csv_order_whose_buyer_identifiers_belong_to_two_contacts_merges_them(workspace):
    send(workspace, page(user="u-1", when=day(3, 5)))
    send(
        workspace,
        page(anon="a-2", when=day(3, 2), campaign="early"),
        identify(anon="a-2", when=day(3, 3), email="bo@x.com", first_name="Bo"),
    )
    by_user, by_email = holder(workspace, "user_id", "u-1"), holder(workspace, "email", "bo@x.com")

    csv_io.import_orders(
        workspace,
        "order_id,user_id,email,placed_at,total\nc-1,u-1,bo@x.com,2026-03-06,3.00\n",
        {c: c for c in ("order_id", "user_id", "email", "placed_at", "total")},
    )

    person = reload(by_user)
    assert reload(by_email).merged_into_id == by_user.pk
    published = ChangeBatch.objects.get(source="orders.import")
    assert (published.contact_ids, published.merges) == ([by_user.pk], [[by_email.pk, by_user.pk]])
    assert (person.order_count, person.revenue, person.lifecycle_stage) == (
        1,
        Decimal("3.00"),
        "customer",
    )
    assert (person.first_seen_at, person.lead_at) == (at(3, 2), at(3, 3))
    assert (person.first_name, person.acquisition_campaign) == ("Bo", "early")


# --- what the merged contact keeps -------------------------------------------------


@pytest.mark.parametrize("earlier", ["older", "newer"])
def test_merged_contact_keeps_the_earliest_first_seen_lead_and_customer_times(workspace, earlier):
    """Each time is the earliest of the two (latest for last seen and last order),
    whichever contact, the survivor or the merged one, held it."""
    early, late = (1, 3) if earlier == "older" else (3, 1)
    send(
        workspace,
        page(user="u-old", when=day(early, 5)),
        identify(user="u-old", when=day(early, 6), email="old@x.com"),
        order("o-1", "10.00", user="u-old", when=day(early, 7)),
        page(user="u-old", when=day(early, 20)),
    )
    send(
        workspace,
        page(anon="a-new", when=day(late, 5, 9)),
        identify(anon="a-new", when=day(late, 6, 9), email="new@x.com"),
        order("o-2", "5.00", anon="a-new", when=day(late, 7, 9)),
        page(anon="a-new", when=day(late, 20, 9)),
    )
    older, newer = holder(workspace, "user_id", "u-old"), holder(workspace, "anonymous_id", "a-new")
    assert older.pk < newer.pk

    send(workspace, alias("u-old", "a-new", when=day(2, 1)))

    person = reload(older)
    assert reload(newer).merged_into_id == older.pk
    assert person.first_seen_at == at(1, 5, 10 if earlier == "older" else 9)
    assert person.lead_at == at(1, 6, 10 if earlier == "older" else 9)
    assert person.customer_at == at(1, 7, 10 if earlier == "older" else 9)
    assert person.last_seen_at == at(3, 20, 9 if earlier == "older" else 10)
    assert person.last_order_at == at(3, 7, 9 if earlier == "older" else 10)
    assert person.email == "old@x.com"


def test_merged_contact_keeps_a_time_only_one_of_them_had(workspace):
    send(workspace, page(user="u-1", when=day(3, 5)))  # never identified by email, no orders
    send(
        workspace,
        identify(anon="a-2", when=day(3, 6), email="late@x.com"),
        order("o-9", "3.00", anon="a-2", when=day(3, 8)),
    )
    older = holder(workspace, "user_id", "u-1")
    send(workspace, alias("u-1", "a-2", when=day(3, 9)))
    person = reload(older)
    assert (person.lead_at, person.customer_at) == (at(3, 6), at(3, 8))
    assert (person.last_order_at, person.email) == (at(3, 8), "late@x.com")


STAGES = [
    # (stage imported on the older contact, what the newer one did, merged stage)
    ("mql", "order", "customer"),
    ("opportunity", "identify", "opportunity"),
    ("sql", "page", "sql"),
    ("evangelist", "order", "evangelist"),
    ("customer", "identify", "customer"),
    ("other", "order", "customer"),
    # each stage above a subscriber's (the newer one identified without an email)
    ("mql", "identify", "mql"),
    ("sql", "identify", "sql"),
]


@pytest.mark.parametrize(("imported", "activity", "merged"), STAGES)
def test_merged_contact_takes_the_highest_lifecycle_stage(workspace, imported, activity, merged):
    import_contacts(workspace, f"email,lifecycle_stage\nimp@x.com,{imported}\n")
    older = holder(workspace, "email", "imp@x.com")
    newer_did = {
        "order": order("o-1", "8.00", anon="a-1"),
        "identify": identify(anon="a-1", first_name="Nia"),  # no email: a subscriber
        "page": page(anon="a-1"),
    }[activity]
    send(workspace, newer_did)
    newer = holder(workspace, "anonymous_id", "a-1")
    assert reload(newer).lifecycle_stage == {"order": "customer", "identify": "subscriber"}.get(
        activity, ""
    )

    send(workspace, identify(anon="a-1", when=day(3, 2), email="imp@x.com"))

    assert reload(newer).merged_into_id == older.pk
    assert reload(older).lifecycle_stage == merged


def test_merged_contact_sums_orders_and_revenue_and_owns_every_order(workspace):
    send(
        workspace,
        order("o-1", "10.50", user="u-1", when=day(3, 1)),
        order("o-2", "4.25", user="u-1", when=day(3, 2)),
    )
    csv_io.import_orders(
        workspace,
        "order_id,email,placed_at,total\no-3,buyer@x.com,2026-03-03,7.00\n",
        {"order_id": "order_id", "email": "email", "placed_at": "placed_at", "total": "total"},
    )
    older, newer = holder(workspace, "user_id", "u-1"), holder(workspace, "email", "buyer@x.com")
    assert (reload(newer).order_count, reload(newer).revenue) == (1, Decimal("7.00"))

    send(workspace, identify(user="u-1", when=day(3, 4), email="buyer@x.com"))

    person = reload(older)
    assert reload(newer).merged_into_id == older.pk
    assert (person.order_count, person.revenue) == (3, Decimal("21.75"))
    assert set(Order.objects.values_list("contact_id", flat=True)) == {older.pk}
    assert person.last_order_at == at(3, 3, 0) and person.customer_at == at(3, 1)


@pytest.mark.parametrize("earlier", ["older", "newer"])
def test_acquisition_comes_from_the_earliest_touch(workspace, earlier):
    early, late = (day(3, 1), day(3, 9)) if earlier == "older" else (day(3, 9), day(3, 1))
    send(
        workspace,
        page(anon="a-old", when=early, campaign="spring"),
        identify(anon="a-old", when=day(3, 10), email="old@x.com"),
    )
    send(
        workspace,
        message(
            "page",
            anon="a-new",
            when=late,
            context={"campaign": {"source": "newsletter", "medium": "email", "name": "winter"}},
        ),
    )
    older = holder(workspace, "anonymous_id", "a-old")
    send(workspace, identify(anon="a-new", when=day(3, 11), email="old@x.com"))

    person = reload(older)
    expected = (
        ("paid_search", "google", "cpc", "spring")
        if earlier == "older"
        else ("email", "newsletter", "email", "winter")
    )
    assert (
        person.acquisition_channel,
        person.acquisition_source,
        person.acquisition_medium,
        person.acquisition_campaign,
    ) == expected
    assert person.first_seen_at == min(at(3, 1), at(3, 9))


def test_a_contact_without_a_touch_takes_the_acquisition_of_the_one_merged_into_it(workspace):
    import_contacts(workspace, "email\nimp@x.com\n")  # imported: no touch, no first seen
    send(workspace, page(anon="a-1", when=day(3, 4), campaign="autumn"))
    send(workspace, identify(anon="a-1", when=day(3, 5), email="imp@x.com"))
    person = holder(workspace, "email", "imp@x.com")
    assert (person.acquisition_channel, person.acquisition_campaign) == ("paid_search", "autumn")
    assert person.first_seen_at == at(3, 4)


@pytest.mark.parametrize("survivor_has_one", [False, True])
def test_merge_takes_the_merged_contacts_location_when_the_survivor_has_none(
    workspace, survivor_has_one
):
    north, south = upsert_locations(
        workspace, [{"code": "N", "name": "North"}, {"code": "S", "name": "South"}]
    )
    send(workspace, identify(user="u-1", **({"location": "N"} if survivor_has_one else {})))
    send(workspace, identify(anon="a-2", location="S"))
    send(workspace, alias("u-1", "a-2"))
    expected = north if survivor_has_one else south
    assert holder(workspace, "user_id", "u-1").location_id == expected.pk


def test_on_a_tie_for_the_first_touch_the_survivor_keeps_its_acquisition(workspace):
    send(workspace, page(user="u-1", when=day(3, 1), campaign="mine"))
    send(workspace, page(anon="a-2", when=day(3, 1), campaign="theirs"))
    send(workspace, alias("u-1", "a-2"))
    assert holder(workspace, "user_id", "u-1").acquisition_campaign == "mine"


def test_merge_keeps_the_survivors_profile_and_fills_its_gaps(workspace):
    send(workspace, identify(user="u-1", first_name="Ann", plan="gold", tier="a"))
    send(
        workspace,
        identify(
            anon="a-2",
            email="ann@x.com",
            firstName="Anne",
            lastName="Ng",
            phone="+4420 7946 0000",
            plan="free",
            city="Leeds",
        ),
        message("group", anon="a-2", groupId="acme", traits={"name": "Acme"}),
    )
    older, newer = holder(workspace, "user_id", "u-1"), holder(workspace, "anonymous_id", "a-2")
    send(workspace, alias("u-1", "a-2"))
    person = reload(older)
    assert (person.first_name, person.last_name) == ("Ann", "Ng")
    assert (person.email, person.phone) == ("ann@x.com", "+4420 7946 0000")
    assert person.traits == {"plan": "gold", "tier": "a", "city": "Leeds"}
    assert person.account_id == reload(newer).account_id is not None


# --- chains and batches -----------------------------------------------------------


def test_a_chain_of_merges_leads_every_merged_id_to_the_survivor(workspace):
    send(workspace, page(anon="a"))
    send(workspace, page(anon="b"))
    send(workspace, page(anon="c"))
    a, b, c = (holder(workspace, "anonymous_id", v) for v in "abc")
    send(workspace, identify(anon="b", email="b@x.com"))
    send(workspace, identify(anon="c", email="b@x.com"))  # c into b
    assert reload(c).merged_into_id == b.pk
    send(workspace, identify(anon="a", email="a@x.com"))
    send(workspace, identify(anon="b", email="a@x.com"))  # b into a

    assert live(workspace) == [a]
    assert (reload(b).merged_into_id, reload(c).merged_into_id) == (a.pk, a.pk)
    assert selectors.contact(workspace, c.pk) == selectors.contact(workspace, b.pk) == a
    assert set(Identity.objects.values_list("contact_id", flat=True)) == {a.pk}
    assert set(Event.objects.values_list("contact_id", flat=True)) == {a.pk}


def test_a_chain_of_merges_in_one_batch_lands_on_the_oldest(workspace):
    send(workspace, identify(anon="a", email="a@x.com"))
    send(workspace, identify(anon="b", email="b@x.com"), order("o-1", "2.00", anon="b"))
    send(workspace, identify(anon="c", email="c@x.com"), order("o-2", "3.00", anon="c"))
    a, b, c = (holder(workspace, "anonymous_id", v) for v in "abc")

    send(
        workspace,
        identify(anon="c", email="b@x.com"),  # c into b ...
        identify(anon="b", email="a@x.com"),  # ... then b into a
        order("o-3", "4.00", anon="c"),
    )

    assert live(workspace) == [a]
    assert (reload(b).merged_into_id, reload(c).merged_into_id) == (a.pk, a.pk)
    person = reload(a)
    assert (person.order_count, person.revenue) == (3, Decimal("9.00"))
    assert set(Order.objects.values_list("contact_id", flat=True)) == {a.pk}
    assert set(Event.objects.values_list("contact_id", flat=True)) == {a.pk}
    assert sorted(
        ChangeBatch.objects.filter(source="events").exclude(merges=[]).get().merges
    ) == sorted([[b.pk, a.pk], [c.pk, a.pk]])


def test_contacts_created_earlier_in_the_same_batch_merge_into_one(workspace):
    send(
        workspace,
        page(anon="n-1", when=day(3, 2)),
        page(anon="n-2", when=day(3, 1), campaign="first"),
        order("o-1", "6.00", anon="n-2", when=day(3, 3)),
        identify(anon="n-1", when=day(3, 4), email="one@x.com"),
        identify(anon="n-2", when=day(3, 5), email="one@x.com"),
    )
    (person,) = Contact.objects.all()  # the merged-away one was never written
    assert holder(workspace, "anonymous_id", "n-2") == person
    assert set(Identity.objects.values_list("value", flat=True)) == {"n-1", "n-2", "one@x.com"}
    assert (person.order_count, person.revenue, person.lifecycle_stage) == (
        1,
        Decimal("6.00"),
        "customer",
    )
    assert (person.first_seen_at, person.acquisition_campaign) == (at(3, 1), "first")
    assert person.lead_at == at(3, 4)
    assert set(Event.objects.values_list("contact_id", flat=True)) == {person.pk}
    assert Order.objects.get().contact == person


def test_contacts_created_in_one_batch_merge_into_the_first_created(workspace):
    """As if each message had been ingested alone: the older contact survives."""
    send(
        workspace,
        identify(anon="n-1", email="one@x.com", first_name="One", lastName="First"),
        identify(anon="n-2", email="two@x.com", first_name="Two", plan="pro"),
        identify(anon="n-1", email="two@x.com"),  # its strongest key is n-2's
    )
    (person,) = live(workspace)
    assert (person.first_name, person.last_name, person.traits) == ("One", "First", {"plan": "pro"})


# --- phone numbers ------------------------------------------------------------------


def test_phone_numbers_written_differently_meet(workspace):
    send(workspace, identify(anon="a-1", phone="+1 (555) 010-0199"))
    import_contacts(workspace, "phone,first_name\n+1 555 010 0199,Pat\n")
    send(workspace, identify(anon="a-2", phone=" +1.555.010.0199 "))
    (person,) = live(workspace)
    assert person.first_name == "Pat"
    assert holder(workspace, "anonymous_id", "a-2") == person
    assert Identity.objects.filter(kind="phone").get().value == "+15550100199"


@pytest.mark.parametrize(
    "other",
    ["555 010 0199", "+44 555 010 0199", "+1 555 010 0198", "1+555 010 0199"],
)
def test_phone_numbers_that_differ_do_not_meet(workspace, other):
    send(workspace, identify(anon="a-1", phone="+1 555 010 0199"))
    send(workspace, identify(anon="a-2", phone=other))
    assert holder(workspace, "anonymous_id", "a-1") != holder(workspace, "anonymous_id", "a-2")
    assert len(live(workspace)) == 2


@pytest.mark.parametrize("phone", ["12-34-56", "+123456"])
def test_six_digits_are_enough_for_a_phone_number(workspace, phone):
    send(workspace, identify(anon="a-1", phone=phone), identify(anon="a-2", phone=phone))
    assert len(live(workspace)) == 1
    assert Identity.objects.filter(kind="phone").count() == 1


@pytest.mark.parametrize("junk", ["0", "n/a", "ext. 12", "+", "  ", "12-345", "+12345"])
def test_a_phone_too_short_to_be_a_number_is_not_an_identifier(workspace, junk):
    send(workspace, identify(anon="a-1", phone=junk), identify(anon="a-2", phone=junk))
    assert len(live(workspace)) == 2
    assert not Identity.objects.filter(kind="phone").exists()


@pytest.mark.parametrize("junk", ["n/a", "none", "@", "ann@", "@x.com", " "])
def test_an_email_without_a_name_and_a_domain_is_not_an_identifier(workspace, junk):
    send(workspace, identify(anon="a-1", email=junk), identify(anon="a-2", email=junk))
    assert len(live(workspace)) == 2
    assert not Identity.objects.filter(kind="email").exists()


# --- what is refused --------------------------------------------------------------


def test_two_user_ids_never_merge_and_the_message_goes_to_its_user_ids_contact(workspace):
    send(workspace, identify(user="u-1", email="shared@x.com"), order("o-1", "5.00", user="u-1"))
    first = holder(workspace, "user_id", "u-1")

    send(
        workspace,
        identify(user="u-2", email="shared@x.com", first_name="Two"),
        order("o-2", "7.00", user="u-2"),
    )

    second = holder(workspace, "user_id", "u-2")
    assert second != first and len(live(workspace)) == 2
    assert holder(workspace, "email", "shared@x.com") == first  # the address stays put
    assert (reload(first).order_count, reload(first).revenue) == (1, Decimal("5.00"))
    assert (reload(second).order_count, reload(second).first_name) == (1, "Two")
    assert Order.objects.get(external_id="o-2").contact == second
    assert not Contact.objects.exclude(merged_into=None).exists()


def test_a_device_shared_by_two_user_ids_stays_with_the_first(workspace):
    send(workspace, page(anon="shared-device"))
    send(workspace, identify(user="u-1", anon="shared-device"))
    first = holder(workspace, "user_id", "u-1")
    assert holder(workspace, "anonymous_id", "shared-device") == first

    send(
        workspace,
        identify(user="u-2", anon="shared-device"),
        page(user="u-2", anon="shared-device"),
    )

    second = holder(workspace, "user_id", "u-2")
    assert second != first
    assert holder(workspace, "anonymous_id", "shared-device") == first
    last_page = Event.objects.filter(type="page").order_by("-id").first()
    assert last_page.contact_id == second.pk


def test_a_message_pointing_at_two_user_ids_contacts_merges_neither(workspace):
    send(workspace, identify(user="u-1", email="one@x.com"))
    send(workspace, identify(user="u-2", anon="dev-2"))
    one, two = holder(workspace, "user_id", "u-1"), holder(workspace, "user_id", "u-2")

    send(workspace, identify(anon="dev-2", email="one@x.com"))  # no user id of its own

    assert live(workspace) == [one, two]
    assert Event.objects.order_by("-id").first().contact_id == one.pk  # its strongest key


def test_a_survivor_holds_the_user_id_merged_into_it_for_the_rest_of_the_batch(workspace):
    send(workspace, page(anon="device"))
    send(workspace, identify(user="u-1"))
    device = holder(workspace, "anonymous_id", "device")

    send(
        workspace,
        alias("u-1", "device"),  # u-1's contact merges into the older device contact ...
        identify(user="u-2", anon="device"),  # ... which is now u-1's: u-2 gets its own
    )

    assert holder(workspace, "user_id", "u-1") == device
    assert holder(workspace, "user_id", "u-2") != device
    assert len(live(workspace)) == 2


def test_a_user_id_joins_anonymous_contacts_merged_earlier_in_the_batch(workspace):
    """As if ingested one by one: two visitors merged (neither with a user id) are
    still nobody's, so a user id that arrives on one of their devices joins them."""
    send(
        workspace,
        identify(anon="a-1", email="same@x.com"),
        identify(anon="a-2", email="same@x.com"),  # a-2 joins a-1's contact
        page(anon="a-3"),
        identify(anon="a-3", email="same@x.com"),  # and a-3 merges into it
        identify(user="u-1", anon="a-3"),
    )
    (person,) = live(workspace)
    assert holder(workspace, "user_id", "u-1") == person


def test_alias_between_two_user_ids_is_refused(workspace):
    send(workspace, identify(user="u-1"), identify(user="u-2"))
    send(workspace, alias("u-2", "u-1"))
    assert len(live(workspace)) == 2
    assert holder(workspace, "user_id", "u-1") != holder(workspace, "user_id", "u-2")


@pytest.mark.parametrize("known", [True, False])
def test_a_refused_alias_gives_neither_contact_the_other_user_id_in_any_form(workspace, known):
    # the previous id is another person's user id: it must not become the new user's
    # anonymous id either (their later visits under it would go to the wrong person)
    send(workspace, identify(user="u-1"), *([identify(user="u-2")] if known else []))
    send(workspace, alias("u-2", "u-1"))
    first, second = holder(workspace, "user_id", "u-1"), holder(workspace, "user_id", "u-2")
    assert first != second and len(live(workspace)) == 2
    assert list(Identity.objects.order_by("value").values_list("kind", "value", "contact")) == [
        ("user_id", "u-1", first.pk),
        ("user_id", "u-2", second.pk),
    ]


# --- alias --------------------------------------------------------------------------


def test_alias_merges_the_previous_visitor_into_the_older_contact(workspace):
    send(workspace, page(anon="visitor"))
    send(workspace, identify(user="u-1"))
    visitor, user = (
        holder(workspace, "anonymous_id", "visitor"),
        holder(workspace, "user_id", "u-1"),
    )

    send(workspace, alias("u-1", "visitor"))

    assert live(workspace) == [visitor]
    assert reload(user).merged_into_id == visitor.pk
    assert holder(workspace, "user_id", "u-1") == visitor


def test_alias_to_an_unknown_previous_id_makes_it_the_users_anonymous_id(workspace):
    send(workspace, identify(user="u-1"))
    user = holder(workspace, "user_id", "u-1")
    send(workspace, alias("u-1", "old-device"))
    assert holder(workspace, "anonymous_id", "old-device") == user
    send(workspace, page(anon="old-device"))
    assert live(workspace) == [user]
    assert Event.objects.order_by("-id").first().contact_id == user.pk


def test_alias_of_a_new_user_id_to_a_known_visitor_names_the_visitor(workspace):
    send(workspace, page(anon="visitor"), order("o-1", "9.00", anon="visitor"))
    visitor = holder(workspace, "anonymous_id", "visitor")
    send(workspace, alias("u-9", "visitor"))
    assert live(workspace) == [visitor]
    assert holder(workspace, "user_id", "u-9") == visitor
    assert reload(visitor).order_count == 1


# --- rows that move ------------------------------------------------------------------


def test_merge_moves_events_orders_consents_and_identities_to_the_survivor(workspace):
    send(workspace, identify(user="u-1", email="keep@x.com"))
    send(
        workspace,
        page(anon="a-2"),
        identify(anon="a-2", email="gone@x.com", phone="+33 1 23 45 67 89"),
        order("o-1", "12.00", anon="a-2"),
        consent(anon="a-2"),
    )
    survivor, merged = holder(workspace, "user_id", "u-1"), holder(workspace, "anonymous_id", "a-2")
    moved_events = set(Event.objects.filter(contact=merged).values_list("id", flat=True))
    assert len(moved_events) == 4

    send(workspace, alias("u-1", "a-2"))

    assert not Event.objects.filter(contact=merged).exists()
    assert moved_events < set(Event.objects.filter(contact=survivor).values_list("id", flat=True))
    assert Order.objects.get().contact == survivor
    assert Consent.objects.get().contact == survivor
    assert not Identity.objects.filter(contact=merged).exists()
    assert set(Identity.objects.filter(contact=survivor).values_list("kind", "value")) == {
        ("user_id", "u-1"),
        ("email", "keep@x.com"),
        ("anonymous_id", "a-2"),
        ("email", "gone@x.com"),
        ("phone", "+33123456789"),
    }
    assert selectors.current_consent(workspace, survivor.pk) == {("email", "marketing"): True}
    merged_row = reload(merged)
    assert merged_row.merged_into_id == survivor.pk and merged_row.workspace_id == workspace.pk


def test_two_aliases_onto_known_visitors_in_one_batch_update_both_visitors_seen_times(workspace):
    send(workspace, page(anon="v-1", when=day(3, 1)), page(anon="v-2", when=day(3, 2)))
    first, second = (
        holder(workspace, "anonymous_id", "v-1"),
        holder(workspace, "anonymous_id", "v-2"),
    )

    send(workspace, alias("u-1", "v-1", when=day(3, 5)), alias("u-2", "v-2", when=day(3, 6)))

    assert live(workspace) == [first, second]
    assert holder(workspace, "user_id", "u-1") == first
    assert holder(workspace, "user_id", "u-2") == second
    assert [(c.first_seen_at, c.last_seen_at) for c in live(workspace)] == [
        (at(3, 1), at(3, 5)),
        (at(3, 2), at(3, 6)),
    ]
