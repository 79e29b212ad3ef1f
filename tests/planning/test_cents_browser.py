"""Planning pages with money in the millions and cents, and vendors with long names, in
headless Chromium at 390 and 1440 px: no page scrolls sideways; at 1440 no table scrolls
in its box either; at 390 a wide table scrolls in its box, the plan tree and results
keep each node's name in view beside whichever money column is scrolled to, and a
vendor's name wraps in a few lines with the next column in view."""

from datetime import date

import pytest

from pacer.people.actions import upsert_locations
from pacer.planning.actions import record_spend
from pacer.planning.budget_actions import plan_lines
from pacer.planning.models import BudgetLine
from pacer.planning.plan_actions import create_node
from pacer.planning.purchase_actions import issue_order, record_invoice, save_vendor
from tests.planning.results_fixture import build_results_plan
from tests.web.test_layout import SHOTS, WIDTHS, _check, _context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_NAMES = (
    "Northwind Performance Marketing & Brand Communications International",
    "Hyperlocalfranchisemarketingsolutionsincorporated",  # one word, no place to break
)


def _money_with_cents(workspace, made: dict) -> list:
    """Lines, orders, invoices and spend in the millions with cents on the results plan,
    ordered from vendors with long names."""
    months = [f"2026-{month:02}" for month in range(1, 13)]
    plan_lines(
        workspace,
        [
            {"node": node.pk, "month": month, "channel": "paid_search", "amount": "1234567.89"}
            for node in (made["leaf"], made["search"])
            for month in months
        ],
    )
    vendors = [save_vendor(workspace, {"name": name, "kind": "agency"}) for name in LONG_NAMES]
    lines = BudgetLine.objects.filter(node=made["leaf"]).order_by("month")
    for number, (vendor, line) in enumerate(zip(vendors, lines, strict=False), 1):
        order = issue_order(
            workspace,
            {"number": f"PO-{number}", "vendor": vendor.pk, "line": line.pk,
             "issued_on": date(2026, 1, 2), "amount": "987654.32"},
        )  # fmt: skip
        record_invoice(
            workspace,
            {"order": order.pk, "number": f"I-{number}", "invoiced_on": date(2026, 2, 3),
             "amount": "876543.21"},
        )  # fmt: skip
    record_spend(
        workspace,
        [
            {"day": date(2026, 1, 20), "channel": "paid_search", "campaign": made[key],
             "amount": "7654321.98"}
            for key in ("spring", "summer")
        ],
    )  # fmt: skip
    _long_named_node(workspace, made["root"], vendors[1])
    return vendors


LONG_NODE = "Hyperlocal franchise acquisition programme for the Greater Northwestern Region"
LONG_LOCATION = "Northwestern Metropolitan Flagship Store and Franchise Training Centre"


def _long_named_node(workspace, root, vendor) -> None:
    """A program with a long name on the performance team, planned in the millions with
    cents at a location with a long name, with an order from a long-named vendor (so
    every grouping of the planned-vs-actual report has a long label and wide money)."""
    place = upsert_locations(workspace, [{"code": "NWM", "name": LONG_LOCATION}])[0]
    node = create_node(
        workspace,
        {"kind": "program", "name": LONG_NODE, "fiscal_year": 2026, "team": "performance"},
        parent_id=root.pk,
    )
    plan_lines(
        workspace,
        [
            {"node": node.pk, "month": f"2026-{month:02}", "channel": "paid_social",
             "location": place.code, "amount": "9876543.21"}
            for month in range(1, 13)
        ],
    )  # fmt: skip
    line = BudgetLine.objects.filter(node=node).order_by("month").first()
    issue_order(
        workspace,
        {"number": "PO-LONG", "vendor": vendor.pk, "line": line.pk,
         "issued_on": date(2026, 1, 5), "amount": "8765432.10"},
    )  # fmt: skip


def test_planning_pages_with_cents_and_long_vendor_names_fit_every_width(
    live_server, browser, admin, workspace, tracker
):
    made = build_results_plan(workspace, tracker)
    vendors = _money_with_cents(workspace, made)
    pages = [
        ("cents-plans", "/plans/"),
        ("cents-results", "/plans/results/?start=2026-01-01&end=2026-12-31&range="),
        ("cents-node", f"/plans/{made['search'].pk}/"),
        ("cents-close", "/budgets/close/?year=2026"),
        ("cents-vendors", "/vendors/"),
        ("cents-vendor", f"/vendors/{vendors[0].pk}/"),
        ("cents-scorecards", "/vendors/scorecards/"),
        *((f"cents-report-{name}", REPORT + query) for name, query in REPORTS.items()),
    ]
    found = []
    for width in WIDTHS:
        context, page, problems = _context(browser, width, "ada", live_server.url)
        for name, path in pages:
            page.goto(live_server.url + path)
            found += _check(page, name, width, problems)
            if width == 1440 and name not in WIDE_AT_1440:
                found += [f"{name}@1440: {box}" for box in page.evaluate(SCROLLED_BOXES)]
            if width == 390 and name in NAMED_MONEY:
                table, columns = NAMED_MONEY[name]
                for column in columns:
                    shown = page.evaluate(BESIDE, [table, column])
                    if not shown["readable"]:
                        found.append(f"{name}@390: the node's name beside {column}: {shown}")
                if SHOTS:  # scrolled to the last column named
                    page.screenshot(path=str(SHOTS / f"{name}-scrolled-390.png"), full_page=True)
            if name.startswith("cents-report") or name in ("cents-node", "cents-close"):
                found += [f"{name}@{width}: {card}" for card in page.evaluate(BROKEN_CARDS)]
                found += [f"{name}@{width}: {head}" for head in page.evaluate(BROKEN_MONTHS)]
            if width == 390 and name in VENDOR_TABLES:
                found += [f"{name}@390: {p}" for p in _vendor_names(page, VENDOR_TABLES[name])]
        context.close()
    assert found == [], "\n".join(found)


# KPI cards whose figure takes more than one line or runs past its card: "id: N lines"
BROKEN_CARDS = """() => [...document.querySelectorAll('.kpi-value')].map(value => {
  const range = document.createRange();
  range.selectNodeContents(value);
  const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
  const card = value.closest('.kpi').getBoundingClientRect();
  const past = range.getBoundingClientRect().right > card.right;
  const where = `${value.closest('.kpi').id}: ${lines} lines`;
  return lines > 1 || past ? where + (past ? ', past its card' : '') : '';
}).filter(Boolean)"""

# A month's header ("2026-12") broken over lines: "2026-12 in N lines"
BROKEN_MONTHS = """() => [...document.querySelectorAll('#plan-report thead th a')]
  .filter(link => /^\\d{4}-\\d{2}$/.test(link.firstChild.textContent.trim()))
  .map(link => {
    const range = document.createRange();
    range.selectNodeContents(link.firstChild);
    const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
    return lines > 1 ? `${link.firstChild.textContent.trim()} in ${lines} lines` : '';
  }).filter(Boolean)"""

# Tables whose box scrolls sideways: "id scrolls N px"
SCROLLED_BOXES = """() => [...document.querySelectorAll('.table-wrap')]
  .filter(box => box.scrollWidth > box.clientWidth)
  .map(box => `${box.querySelector('table').id || box.closest('section').id} scrolls `
              + `${box.scrollWidth - box.clientWidth} px`)"""

# Scroll a table's box to the column headed ``label`` (as far as the name column's width
# short of it, where the name would hide it if it stayed) and say whether the header
# and first row's name and that column's header and cell are all in the box, apart.
BESIDE = """([table, label]) => {
  const found = document.getElementById(table);
  const grid = found.tagName === 'TABLE' ? found : found.querySelector('table.grid');
  const box = grid.closest('.table-wrap');
  const heads = [...grid.tHead.rows[0].cells];
  const column = heads.findIndex(th => th.textContent.trim().startsWith(label));
  const row = grid.tBodies[0].rows[0];
  box.scrollLeft = heads[column].offsetLeft - heads[0].offsetWidth;
  const edge = box.getBoundingClientRect();
  const pairs = [[heads[0], heads[column]], [row.cells[0], row.cells[column]]];
  const seen = pairs.map(([name, money]) => [name.getBoundingClientRect(),
                                             money.getBoundingClientRect()]);
  const readable = seen.every(([name, money]) => name.left >= edge.left - 1
    && name.right <= money.left + 1 && money.right <= edge.right + 1);
  return {readable, scrolled: box.scrollLeft,
          at: seen.map(([n, m]) => [n.left, n.right, m.left, m.right].map(Math.round))};
}"""

REPORT = "/plans/report/?team=all&depth=2&"
# every grouping of the planned-vs-actual report: name -> its filters
REPORTS = {
    "node": "rows=node",
    "channel": "rows=channel",
    "location": "rows=location",
    "team-vendor": "rows=team&columns=vendor",
    "month": "rows=month",
    "node-month": "rows=node&columns=month",
}
# a pivot of 12 months in the millions with cents cannot fit 1440: its box scrolls
WIDE_AT_1440 = {"cents-report-node-month"}
NAMED_MONEY = {
    "cents-plans": ("plan-tree", ["Planned", "Spent"]),
    "cents-results": ("results-tree", ["Spend", "CAC", "CLV ROMI"]),
    **{
        f"cents-report-{name}": ("plan-report", ["Planned", "Actual", "% used"])
        for name in ("node", "channel", "location", "month")
    },
    "cents-report-team-vendor": ("plan-report", ["No vendor", "Total"]),
    "cents-report-node-month": ("plan-report", ["2026-06", "2026-12", "Total"]),
}
VENDOR_TABLES = {"cents-vendors": "vendors", "cents-scorecards": "scorecards"}


def _vendor_names(page, section: str) -> list[str]:
    """At 390: each vendor's name wraps in at most four lines, within its column, and
    the column after it is in view before any scrolling."""
    found = page.evaluate(
        """(section) => {
          const grid = document.querySelector(`#${section} table.grid`);
          const box = grid.closest('.table-wrap').getBoundingClientRect();
          const [name, next] = grid.tHead.rows[0].cells;
          const links = [...grid.tBodies[0].rows].map(r => r.cells[0].querySelector('a'));
          return {next: next.getBoundingClientRect().right <= box.right + 1,
                  column: Math.round(name.getBoundingClientRect().width),
                  lines: links.map(a => [a.textContent, new Set([...a.getClientRects()]
                    .map(r => Math.round(r.top))).size,
                    Math.round(a.getBoundingClientRect().width)])};
        }""",
        section,
    )
    problems = [] if found["next"] else [f"the column after the name is out of view: {found}"]
    for text, lines, wide in found["lines"]:
        if lines > 4 or wide > found["column"]:
            problems.append(f"'{text}' takes {lines} lines, {wide} px in {found['column']} px")
    return problems
