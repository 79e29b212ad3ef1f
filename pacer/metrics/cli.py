"""``pacer analyze attribution`` and ``pacer analyze clv``."""

import argparse
from datetime import date

from pacer.core.commands import fail, workspace_named


def _dates(args: argparse.Namespace) -> tuple[date | None, date]:
    try:
        start = date.fromisoformat(args.start) if getattr(args, "start", None) else None
        end = date.fromisoformat(args.end) if args.end else date.today()
    except ValueError:
        raise ValueError("--start, --end: must be dates (YYYY-MM-DD)") from None
    return start, end


def attribution(args: argparse.Namespace) -> int:
    """All attribution models side by side, per channel or campaign."""
    import polars as pl

    from pacer.analytics.journeys import JourneyError
    from pacer.metrics.analysis import attribution_report
    from pacer.warehouse.sync import default_store

    workspace = workspace_named(args.workspace)
    try:
        start, end = _dates(args)
        if start is None:
            return fail("--start: required for attribution")
        table = attribution_report(default_store(), workspace.pk, start, end, by=args.by)
    except (ValueError, JourneyError) as error:
        return fail(error)
    with pl.Config(tbl_rows=200, tbl_cols=10):
        print(table.sort(["channel", "model"]))
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
            print(
                f"BG/NBD fitted up to {holdout.calibration_end}: r={p.r:.3f} "
                f"alpha={p.alpha:.3f} a={p.a:.3f} b={p.b:.3f}; x = -1 is all customers"
            )
            print(holdout.table)
            return 0
        report = clv_report(default_store(), workspace.pk, end)
    except (ValueError, CLVError) as error:
        return fail(error)
    updated = write_back_clv(workspace, report, actor=args.actor)
    p = report.purchases
    print(
        f"BG/NBD r={p.r:.3f} alpha={p.alpha:.3f} a={p.a:.3f} b={p.b:.3f}; "
        f"predictions written to {updated} contacts"
    )
    print(report.cohorts)
    return 0


def register(cli) -> None:
    p = cli.command(
        "analyze attribution",
        attribution,
        help="all attribution models side by side, with spend and ROMI",
        permission="reports.view",
    )
    p.add_argument("--workspace", default="demo")
    p.add_argument("--start", help="people first seen from this date")
    p.add_argument("--end", help="until this date (default: today)")
    p.add_argument("--by", choices=["channel", "campaign"], default="channel")

    p = cli.command(
        "analyze clv",
        clv,
        help="fit BG/NBD + Gamma-Gamma and write CLV to contacts",
        permission="clv.write",
    )
    p.add_argument("--workspace", default="demo")
    p.add_argument("--end", help="purchases up to this date (default: today)")
    p.add_argument(
        "--holdout-weeks",
        type=int,
        default=0,
        help="fit before the last N weeks and compare with them (writes nothing)",
    )
