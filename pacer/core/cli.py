"""Platform commands: ``setup``, ``serve``, ``worker``, ``manage``."""

import argparse
import errno
import getpass
import os
import socket

from pacer.core.commands import CommandError


def port_free(host: str, port: int) -> None:
    """Refuse a port something else listens on, before anything starts (or prints a URL)."""
    if not 1 <= port <= 65535:
        raise CommandError(f"--port: {port} is not a port number (1-65535)")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise CommandError(f"--host: '{host}' is not an address of this machine") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise CommandError(
                    f"--port: {port} is already in use on {host}; stop what runs there or "
                    "choose another port (--port 8001)"
                ) from None
            raise CommandError(
                f"--host: cannot listen on {host}:{port} ({error.strerror})"
            ) from None


def serve(args: argparse.Namespace) -> int:
    """Check the port, migrate, then serve (a busy port is refused before any migration)."""
    import uvicorn
    from django.core.management import call_command

    port_free(args.host, args.port)
    call_command("migrate", interactive=False, verbosity=0)
    uvicorn.run(
        "pacer.asgi:application",
        host=args.host,
        port=args.port,
        log_level="warning",
        log_config=None,  # uvicorn's lines go through Django's LOGGING (JSON by default)
        workers=args.workers,
    )
    return 0


def worker(args: argparse.Namespace) -> int:
    """Run the domains' background loops and the task queue."""
    from pacer.core.worker import run_tasks, start_loops

    skip = set(args.skip or [])
    if args.no_schedule:
        skip.add("warehouse-sync")
    loops = start_loops(skip)
    try:
        run_tasks(interval=1, startup_delay=False)
    finally:
        loops.stop()  # each loop finishes the run it is in
    return 0


def setup(args: argparse.Namespace) -> int:
    """Create a workspace and its first admin login (the start of a real installation)."""
    from pacer.core import actions
    from pacer.core.commands import fail
    from pacer.core.errors import ValidationFailed
    from pacer.core.roles import Role

    password = os.environ.get("PACER_ADMIN_PASSWORD") or getpass.getpass(
        f"Password for {args.username}: "
    )
    try:
        from django.db import transaction

        # checked and hashed before the transaction, which then holds the lock briefly
        login = actions.prepare_login(args.username, password, email=args.email, role=Role.ADMIN)
        with transaction.atomic():
            workspace = actions.create_workspace(
                args.workspace_name, slug=args.slug, currency=args.currency
            )
            actions.add_login(workspace, login, Role.ADMIN)
    except ValidationFailed as error:
        return fail(error)
    print(
        f"workspace '{workspace.name}' ({workspace.slug}, {workspace.currency}) created with "
        f"admin '{args.username}'; start Pacer with `pacer serve` and `pacer worker`"
    )
    return 0


def manage(args: argparse.Namespace) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["pacer", *args.rest])
    return 0


def web_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)


def register(cli) -> None:
    p = cli.command("setup", setup, help="create a workspace and its first admin login")
    p.add_argument("--workspace-name", required=True, help="e.g. 'Acme Franchise'")
    p.add_argument("--slug", default="", help="short name in URLs (default: from the name)")
    p.add_argument("--currency", default="USD", help="ISO code of the workspace's money")
    p.add_argument("--username", required=True)
    p.add_argument("--email", default="")

    p = cli.command("serve", serve, help="run the web app (ASGI)", migrate=False)
    web_options(p)
    p.add_argument("--workers", type=int, default=1)

    from pacer.core.worker import loop_names

    p = cli.command("worker", worker, help="run background loops and tasks")
    p.add_argument("--skip", action="append", choices=loop_names(), help="a loop not to run")
    p.add_argument("--no-schedule", action="store_true", help="do not schedule warehouse syncs")

    p = cli.command("manage", manage, help="run a Django management command", migrate=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
