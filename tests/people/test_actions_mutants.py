"""Rules of ``pacer.people.actions`` that its seeded mutant sample (stop 39, ``5:3911``)
showed no test pinned: each test here fails on the mutants named in docs/testing.md."""

from decimal import Decimal

import pytest

from pacer.core import actions as core_actions
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry, ChangeBatch
from pacer.people.actions import record_rfm, save_location, upsert_locations, upsert_products
from pacer.people.models import Contact, Location, Product

pytestmark = pytest.mark.django_db
CITY_REASON = "must be text of at most 100 characters"


def test_a_city_over_100_characters_or_not_text_is_refused_naming_the_field(workspace):
    with pytest.raises(ValidationFailed) as refused:
        upsert_locations(
            workspace,
            [
                {"code": "a", "name": "A", "city": "c" * 100},
                {"code": "b", "name": "B", "city": "c" * 101},
                {"code": "d", "name": "D", "city": 7},
            ],
        )
    assert refused.value.errors == {"rows[1].city": CITY_REASON, "rows[2].city": CITY_REASON}
    with pytest.raises(ValidationFailed) as refused:
        save_location(workspace, code="e", name="E", city="c" * 101)
    assert refused.value.errors == {"city": CITY_REASON}
    assert not Location.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="locations.").exists()
    (saved,) = upsert_locations(workspace, [{"code": "a", "name": "A", "city": " " + "c" * 100}])
    assert Location.objects.get().city == "c" * 100 == saved.city


def test_locations_are_upserted_and_saved_only_in_their_own_workspace(workspace, admin):
    other = core_actions.create_workspace("Other", slug="other")
    upsert_locations(other, [{"code": "dt", "name": "Theirs", "city": "Far"}])
    upsert_locations(workspace, [{"code": "dt", "name": "Downtown"}], actor=admin)
    save_location(other, code="up", name="Their uptown")
    save_location(workspace, code="up", name="Uptown", city="Springfield", actor=admin)
    names = set(Location.objects.values_list("workspace__slug", "code", "name", "city"))
    assert names == {
        ("other", "dt", "Theirs", "Far"),
        ("acme", "dt", "Downtown", ""),
        ("other", "up", "Their uptown", ""),
        ("acme", "up", "Uptown", "Springfield"),
    }
    upsert, save = AuditEntry.objects.filter(
        workspace=workspace, action__startswith="locations."
    ).order_by("id")
    assert (upsert.action, upsert.actor_id, upsert.after) == (
        "locations.upsert",
        admin.pk,
        {"rows": 1},
    )
    assert (save.action, save.actor_id, save.before) == ("locations.save", admin.pk, None)
    assert (save.after["code"], save.after["name"], save.after["city"]) == (
        "up",
        "Uptown",
        "Springfield",
    )


def test_products_take_a_default_cost_and_names_and_are_updated_by_sku(workspace, admin):
    upsert_products(workspace, [{"sku": "S", "price": "5", "name": "Soap", "category": "Bath"}])
    assert set(Product.objects.values_list("name", "category")) == {("Soap", "Bath")}
    (product,) = upsert_products(workspace, [{"sku": "S", "price": "6.5"}], actor=admin)
    stored = Product.objects.get()
    assert stored.pk == product.pk
    assert (stored.price, stored.unit_cost, stored.name, stored.category) == (
        Decimal("6.50"),
        Decimal("0.00"),
        "",
        "",
    )
    upsert_products(workspace, [{"sku": "S", "price": "6.5", "unit_cost": "2.25"}])
    assert Product.objects.get().unit_cost == Decimal("2.25")
    with pytest.raises(ValidationFailed) as refused:
        upsert_products(workspace, [{"sku": "T", "price": "1", "unit_cost": "lots"}])
    assert refused.value.errors == {"rows[0].unit_cost": "'lots' is not a number"}
    assert list(Product.objects.values_list("sku", flat=True)) == ["S"]
    first, second, _ = AuditEntry.objects.filter(action="products.upsert").order_by("id")
    assert (first.workspace_id, first.actor_id, first.after) == (workspace.pk, None, {"rows": 1})
    assert (second.workspace_id, second.actor_id) == (workspace.pk, admin.pk)


def test_an_rfm_segment_name_of_one_to_forty_characters_is_stored(workspace):
    ada = Contact.objects.create(workspace=workspace, email="ada@x.test")
    bob = Contact.objects.create(workspace=workspace, email="bob@x.test")
    Contact.objects.create(workspace=workspace, email="never@x.test")  # no score, none before
    assert record_rfm(workspace, {ada.pk: ("999", "C"), bob.pk: ("111", "L" * 40)}) == 2
    (batch,) = ChangeBatch.objects.filter(source="people.rfm")
    assert sorted(batch.contact_ids) == sorted([ada.pk, bob.pk])  # not the unscored one
    stored = set(Contact.objects.values_list("rfm_code", "rfm_segment"))
    assert stored == {("999", "C"), ("111", "L" * 40), ("", "")}
    with pytest.raises(ValidationFailed):
        record_rfm(workspace, {ada.pk: ("999", "C" * 41)})
    assert set(Contact.objects.values_list("rfm_code", "rfm_segment")) == stored
