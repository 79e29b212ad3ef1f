"""``pacer analyze attribution`` and ``pacer analyze clv``."""

import argparse
from datetime import date

from pacer.core.commands import fail, print_rows, workspace_named

MEASURES = ("revenue", "conversions", "romi")


def _dates(args: argparse.Namespace) -> tuple[date | None, date]:
    """``--start`` (None when not given) and ``--end`` (today when not given); a value
    that is not a date is refused naming its own option."""

    def day(option: str, value: str | None) -> date | None:
        try:
            return date.fromisoformat(value) if value else None
        except ValueError:
            raise ValueError(f"{option}: '{value}' is not a date (YYYY-MM-DD)") from None

    start = day("--start", getattr(args, "start", None))
    return start, day("--end", args.end) or date.today()


def attribution(args: argparse.Namespace) -> int:
    """All attribution models side by side, per channel or campaign: one row each, a
    column per model holding the chosen measure, and the spend booked to it. Channels
    without trackable touches (TV, radio, print, out of home) are there with their spend,
    ``trackable`` false and no model's credit (not applicable), as on the page."""
    from pacer.analytics.journeys import JourneyError
    from pacer.core.channels import UNTRACKABLE
    from pacer.metrics.analysis import attribution_pivot, attribution_report, booked_spend
    from pacer.warehouse.sync import default_store

    workspace = workspace_named(args.workspace)
    try:
        start, end = _dates(args)
        if start is None:
            return fail("--start: required for attribution")
        store = default_store()
        credits = attribution_report(store, workspace.pk, start, end, by=args.by)
        spend = booked_spend(store, workspace.pk, start, end, by=args.by)
        pivot = attribution_pivot(credits, spend, args.measure, UNTRACKABLE)
    except (ValueError, JourneyError) as error:
        return fail(error)
    models = credits["model"].unique(maintain_order=True).to_list()
    rows = [
        {
            args.by: row["group"],
            "trackable": row["trackable"],
            "spend": row["spend"],
            **{model: row.get(f"m_{model}") for model in models},
        }
        for row in sorted(pivot, key=lambda r: (-r["spend"], r["group"]))
    ]
    print_rows(rows, args.format)
    return 0


def clv(args: argparse.Namespace) -> int:
    """Fit BG/NBD + Gamma-Gamma and write predictions, or check a holdout."""
    from pacer.analytics.clv import CLVError
    from pacer.metrics.analysis import clv_holdout_report, clv_report, write_back_clv
    from pacer.warehouse.sync import default_store

    workspace = workspace_named(args.workspace)
    try:
        _, end = _dates(args)
        if args.holdout_weeks:
            holdout = clv_holdout_report(
                default_store(), workspace.pk, end, holdout_weeks=args.holdout_weeks
            )
            p = holdout.purchases
            if args.format == "table":
                print(
                    f"BG/NBD fitted up to {holdout.calibration_end}: r={p.r:.3f} "
                    f"alpha={p.alpha:.3f} a={p.a:.3f} b={p.b:.3f}; x = -1 is all customers"
                )
            print_rows(holdout.table.to_dicts(), args.format)
            return 0
        report = clv_report(default_store(), workspace.pk, end)
    except (ValueError, CLVError) as error:
        return fail(error)
    updated = write_back_clv(workspace, report, actor=args.actor)
    p = report.purchases
    if args.format == "table":
        print(
            f"BG/NBD r={p.r:.3f} alpha={p.alpha:.3f} a={p.a:.3f} b={p.b:.3f}; "
            f"predictions written to {updated} contacts"
        )
    print_rows(report.cohorts.to_dicts(), args.format)
    return 0


def register(cli) -> None:
    p = cli.command(
        "analyze attribution",
        attribution,
        help="all attribution models side by side, with spend and ROMI",
        permission="reports.view",
        report=True,
    )
    p.add_argument("--workspace", default="demo")
    p.add_argument("--start", help="people first seen from this date")
    p.add_argument("--end", help="until this date (default: today)")
    p.add_argument("--by", choices=["channel", "campaign"], default="channel")
    p.add_argument(
        "--measure", choices=MEASURES, default="revenue", help="what each model column holds"
    )

    p = cli.command(
        "analyze clv",
        clv,
        help="fit BG/NBD + Gamma-Gamma and write CLV to contacts",
        permission="clv.write",
        report=True,
    )
    p.add_argument("--workspace", default="demo")
    p.add_argument("--end", help="purchases up to this date (default: today)")
    p.add_argument(
        "--holdout-weeks",
        type=int,
        default=0,
        help="fit before the last N weeks and compare with them (writes nothing)",
    )
