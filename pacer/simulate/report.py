"""The default business's parameters and the figures they produce, as Markdown.

docs/simulator.md carries this report between two markers; ``--update`` rewrites that
part of the file, and tests/simulate/test_report.py fails when the file and the
generator disagree.

Run: python -m pacer.simulate.report [--seed N] [--contacts N] [--months N] [--start DATE]
     python -m pacer.simulate.report --update docs/simulator.md
"""

import argparse
from dataclasses import fields
from pathlib import Path

from pacer.simulate.business import Business, generate
from pacer.simulate.config import SimConfig

BEGIN = "<!-- simulator-report:begin (python -m pacer.simulate.report --update) -->"
END = "<!-- simulator-report:end -->"
NOT_PARAMETERS = {"channels", "products", "extra"}


def _money(value: float) -> str:
    return f"{value:,.0f}"


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:+.1f}%"


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _value(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]


def parameters(config: SimConfig) -> list[str]:
    """The config's scalar parameters, its channels and its products, as tables."""
    scalars = [
        [f"`{f.name}`", _value(getattr(config, f.name))]
        for f in fields(config)
        if f.name not in NOT_PARAMETERS
    ]
    channel_columns = [f.name for f in fields(config.channels[0])]
    product_columns = [f.name for f in fields(config.products[0])]
    return [
        "### Parameters",
        "",
        *_table(["parameter", "value"], scalars),
        "",
        "### Channels (spend in dollars a week at the reference size)",
        "",
        *_table(
            channel_columns,
            [[getattr(c, name) for name in channel_columns] for c in config.channels],
        ),
        "",
        "### Products",
        "",
        *_table(
            product_columns,
            [[getattr(p, name) for name in product_columns] for p in config.products],
        ),
    ]


def figures(business: Business) -> list[str]:
    """What the business's truth says: overall, per channel, per location, by season."""
    e = business.truth["economics"]
    overall = [
        ["revenue", _money(e["revenue"]), "sum of order totals"],
        ["cost of goods", _money(e["cost"]), "sum of order costs (unit cost × quantity)"],
        ["gross margin", _share(e["gross_margin"]), "(revenue − cost) / revenue"],
        ["marketing spend", _money(e["spend"]), "sum of the spend rows"],
        ["spend share of revenue", _share(e["spend_share_of_revenue"]), "spend / revenue"],
        ["ROMI (blended)", _percent(e["romi"]), "(revenue − cost − spend) / spend"],
        [
            "ROMI (incremental)",
            _percent(e["incremental_romi"]),
            "(Σ channels' gross profit from spend − spend) / spend",
        ],
        ["contacts", f"{e['contacts']:,}", "people first seen in the period"],
        ["leads", f"{e['leads']:,}", "contacts who identified themselves"],
        ["customers", f"{e['customers']:,}", "contacts with at least one order"],
        ["orders", f"{e['orders']:,}", "all orders"],
        ["orders per customer", f"{e['orders_per_customer']:.2f}", "orders / customers"],
        ["repeat share", _share(e["repeat_share"]), "customers with 2+ orders / customers"],
        ["average order value", f"{e['average_order_value']:,.2f}", "revenue / orders"],
        ["cost per customer (CAC)", f"{e['cac']:,.2f}", "spend / customers"],
    ]
    channels = [
        [
            key,
            _money(c["spend"]),
            f"{c['contacts']:,}",
            f"{c['customers']:,}",
            f"{c['customers_first_touch']:,}",
            f"{c['customers_from_spend']:,.1f}",
            _money(c["gross_profit_from_spend"]),
            _percent(c["romi"]),
        ]
        for key, c in e["channels"].items()
    ]
    locations = [
        [
            code,
            "weak" if loc["weak"] else "",
            f"{loc['contacts']:,}",
            f"{loc['customers']:,}",
            _share(loc["lead_to_customer"]),
            "n/a"
            if loc["median_response_hours"] is None
            else f"{loc['median_response_hours']:.1f}",
            _money(loc["spend"]),
            _money(loc["revenue"]),
            _percent(loc["romi"]),
        ]
        for code, loc in e["locations"].items()
    ]
    season = e["seasonality"]
    return [
        "### The business overall",
        "",
        *_table(["figure", "value", "from the truth"], overall),
        "",
        "### Channels",
        "",
        *_table(
            [
                "channel",
                "spend",
                "contacts",
                "customers",
                "customers by first touch",
                "customers from spend",
                "gross profit from spend",
                "ROMI",
            ],
            channels,
        ),
        "",
        "### Locations",
        "",
        *_table(
            [
                "location",
                "",
                "contacts",
                "customers",
                "lead → customer",
                "median response (h)",
                "spend",
                "revenue",
                "ROMI",
            ],
            locations,
        ),
        "",
        *leads(business),
        "### Seasonality: new contacts by month and by weekday",
        "",
        *_table(list(season["contacts_by_month"]), [list(season["contacts_by_month"].values())]),
        "",
        *_table(
            list(season["contacts_by_weekday"]), [list(season["contacts_by_weekday"].values())]
        ),
    ]


def leads(business: Business) -> list[str]:
    """The true decay of conversion with the response delay and how the leads went."""
    truth = business.truth["leads"]
    decay, response, realised = truth["decay"], truth["response"], truth["realised"]
    rows = [
        ["p0", f"{decay['p0']:.4f}", "p(t) = p0 · exp(−t / tau) + floor, t in minutes"],
        ["tau", f"{decay['tau_minutes']:.2f} min", "from p(0) and the two ratios below"],
        ["floor", f"{decay['floor']:.5f}", "the chance after a day or never answered"],
        ["first hour / second hour", f"{decay['first_hour_over_second']:.2f}", "HBR 2011: ~7"],
        ["first hour / a day later", f"{decay['first_hour_over_a_day']:.2f}", "HBR 2011: ~60"],
        ["leads", f"{realised['leads']:,}", "lead forms sent"],
        ["converted", f"{realised['qualified']:,}", "drawn against the true probability"],
        ["expected conversions", f"{realised['expected_qualified']:,.1f}", "Σ p over the leads"],
        [
            "median response, most locations",
            f"{response['realised_median_minutes']:.1f} min",
            "wall clock, nights and Sundays included",
        ],
        [
            "median response, weak locations",
            f"{response['realised_weak_median_minutes'] / 60:.1f} h",
            "wall clock",
        ],
        ["never answered", f"{response['realised_never']:,}", "leads"],
    ]
    return ["### Leads and speed to lead", "", *_table(["figure", "value", "note"], rows), ""]


def markdown(config: SimConfig) -> str:
    """The report for ``config``: its parameters, then the figures of its truth."""
    business = generate(config)
    heading = (
        f"Seed {config.seed}, {config.contacts:,} contacts, {config.months} months from "
        f"{config.start}, {config.locations} locations; money in dollars."
    )
    return "\n".join([heading, "", *parameters(config), "", *figures(business)]) + "\n"


def update(path: Path, config: SimConfig) -> bool:
    """Rewrite the report between the markers in ``path``; True when it changed."""
    text = path.read_text()
    if BEGIN not in text or END not in text:
        raise ValueError(f"{path}: the markers {BEGIN!r} and {END!r} are missing")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{BEGIN}\n{markdown(config)}{END}{tail}"
    path.write_text(new)
    return new != text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pacer.simulate.report")
    defaults = SimConfig()
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--contacts", type=int, default=defaults.contacts)
    parser.add_argument("--months", type=int, default=defaults.months)
    parser.add_argument("--start", default=defaults.start, help="first day (YYYY-MM-DD)")
    parser.add_argument("--update", type=Path, help="rewrite the report in this Markdown file")
    args = parser.parse_args(argv)
    config = SimConfig(seed=args.seed, contacts=args.contacts, months=args.months, start=args.start)
    if args.update:
        changed = update(args.update, config)
        print(f"{args.update}: {'updated' if changed else 'already up to date'}")
    else:
        print(markdown(config), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
