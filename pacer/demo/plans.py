"""The demo business's plan: a plan per year of its simulated spend, a program per
channel, a campaign node per simulated campaign (linked, so its spend is the node's
actual), monthly budget lines 10% above what was spent, an agency per channel with a
purchase order per campaign and month and an invoice for what was spent in it."""

from decimal import ROUND_UP, Decimal

from pacer.core.channels import CHANNELS
from pacer.core.models import Workspace
from pacer.planning import plan_selectors
from pacer.planning.budget_actions import plan_lines
from pacer.planning.plan_actions import create_node
from pacer.planning.purchase_actions import issue_order, record_invoice, save_vendor

HEADROOM = Decimal("1.10")


def load_plan(workspace: Workspace) -> dict[str, int]:
    """Build the plan once (a workspace with plan nodes keeps them)."""
    if plan_selectors.node_choices(workspace):
        return {"nodes": 0, "lines": 0, "orders": 0}
    spend = plan_selectors.monthly_campaign_spend(workspace)
    nodes: dict[tuple, int] = {}
    rows, linked = [], set()
    for row in spend:
        year, channel, key = row["month"].year, row["channel"], row["campaign"]
        if (year,) not in nodes:
            nodes[(year,)] = create_node(
                workspace, {"kind": "plan", "name": f"FY{year} plan", "fiscal_year": year}
            ).pk
        if (year, channel) not in nodes:
            nodes[(year, channel)] = create_node(
                workspace,
                {
                    "kind": "program",
                    "name": CHANNELS[channel],
                    "fiscal_year": year,
                    "channels": [channel],
                },
                parent_id=nodes[(year,)],
            ).pk
        if (year, channel, key) not in nodes:
            nodes[(year, channel, key)] = create_node(
                workspace,
                {
                    "kind": "campaign",
                    "name": key,
                    "fiscal_year": year,
                    "channels": [channel],
                    "campaign": "" if key in linked else key,  # one node per campaign
                },
                parent_id=nodes[(year, channel)],
            ).pk
            linked.add(key)
        planned = (row["total"] * HEADROOM).quantize(Decimal(1), rounding=ROUND_UP)
        rows.append(
            {
                "node": nodes[(year, channel, key)],
                "month": row["month"],
                "channel": channel,
                "amount": planned,
            }
        )
    plan_lines(workspace, rows)
    return {"nodes": len(nodes), "lines": len(rows), "orders": _orders(workspace, spend)}


def _orders(workspace: Workspace, spend: list[dict]) -> int:
    """An agency per channel; per campaign and month an order for the line's amount and
    an invoice for what was spent."""
    lines = {
        (line.node.name, line.month, line.channel): line for line in plan_selectors.lines(workspace)
    }
    vendors: dict[str, int] = {}
    count = 0
    for row in spend:
        line = lines.get((row["campaign"], row["month"], row["channel"]))
        if line is None or not row["total"]:
            continue
        channel = row["channel"]
        if channel not in vendors:
            vendors[channel] = save_vendor(
                workspace,
                {"name": f"{CHANNELS[channel]} partners", "kind": "agency", "scope": channel},
            ).pk
        count += 1
        order = issue_order(
            workspace,
            {
                "number": f"PO-{count:05d}",
                "vendor": vendors[channel],
                "line": line.pk,
                "issued_on": row["month"],
                "amount": line.amount,
            },
        )
        record_invoice(
            workspace,
            {
                "order": order.pk,
                "number": f"INV-{count:05d}",
                "invoiced_on": row["month"],
                "amount": row["total"],
            },
        )
    return count
