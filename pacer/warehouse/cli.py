"""``pacer sync``: sync the warehouse and refresh what is built from it, now."""

import argparse

from pacer.core.commands import progress


def sync(args: argparse.Namespace | None = None) -> int:
    from pacer.warehouse.sync import refresh_derived
    from pacer.warehouse.sync import sync as run_sync

    bar, task = progress("syncing warehouse", None)
    with bar:
        run = run_sync(after_sync=refresh_derived, on_progress=lambda _t, n: bar.advance(task, n))
    print(f"warehouse sync {run.status}: {run.rows}")
    return 0 if run.status in ("done", "busy") else 1


def register(cli) -> None:
    cli.command("sync", sync, help="sync the warehouse and refresh KPIs now")
