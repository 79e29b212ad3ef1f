"""One money format on planning and teams pages (``pacer.planning.money``): always to the
cent in the workspace currency (whole units without minor units), so a column of small
and large amounts reads alike; every planning and teams page uses it."""

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client

from pacer.planning.actions import create_campaign, enter_spend
from pacer.planning.budget_actions import plan_lines
from pacer.planning.money import money
from pacer.planning.plan_actions import create_node

ROOT = Path(__file__).resolve().parents[2] / "pacer"


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        (Decimal("1234.5"), "USD", "$1,234.50"),
        (Decimal("45.5"), "USD", "$45.50"),
        (Decimal("-954.5"), "USD", "-$954.50"),
        (-12, "USD", "-$12.00"),
        (Decimal("0"), "USD", "$0.00"),
        (Decimal("-0.004"), "USD", "$0.00"),  # no minus before a zero
        (Decimal("0.005"), "EUR", "€0.01"),  # halves away from zero, exactly
        (Decimal("123456789012.345"), "EUR", "€123,456,789,012.35"),  # no float rounding
        (1234.5, "JPY", "¥1,235"),  # no minor units
        (Decimal("1250"), "sek", "SEK\u00a01,250.00"),
        (None, "USD", "—"),
        ("not a number", "USD", "—"),
        (float("nan"), "USD", "—"),
    ],
)
def test_amounts_are_shown_to_the_cent_in_their_currency(value, currency, shown):
    assert money(value, currency) == shown


def test_no_planning_or_teams_page_formats_money_another_way():
    """Templates use ``{% money %}`` / ``{% money_card %}``, tables ``money_column``: the
    shared ``money`` kind (whole units from 100 up) and raw amounts are not used."""
    found = []
    for folder in ("planning", "teams"):
        for path in (ROOT / folder / "templates").rglob("*.html"):
            text = path.read_text()
            found += [f"{path.name}: {m}" for m in re.findall(r"\{%[^%]*\"money\"[^%]*%\}", text)]
            found += [f"{path.name}: {m}" for m in re.findall(r"\{\{ [\w.]*amount \}\}", text)]
        for path in (ROOT / folder).glob("*.py"):
            if path.name == "money.py":  # where the money column is made
                continue
            found += [
                f"{path.name}: {m}" for m in re.findall(r"Column\([^)]*\"money\"", path.read_text())
            ]
    assert found == []


@pytest.fixture
def client(admin):
    client = Client()
    client.login(username="ada", password="correct-horse-1")
    return client


@pytest.mark.django_db
def test_the_report_shows_small_and_large_variances_alike_in_the_workspace_currency(
    workspace, client
):
    workspace.currency = "EUR"
    workspace.save()
    create_campaign(workspace, "big", "email")
    root = create_node(workspace, {"kind": "plan", "name": "FY", "fiscal_year": 2026})
    big = create_node(
        workspace,
        {"kind": "campaign", "name": "Big", "fiscal_year": 2026, "campaign": "big"},
        parent_id=root.pk,
    )
    small = create_node(
        workspace, {"kind": "campaign", "name": "Small", "fiscal_year": 2026}, parent_id=root.pk
    )
    plan_lines(
        workspace,
        [
            {"node": big.pk, "month": "2026-01", "channel": "email", "amount": "1000"},
            {"node": small.pk, "month": "2026-01", "channel": "email", "amount": "50"},
        ],
    )
    enter_spend(
        workspace,
        {"day": date(2026, 1, 5), "channel": "email", "campaign": "big", "amount": "45.50"},
    )
    page = client.get("/plans/report/?rows=node&depth=1").content.decode()
    cells = re.findall(r'<td class="num">([^<]*)</td>', page)
    # Big: planned, committed, invoiced, actual, variance; Small: the same; then the total
    assert "€1,000.00" in cells and "€45.50" in cells and "-€954.50" in cells
    assert "€50.00" in cells and "-€50.00" in cells and "-€1,004.50" in cells
    assert not [c for c in cells if c.startswith(("€", "-€")) and not re.search(r"\.\d\d$", c)]
    assert 'id="kpi-variance"' in page and ">-€1,004.50</b>" in page


@pytest.mark.django_db
def test_the_report_charts_planned_and_actual_of_its_rows(workspace, client):
    import json

    create_campaign(workspace, "big", "email")
    root = create_node(workspace, {"kind": "plan", "name": "FY", "fiscal_year": 2026})
    plan_lines(
        workspace,
        [
            {"node": root.pk, "month": "2026-01", "channel": "email", "amount": "1000"},
            {"node": root.pk, "month": "2026-01", "channel": "display", "amount": "50.25"},
        ],
    )
    page = client.get("/plans/report/?rows=channel").content.decode()
    assert "Planned and actual by channel" in page
    config = json.loads(re.search(r'id="report-chart-config"[^>]*>(.*?)</script>', page, re.S)[1])
    assert config["data"]["labels"] == ["Display", "Email"]
    assert [s["label"] for s in config["data"]["datasets"]] == ["Planned", "Actual"]
    assert [s["data"] for s in config["data"]["datasets"]] == [[50.25, 1000.0], [0.0, 0.0]]
    assert config["pacer"]["currency"]["code"] == "USD"


@pytest.mark.django_db
def test_the_reports_chart_cuts_a_long_label_and_the_table_keeps_it_whole(workspace, client):
    import json

    long = "Hyperlocal franchise acquisition programme for the Northwest"
    root = create_node(workspace, {"kind": "plan", "name": long, "fiscal_year": 2026})
    short = create_node(workspace, {"kind": "plan", "name": "Search", "fiscal_year": 2026})
    plan_lines(
        workspace,
        [
            {"node": node.pk, "month": "2026-01", "channel": "email", "amount": "10"}
            for node in (root, short)
        ],
    )
    page = client.get("/plans/report/?rows=node&depth=0").content.decode()
    config = json.loads(re.search(r'id="report-chart-config"[^>]*>(.*?)</script>', page, re.S)[1])
    assert config["data"]["labels"] == ["Hyperlocal franchise…", "Search"]
    assert f">{long}</a>" in page
