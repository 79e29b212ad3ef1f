"""Platform commands: ``serve``, ``worker``, ``manage``."""

import argparse


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run(
        "pacer.asgi:application",
        host=args.host,
        port=args.port,
        log_level="warning",
        workers=args.workers,
    )
    return 0


def worker(args: argparse.Namespace) -> int:
    """Run the domains' background loops and the task queue."""
    from django.core.management import call_command

    from pacer.core.worker import start_loops

    skip = set(args.skip or [])
    if args.no_schedule:
        skip.add("warehouse-sync")
    start_loops(skip)
    call_command("db_worker", queue_name="*", interval=1, no_startup_delay=True)
    return 0


def manage(args: argparse.Namespace) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["pacer", *args.rest])
    return 0


def web_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)


def register(cli) -> None:
    p = cli.command("serve", serve, help="run the web app (ASGI)")
    web_options(p)
    p.add_argument("--workers", type=int, default=1)

    from pacer.core.worker import loop_names

    p = cli.command("worker", worker, help="run background loops and tasks")
    p.add_argument("--skip", action="append", choices=loop_names(), help="a loop not to run")
    p.add_argument("--no-schedule", action="store_true", help="do not schedule warehouse syncs")

    p = cli.command("manage", manage, help="run a Django management command", migrate=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
