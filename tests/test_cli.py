"""The ``pacer`` command: clear errors for bad arguments, real work for good ones."""

import json

import pytest

from pacer.cli import main
from pacer.ingest.models import Event
from pacer.people.models import Consent, Contact

pytestmark = pytest.mark.django_db


def test_import_reports_a_missing_file_and_bad_mapping(workspace, tmp_path, capsys):
    assert main(["import", "contacts", str(tmp_path / "nope.csv"), "--workspace", "acme"]) == 2
    assert "error: file: " in capsys.readouterr().err
    path = tmp_path / "people.csv"
    path.write_text("mail,name\nann@x.com,Ann\n")
    assert main(["import", "contacts", str(path), "--workspace", "acme", "--map", "mail"]) == 2
    assert "error: --map: 'mail' must look like column=field" in capsys.readouterr().err
    assert Contact.objects.count() == 0


def test_import_contacts_with_mapping_and_rejected_rows(workspace, tmp_path, capsys):
    path = tmp_path / "people.csv"
    path.write_text("mail,name\nann@x.com,Ann\nbroken,Bob\n")
    args = [
        "import",
        "contacts",
        str(path),
        "--workspace",
        "acme",
        "--map",
        "mail=email",
        "--map",
        "name=first_name",
    ]
    assert main(args) == 1
    assert "row 3: email: 'broken' is not a valid email address" in capsys.readouterr().err
    assert Contact.objects.count() == 0
    path.write_text("mail,name\nann@x.com,Ann\n")
    assert main(args) == 0
    assert "1 created" in capsys.readouterr().out
    assert Contact.objects.get().first_name == "Ann"


def test_simulate_validates_arguments_and_ingests_with_ground_truth(db, tmp_path, capsys):
    assert main(["simulate", "--contacts", "0"]) == 2
    assert "error: --contacts: must be at least 1" in capsys.readouterr().err
    truth = tmp_path / "truth.json"
    code = main(["simulate", "--contacts", "200", "--months", "2", "--truth", str(truth)])
    assert code == 0
    realised = json.loads(truth.read_text())["realised"]
    # the business's events, each sign-up's consent, and each lead's capture (an identify
    # and a "Lead Created")
    assert Event.objects.count() == realised["events"] + 3 * realised["leads"]
    assert Consent.objects.filter(granted=True).count() == realised["leads"]
    assert Contact.objects.filter(merged_into__isnull=True).count() == realised["contacts"]
    # after the sync the demo fits CLV; 200 contacts over 2 months are too few to fit,
    # which it says, writing no prediction
    out = capsys.readouterr().out
    assert "CLV not predicted: fit: the data cannot identify" in out
    assert not Contact.objects.filter(predicted_clv__isnull=False).exists()
    # the worker starts with no backlog on the change feed: every subscriber has every batch
    from pacer.core.feed import subscribers
    from pacer.core.models import ChangeBatch, FeedCursor

    last = ChangeBatch.objects.order_by("-id").values_list("id", flat=True).first()
    assert last is not None and "change feed: " in out
    positions = dict(FeedCursor.objects.values_list("subscriber", "position"))
    assert {s.name: positions.get(s.name) for s in subscribers()} == {
        s.name: last for s in subscribers()
    }


def test_serve_and_demo_refuse_a_busy_port_before_starting(db, capsys):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for command in (["serve"], ["demo"]):
            assert main([*command, "--port", str(port)]) == 2
            err = capsys.readouterr()
            assert f"error: --port: {port} is already in use on 127.0.0.1" in err.err
            assert "running at" not in err.out  # no URL printed for a server that never ran
    assert not Event.objects.exists()  # the demo did not simulate anything either
    assert main(["serve", "--port", "70000"]) == 2
    assert "--port: 70000 is not a port number" in capsys.readouterr().err


def test_setup_creates_the_first_workspace_and_admin(db, capsys, monkeypatch):
    from django.contrib.auth.models import User

    from pacer.core.models import Workspace
    from pacer.core.selectors import role_of

    monkeypatch.setenv("PACER_ADMIN_PASSWORD", "123")
    args = ["setup", "--workspace-name", "Acme Dental", "--username", "owner", "--currency", "eur"]
    assert main(args) == 2
    assert "error: password: This password is too short" in capsys.readouterr().err
    assert not Workspace.objects.exists() and not User.objects.exists()  # all or nothing
    monkeypatch.setenv("PACER_ADMIN_PASSWORD", "a-long-enough-secret")
    assert main(args) == 0
    workspace = Workspace.objects.get()
    assert (workspace.slug, workspace.currency) == ("acme-dental", "EUR")
    assert role_of(User.objects.get(username="owner"), workspace) == "admin"


def test_reports_print_every_row_as_table_csv_or_json(db, capsys):
    import csv
    import io

    arms = ["--arm", "control,1000,100", "--arm", "b,1000,130", "--arm", "c,1000,90"]
    assert main(["analyze", "experiment", *arms, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == ["b", "c"] and rows[0]["control"] == "control"
    assert rows[0]["relative"] == pytest.approx(0.3)
    assert main(["analyze", "experiment", *arms, "--format", "csv"]) == 0
    parsed = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["name"] for r in parsed] == ["b", "c"]
    assert float(parsed[1]["relative"]) == pytest.approx(-0.1)
    assert main(["analyze", "experiment", *arms]) == 0
    table = capsys.readouterr().out
    assert "SRM p-value" in table and "0.3000" in table and "…" not in table
    with pytest.raises(SystemExit) as refused:
        main(["analyze", "experiment", *arms, "--format", "xml"])
    assert refused.value.code == 2
    assert "argument --format: invalid choice: 'xml'" in capsys.readouterr().err


def test_a_command_run_as_a_member_needs_their_role_to_allow_it(workspace, admin, tmp_path, capsys):
    from pacer.core import actions

    actions.create_user(workspace, "sam", "long-password", "staff")
    path = tmp_path / "people.csv"
    path.write_text("email\nann@x.com\n")
    args = ["import", "contacts", str(path), "--workspace", "acme"]
    assert main([*args, "--as", "sam"]) == 2
    assert "error: --as: 'sam' is not a member of 'acme' whose role allows contacts.import" in (
        capsys.readouterr().err
    )
    assert Contact.objects.count() == 0
    assert main([*args, "--as", "ada"]) == 0
    from pacer.core.models import AuditEntry

    assert AuditEntry.objects.get(action="contacts.import").actor == admin


def test_the_simulated_business_ends_today_unless_given_a_start(db, capsys):
    from datetime import date, timedelta

    from pacer.demo.cli import start_ending_today

    assert start_ending_today(52, today=date(2026, 12, 1)) == "2025-12-01"
    # whole weeks, none in the future: the last one ends within the week before today
    start = date.fromisoformat(start_ending_today(52))
    end = start + timedelta(weeks=52)  # exclusive
    assert start.weekday() == 0 and date.today() - timedelta(
        days=7
    ) < end <= date.today() + timedelta(days=1)
    with pytest.raises(SystemExit):
        main(["simulate", "--start", "2025-01-07"])
    assert "2025-01-07 is a Tuesday" in capsys.readouterr().err


def test_the_lead_model_report_prints_its_lift_as_table_csv_or_json(workspace, capsys):
    import csv
    import io
    from datetime import UTC, datetime

    from pacer.leads.models import LeadModelRun

    assert main(["lead-model", "--workspace", "acme", "--format", "json"]) == 2
    assert capsys.readouterr().err == (
        "error: workspace: no predictive fit yet (the worker fits it daily)\n"
    )
    lift = {"predictive": [2.5, 1.75, 0.5], "rule": [1.5, 1.0, 0.25]}
    LeadModelRun.objects.create(
        workspace=workspace,
        version="v1",
        fitted_at=datetime(2026, 3, 1, 6, 0, tzinfo=UTC),
        conversion_days=30,
        trained_on=800,
        holdout=200,
        auc=0.81,
        brier=0.1234,
        base_rate=0.2,
        rule_auc=0.66,
        lift=lift,
    )
    assert main(["lead-model", "--workspace", "acme", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"tenth": 1, "lift_predictive": 2.5, "lift_rule": 1.5},
        {"tenth": 2, "lift_predictive": 1.75, "lift_rule": 1.0},
        {"tenth": 3, "lift_predictive": 0.5, "lift_rule": 0.25},
    ]
    assert main(["lead-model", "--workspace", "acme", "--format", "csv"]) == 0
    assert list(csv.reader(io.StringIO(capsys.readouterr().out))) == [
        ["tenth", "lift_predictive", "lift_rule"],
        ["1", "2.5", "1.5"],
        ["2", "1.75", "1.0"],
        ["3", "0.5", "0.25"],
    ]
    assert main(["lead-model", "--workspace", "acme"]) == 0
    table = capsys.readouterr().out
    assert table.startswith(
        "fitted 2026-03-01 06:00 on 800 leads, judged on 200 held out (conversion 0.200)\n"
        "AUC: predictive 0.810, rule score 0.660; predictive Brier 0.1234\n"
    )
    assert "1.7500" in table and "0.2500" in table and "…" not in table


def test_the_attribution_report_names_each_bad_option_and_keeps_untrackable_spend(
    workspace, small_business, capsys
):
    """Every channel with spend is a row, TV too: its spend, ``trackable`` false and no
    model's credit (as the page's "n/a"); a bad date names its own option."""
    import csv
    import io
    from datetime import date

    from pacer.metrics.analysis import attribution_report
    from pacer.planning.actions import record_spend
    from pacer.warehouse.sync import default_store, sync

    record_spend(workspace, [{"day": date(2026, 1, 20), "channel": "tv", "amount": 250}])
    sync()  # the report reads the warehouse, not the KPI cube
    period = ["--workspace", "acme", "--start", "2026-01-01", "--end", "2026-02-28"]
    assert main(["analyze", "attribution", *period, "--format", "json"]) == 0
    rows = {row["channel"]: row for row in json.loads(capsys.readouterr().out)}
    credits = attribution_report(default_store(), workspace.pk, date(2026, 1, 1), date(2026, 2, 28))
    first_touch = credits.filter(channel="paid_search", model="first_touch")["revenue"].item()
    assert rows["paid_search"]["spend"] == 400.0 and rows["paid_search"]["trackable"] is True
    assert rows["paid_search"]["first_touch"] == first_touch > 0
    tv = rows["tv"]
    assert (tv["spend"], tv["trackable"]) == (250.0, False)
    assert {value for key, value in tv.items() if key not in ("channel", "spend", "trackable")} == {
        None
    }
    assert main(["analyze", "attribution", *period, "--format", "csv"]) == 0
    lines = {r["channel"]: r for r in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    assert (lines["tv"]["spend"], lines["tv"]["trackable"], lines["tv"]["first_touch"]) == (
        "250.0",
        "False",
        "",
    )
    for option, value in (("--start", "2026-13-01"), ("--end", "2026-02-30")):
        bad = [*period[:2], "--start", "2026-01-01", option, value]
        assert main(["analyze", "attribution", *bad]) == 2
        assert capsys.readouterr().err == f"error: {option}: '{value}' is not a date (YYYY-MM-DD)\n"
