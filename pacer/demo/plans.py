"""The demo business's plan, as a marketing team would have set it up: a plan per year of
its simulated spend, a program per channel, a campaign node per simulated campaign
(linked, so its spend is the node's actual), each dated by its flight (from the first
month it spent in to the end of the last; a program and a plan span theirs), owned by
the workspace's first admin and (programs and campaigns) run by the channel's team
(``TEAM``), and a flat monthly budget per campaign, from
the month it first spent in the year to the month it last did: the campaign's spend in
the year, times its channel's ``PLAN_RATIO`` (how the team's plan for the channel compared
with what it came to spend: search and affiliates outran their plans, TV and social came
in under), divided evenly over those months (``monthly_budget``). The simulator's spend
moves with the season, weekly noise and (offline channels) flights on and off, so some
months spend over their line and some under, and a month without spend has a line
spent 0.

An agency per channel; per campaign and month with spend, a purchase order issued on the
first of the month for what was booked (the spend, at most the line's amount: an order
may not commit more than its line has free), and the agency's invoice for what was
spent, dated the 5th of the next month (flagged, with a reason, when over the order).
So at the end of each month its orders are committed and not yet invoiced: the month
accrues them. Every month whose invoices are all in by ``today`` is then closed with its
figures from the close report."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from pacer.core import selectors as core
from pacer.core.channels import CHANNELS
from pacer.core.models import Workspace
from pacer.demo.campaigns import KEY, campaign_name
from pacer.people import selectors as people
from pacer.planning import plan_selectors
from pacer.planning.alerts import check_workspace
from pacer.planning.budget_actions import (
    committed_base,
    decide_transfer,
    plan_lines,
    request_transfer,
    set_threshold,
)
from pacer.planning.close_actions import close_month, closed_months
from pacer.planning.close_selectors import close_report
from pacer.planning.plan_actions import create_node
from pacer.planning.purchase_actions import (
    issue_order,
    record_invoice,
    save_vendor,
)
from pacer.teams.actions import create_default_teams

APPROVAL_THRESHOLD = Decimal(100)  # a transfer above it waits for an approver
TRANSFER_REASON = "search leads outrun the plan: moving what this line has left over"
INVOICE_DAY = 5  # of the month after the spend
# the year's plan of a channel as a share of what it came to spend (1: as planned)
PLAN_RATIO = {
    "paid_search": Decimal("0.8"),
    "affiliate": Decimal("0.9"),
    "display": Decimal("1.05"),
    "paid_social": Decimal("1.12"),
    "video": Decimal("0.97"),
    "tv": Decimal("1.2"),
    "radio": Decimal("1.1"),
    "direct_mail": Decimal("0.93"),
    "email": Decimal("1.25"),
    "local_partner": Decimal("1.0"),
}
OVER_REASON = "billed as delivered: spent over the order"
# the default team (``pacer.teams``) that runs each channel's program and its campaigns
TEAM = {
    "paid_search": "performance",
    "affiliate": "performance",
    "display": "performance",
    "paid_social": "performance",
    "video": "brand",
    "tv": "brand",
    "radio": "brand",
    "direct_mail": "brand",
    "email": "content",
    "local_partner": "cx",
}


# what each channel's program is for, and the KPI targets its program and campaigns carry
# (metric keys of ``pacer.teams.registry``; a campaign carries its program's)
OBJECTIVE = {
    "paid_search": (
        "Capture demand: leads from people searching for us",
        {"leads": 150, "cac": 110},
    ),
    "affiliate": ("Leads from partner sites at a fixed cost per lead", {"leads": 60, "cac": 90}),
    "display": ("Bring back visitors who left without a quote", {"leads": 40, "cac": 140}),
    "paid_social": ("New customers in each location's catchment", {"leads": 80, "cac": 130}),
    "video": ("Awareness before the peak season", {"romi": 0.3}),
    "tv": ("Awareness in the metro areas around our locations", {"romi": 0.2}),
    "radio": ("Awareness at drive time in each location's city", {"romi": 0.2}),
    "direct_mail": ("Bring lapsed customers back", {"repeat_rate": 0.3, "romi": 0.5}),
    "email": ("Second orders from first-time customers", {"repeat_rate": 0.35}),
    "local_partner": ("Footfall through local partners at every location", {"leads": 30}),
}


def months_between(first: date, last: date) -> list[date]:
    """The firsts of the months from ``first`` to ``last`` (both firsts of months)."""
    found, month = [], first
    while month <= last:
        found.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return found


def monthly_budget(spent: Decimal, months: int) -> Decimal:
    """A campaign's flat monthly line: its year's spend over its months, in whole units
    (at least 1, so each month with spend can take an order)."""
    return max((spent / months).quantize(Decimal(1), rounding=ROUND_HALF_UP), Decimal(1))


def quarter(key: str) -> str:
    """A simulated campaign's quarter ("Q3" of ``paid_search-2026-q3``; "" for another)."""
    match = KEY.fullmatch(key)
    return f"Q{match['quarter']}" if match else ""


def month_end(month: date) -> date:
    """The last day of ``month``'s month."""
    return (month.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def invoice_day(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=INVOICE_DAY)


def load_plan(
    workspace: Workspace, today: date | None = None, data_end: date | None = None
) -> dict[str, int]:
    """Build the plan once (a workspace with plan nodes keeps them); ``today`` (default:
    the real one) decides which invoices are in and which months are closed. The
    variance alerts are raised as the daily check would have: on ``data_end`` (the
    simulation's last day: its month's pacing) and on ``today``."""
    if plan_selectors.node_choices(workspace):
        return {"nodes": 0, "lines": 0, "orders": 0, "closed": 0, "transfers": 0, "alerts": 0}
    today = today or date.today()
    spend = plan_selectors.monthly_campaign_spend(workspace)
    spent: dict[tuple, dict[date, Decimal]] = {}
    for row in spend:
        if not row["total"]:
            continue  # an offline flight's month off air: not a month the campaign ran
        key = (row["month"].year, row["channel"], row["campaign"])
        spent.setdefault(key, {})[row["month"]] = row["total"]
    create_default_teams(workspace)  # the channels' teams (loading the teams adds none)
    admins = [m.user_id for m in core.members(workspace) if m.role == "admin"]
    owner = admins[0] if admins else None
    codes = [location.code for location in people.locations(workspace)]
    spans: dict[tuple, tuple[date, date]] = {}  # plan, program and campaign flights
    for (year, channel, key), by_month in spent.items():
        flight = (min(by_month), month_end(max(by_month)))
        for node in ((year,), (year, channel), (year, channel, key)):
            first, last = spans.get(node, flight)
            spans[node] = (min(first, flight[0]), max(last, flight[1]))

    def node(path: tuple, values: dict, parent: tuple | None = None) -> int:
        starts_on, ends_on = spans[path]
        values |= {"fiscal_year": path[0], "starts_on": starts_on, "ends_on": ends_on}
        values |= {"owner": owner, "team": TEAM.get(path[1], "") if len(path) > 1 else ""}
        if len(path) > 1 and path[1] in OBJECTIVE:
            objective, kpis = OBJECTIVE[path[1]]
            values |= {"objective": objective, "target_kpis": kpis}
        if len(path) > 1 and path[1] == "local_partner":  # run at every location
            values |= {"locations": codes}
        return create_node(workspace, values, parent_id=nodes[parent] if parent else None).pk

    nodes: dict[tuple, int] = {}
    rows, linked = [], set()
    for (year, channel, key), by_month in spent.items():
        if (year,) not in nodes:
            nodes[(year,)] = node(
                (year,), {"kind": "plan", "name": f"FY{year} plan", "period": "FY"}
            )
        if (year, channel) not in nodes:
            nodes[(year, channel)] = node(
                (year, channel),
                {"kind": "program", "name": f"{CHANNELS[channel]} FY{year}",
                 "channels": [channel], "period": "FY"},
                (year,),
            )  # fmt: skip
        nodes[(year, channel, key)] = node(
            (year, channel, key),
            {"kind": "campaign", "name": campaign_name(key), "channels": [channel],
             "campaign": "" if key in linked else key, "period": quarter(key)},
            (year, channel),
        )  # fmt: skip
        linked.add(key)
        months = months_between(min(by_month), max(by_month))
        planned = sum(by_month.values(), Decimal(0)) * PLAN_RATIO.get(channel, Decimal(1))
        budget = monthly_budget(planned, len(months))
        rows += [
            {"node": nodes[(year, channel, key)], "month": m, "channel": channel,
             "amount": budget}
            for m in months
        ]  # fmt: skip
    plan_lines(workspace, rows)
    orders = _orders(workspace, spend, nodes, today)
    closed = _close(workspace, spend, today)
    transfers = _transfer(workspace, today)
    return {"nodes": len(nodes), "lines": len(rows), "orders": orders, "closed": closed,
            "transfers": transfers, "alerts": _alerts(workspace, today, data_end)}  # fmt: skip


# the agency the demo buys each channel from (a name a franchise's ledger would show)
VENDORS = {
    "paid_search": "Keyline Search Agency",
    "paid_social": "Brightfeed Social",
    "display": "Banner & Co.",
    "video": "Reel Motion Media",
    "affiliate": "Partnerly Network",
    "email": "Inbox Works",
    "tv": "Metro TV Sales",
    "radio": "City Radio Group",
    "direct_mail": "Postmark Direct",
    "local_partner": "Franchise Co-op Marketing Fund",
}


def _vendor(channel: str, number: int, year: int) -> dict:
    """The agency of ``channel``, on a master services agreement for the year, with a
    rate card and an account manager to call."""
    name = VENDORS.get(channel, f"{CHANNELS[channel]} agency")
    domain = "".join(c for c in name.lower() if c.isalnum())[:24] + ".example"
    return {
        "name": name,
        "kind": "agency",
        "contract": f"MSA-{year}-{number:02d}",
        "contract_starts": date(year, 1, 1),
        "contract_ends": date(year, 12, 31),
        "rates": "12% of media spent, billed monthly as delivered",
        "scope": f"{CHANNELS[channel]}: buying, creative and a monthly report",
        "contact_name": "Account manager",
        "contact_email": f"accounts@{domain}",
    }


def _orders(workspace: Workspace, spend: list[dict], nodes: dict[tuple, int], today: date) -> int:
    """An order per campaign node's month with spend, found by the node made for the
    campaign (``nodes``: its name is the campaign's, not the spend's key)."""
    lines = {
        (line.node_id, line.month, line.channel): line for line in plan_selectors.lines(workspace)
    }
    vendors: dict[str, int] = {}
    count = 0
    for row in spend:
        node = nodes.get((row["month"].year, row["channel"], row["campaign"]))
        line = lines.get((node, row["month"], row["channel"]))
        if line is None or not row["total"]:
            continue
        channel = row["channel"]
        if channel not in vendors:
            vendors[channel] = save_vendor(
                workspace, _vendor(channel, len(vendors) + 1, row["month"].year)
            ).pk
        count += 1
        order = issue_order(
            workspace,
            {"number": f"PO-{count:05d}", "vendor": vendors[channel], "line": line.pk,
             "issued_on": row["month"], "amount": min(row["total"], line.amount)},
        )  # fmt: skip
        if invoice_day(row["month"]) > today:
            continue  # not billed yet: committed, accrued at the month's end
        over = row["total"] > order.amount
        record_invoice(
            workspace,
            {"order": order.pk, "number": f"INV-{count:05d}",
             "invoiced_on": invoice_day(row["month"]), "amount": row["total"],
             "over_reason": OVER_REASON if over else ""},
        )  # fmt: skip
    return count


def _close(workspace: Workspace, spend: list[dict], today: date) -> int:
    """Close every month of the plan whose invoices are all in by ``today``, oldest
    first, with its figures from the close report; last month stays open (closing it is
    the team's job this month, and its under-spend alerts are still live)."""
    if not spend:
        return 0
    months = months_between(spend[0]["month"], max(row["month"] for row in spend))
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    done = [m for m in months if invoice_day(m) <= today and m < last_month]
    reports: dict[int, dict] = {}
    for month in done:
        if month.year not in reports:
            reports[month.year] = {r.month: r for r in close_report(workspace, month.year)}
        close_month(workspace, month, figures=reports[month.year][month].figures())
    return len(done)


def _alerts(workspace: Workspace, today: date, data_end: date | None) -> int:
    """The alerts raised on ``data_end`` (when before ``today``) and on ``today``."""
    days = [data_end] if data_end is not None and data_end < today else []
    return sum(len(check_workspace(workspace, day)) for day in [*days, today])


def _transfer(workspace: Workspace, today: date) -> int:
    """The threshold above which a transfer waits for approval (``APPROVAL_THRESHOLD``),
    and one such transfer in the plan's last open month: what the line with the most free
    has left over (in tens) moved to paid search (it outruns its plan), asked for by a
    marketer (else a staff member) and approved by the first admin. None when no line
    has more than the threshold free."""
    set_threshold(workspace, APPROVAL_THRESHOLD)
    members = core.members(workspace)
    admin = next((m.user for m in members if m.role == "admin"), None)
    staff = next((m.user for m in members if m.role == "marketer"), None) or next(
        (m.user for m in members if m.role == "staff"), None
    )
    closed = set(closed_months(workspace))
    open_lines = [line for line in plan_selectors.lines(workspace) if line.month not in closed]
    if admin is None or staff is None or not open_lines:
        return 0
    month = max(line.month for line in open_lines)
    open_lines = [line for line in open_lines if line.month == month]
    committed = committed_base([line.pk for line in open_lines])
    free = {line.pk: line.amount_base - committed.get(line.pk, 0) for line in open_lines}
    source = max(open_lines, key=lambda line: (free[line.pk], -line.pk))
    target = next(
        (line for line in open_lines if line.channel == "paid_search" and line != source), None
    )
    amount = (free[source.pk] // 10) * 10
    if target is None or amount <= APPROVAL_THRESHOLD:
        return 0
    transfer = request_transfer(
        workspace, source.pk, target.pk, amount, TRANSFER_REASON, actor=staff
    )
    decide_transfer(transfer, True, actor=admin)
    return 1
