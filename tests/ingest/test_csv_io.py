import csv
import io
from decimal import Decimal

import pytest

from pacer.core.csv_export import export_csv, safe_cell
from pacer.core.errors import ValidationFailed
from pacer.ingest.csv_io import import_contacts, import_orders
from pacer.people.actions import upsert_locations
from pacer.people.models import Contact, Identity, Order, OrderLine

pytestmark = pytest.mark.django_db
MAPPING = {"E-mail": "email", "First": "first_name", "Store": "location", "Tier": "trait:tier"}


def test_contacts_import_creates_dedupes_and_reports(workspace):
    upsert_locations(workspace, [{"code": "AUS", "name": "Austin"}])
    text = (
        "E-mail,First,Store,Tier\nann@x.com,Ann,AUS,gold\nBOB@x.com,Bob,,silver\nann@x.com,,AUS,\n"
    )
    report = import_contacts(workspace, text, MAPPING)
    assert report.ok and report.total_rows == 3 and report.created == 2
    ann = Contact.objects.get(email="ann@x.com")
    assert ann.first_name == "Ann" and ann.location.code == "AUS" and ann.traits == {"tier": "gold"}
    assert Contact.objects.get(email="bob@x.com").lifecycle_stage == "lead"
    assert Identity.objects.filter(kind="email").count() == 2


@pytest.mark.parametrize(
    ("rule", "expected_first", "expected_tier"),
    [
        ("always", "", "platinum"),
        ("if_not_empty", "Ann", "platinum"),
        ("if_existing_empty", "Ann", "gold"),
    ],
)
def test_update_rules(workspace, rule, expected_first, expected_tier):
    import_contacts(
        workspace,
        "E-mail,First,Tier\nann@x.com,Ann,gold\n",
        {"E-mail": "email", "First": "first_name", "Tier": "trait:tier"},
    )
    report = import_contacts(
        workspace,
        "E-mail,First,Tier\nann@x.com,,platinum\n",
        {"E-mail": "email", "First": "first_name", "Tier": "trait:tier"},
        update_rule=rule,
    )
    ann = Contact.objects.get()
    assert (ann.first_name, ann.traits["tier"]) == (expected_first, expected_tier)
    assert report.updated == (0 if rule == "if_existing_empty" else 1)


def test_any_bad_row_rejects_the_whole_file_with_a_report(workspace):
    text = (
        "E-mail,First,Store,Tier\ngood@x.com,G,,\nnot-an-email,B,,\nok@x.com,O,NOPE,\n,Nobody,,\n"
    )
    report = import_contacts(workspace, text, MAPPING)
    assert not report.ok
    assert report.rejected == [
        {"row": 3, "field": "email", "reason": "'not-an-email' is not a valid email address"},
        {"row": 4, "field": "location", "reason": "no location with code 'NOPE'"},
        {
            "row": 5,
            "field": "email",
            "reason": "the row has no identifier (email, user_id or phone)",
        },
    ]
    assert Contact.objects.count() == 0 and Identity.objects.count() == 0


def test_bad_mapping_names_the_column(workspace):
    with pytest.raises(ValidationFailed) as error:
        import_contacts(
            workspace, "a,b\n1,2\n", {"a": "email", "zzz": "first_name", "b": "shoe_size"}
        )
    assert error.value.errors == {
        "mapping.zzz": "no such column in the file",
        "mapping.b": "'shoe_size' is not one of email, phone, first_name, last_name, user_id, "
        "location, lifecycle_stage or trait:<name>",
    }
    with pytest.raises(ValidationFailed, match="update_rule"):
        import_contacts(workspace, "a\n1\n", {"a": "email"}, update_rule="sometimes")


def test_orders_import_groups_lines_and_skips_known_orders(workspace):
    mapping = {c: c for c in ("order_id", "email", "placed_at", "sku", "quantity", "unit_price")}
    text = (
        "order_id,email,placed_at,sku,quantity,unit_price\n"
        "A1,ann@x.com,2026-02-01,S1,2,10.00\nA1,ann@x.com,2026-02-01,S2,1,5.50\n"
        "A2,bob@x.com,2026-02-03T12:00:00+00:00,S1,1,10\n"
    )
    report = import_orders(workspace, text, mapping)
    assert report.ok and report.created == 2
    a1 = Order.objects.get(external_id="A1")
    assert a1.total == Decimal("25.50") and a1.lines.count() == 2
    ann = Contact.objects.get(email="ann@x.com")
    assert (
        ann.order_count == 1
        and ann.revenue == Decimal("25.50")
        and ann.lifecycle_stage == "customer"
    )
    again = import_orders(workspace, text, mapping)
    assert again.created == 0 and again.skipped == 2
    assert Order.objects.count() == 2 and OrderLine.objects.count() == 3


def test_orders_import_rejects_bad_rows_and_writes_nothing(workspace):
    mapping = {c: c for c in ("order_id", "email", "placed_at", "total")}
    text = "order_id,email,placed_at,total\nA1,ann@x.com,2026-02-01,abc\nA2,ann@x.com,someday,5\n"
    report = import_orders(workspace, text, mapping)
    assert [(r["row"], r["field"]) for r in report.rejected] == [(2, "total"), (3, "placed_at")]
    assert Order.objects.count() == 0 and Contact.objects.count() == 0


def test_export_escapes_formula_cells():
    assert safe_cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert [safe_cell(v) for v in ("+1", "-2", "@SUM(A1)", "\tx", "plain", 5, None)] == [
        "'+1",
        "'-2",  # text that looks like a number may go on as a formula: "-2+cmd|..."
        "'@SUM(A1)",
        "'\tx",
        "plain",
        "5",
        "",
    ]
    # numbers are written plain, negative ones too, so a spreadsheet reads them as numbers
    assert [safe_cell(v) for v in (-2, -2.5, Decimal("-48.10"), Decimal("1E+2"), True)] == [
        "-2",
        "-2.5",
        "-48.10",
        "100",
        "True",
    ]
    text = "".join(export_csv(["name", "note"], [["=1+2", "a,b"], ["ok", "-x"]]))
    assert list(csv.reader(io.StringIO(text))) == [
        ["name", "note"],
        ["'=1+2", "a,b"],
        ["ok", "'-x"],
    ]
