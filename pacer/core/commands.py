"""The ``pacer`` command's registry and the helpers its subcommands share.

Each domain's ``cli.py`` has ``register(cli)`` and adds its subcommands with
``cli.command("sync", run, help=..., permission=...)``; a space in the name makes a group
(``"analyze clv"``). A command with a permission passes the gate: run as the machine's
operator by default (whoever can run ``pacer`` can read the database), or ``--as USER``,
whose role in the workspace must hold the permission; ``args.actor`` is that user (or
None) for the audit log.
"""

import argparse
import sys
from collections.abc import Callable

from pacer.core.domains import domains, load

FORMATS = ("table", "csv", "json")


class CommandError(Exception):
    """A refused command line: printed as ``error: ...`` with exit status 2."""


class Cli:
    def __init__(self, root: argparse.ArgumentParser):
        self._groups: dict[tuple[str, ...], argparse._SubParsersAction] = {
            (): root.add_subparsers(dest="command", required=True, metavar="COMMAND")
        }

    def _subparsers(self, path: tuple[str, ...]) -> argparse._SubParsersAction:
        if path not in self._groups:
            parent = self._subparsers(path[:-1])
            group = parent.add_parser(path[-1], help=f"{path[-1]} commands")
            self._groups[path] = group.add_subparsers(
                dest="_".join(path), required=True, metavar="WHAT"
            )
        return self._groups[path]

    def command(
        self,
        name: str,
        run: Callable[[argparse.Namespace], int],
        *,
        help: str,
        permission: str | None = None,
        migrate: bool = True,
        report: bool = False,
    ) -> argparse.ArgumentParser:
        """Add a subcommand; returns its parser for the command's own options. A
        ``report`` prints rows and takes ``--format table|csv|json``."""
        *group, leaf = name.split()
        parser = self._subparsers(tuple(group)).add_parser(leaf, help=help, description=help)
        parser.set_defaults(run=run, permission=permission, migrate=migrate)
        if report:
            parser.add_argument(
                "--format",
                choices=FORMATS,
                default="table",
                help="table (every row, numbers formatted), csv or json",
            )
        if permission is not None:
            parser.add_argument(
                "--as",
                dest="acting_user",
                metavar="USER",
                help=f"act as this member of the workspace (their role must allow {permission})",
            )
        return parser


def build_parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="pacer", description="Pacer marketing operations")
    cli = Cli(root)
    for config in domains():
        if config.cli:
            load(config.cli).register(cli)
    return root


def authorise(args: argparse.Namespace) -> None:
    """Pass the gate for ``args.permission`` and set ``args.actor``."""
    from django.contrib.auth.models import User

    from pacer.core.permissions import admitted_role, allows

    args.actor = None
    username = getattr(args, "acting_user", None)
    if args.permission is None or not username:
        return
    workspace = workspace_named(getattr(args, "workspace", None))
    user = User.objects.filter(username=username, is_active=True).first()
    role, refused = admitted_role(user, workspace) if user is not None else (None, "")
    if refused:
        raise CommandError(f"--as: {refused}")
    if not allows(role, args.permission):
        raise CommandError(
            f"--as: '{username}' is not a member of '{workspace.slug}' whose role allows "
            f"{args.permission}"
        )
    args.actor = user


def workspace_named(slug: str | None):
    from pacer.core.models import Workspace

    workspace = Workspace.objects.filter(slug=slug or "").first()
    if workspace is None:
        raise CommandError(f"--workspace: no workspace with slug '{slug}'")
    return workspace


def fail(error) -> int:
    """Print a refusal (each field with its reason) and return exit status 2."""
    from pacer.core.errors import ValidationFailed

    if isinstance(error, ValidationFailed):
        for field, reason in error.errors.items():
            print(f"error: {field}: {reason}", file=sys.stderr)
    else:
        print(f"error: {error}", file=sys.stderr)
    return 2


def progress(description: str, total: int | None):
    """A rich progress bar and its task id."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    bar = Progress(
        "[bold]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
    )
    return bar, bar.add_task(description, total=total)


def _cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_cell(v) for v in value) + "]"
    if isinstance(value, float):
        if value != value:  # NaN never reaches a report; say so if it does
            return "n/a"
        return f"{value:,.4f}" if abs(value) < 10 else f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def print_rows(rows: list[dict], fmt: str = "table", *, title: str | None = None) -> None:
    """Print report rows: a table with every row and formatted numbers, or CSV or JSON
    (raw values) for other tools."""
    import csv
    import json

    columns = list(rows[0]) if rows else []
    if fmt == "json":
        print(json.dumps(rows, default=str, indent=1))
    elif fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows([row.get(c) for c in columns] for row in rows)
    else:
        from rich.console import Console
        from rich.table import Table

        cells = [[_cell(row.get(c)) for c in columns] for row in rows]
        table = Table(title=title)
        for column in columns:
            numeric = any(isinstance(row.get(column), (int, float)) for row in rows)
            table.add_column(column, justify="right" if numeric else "left", no_wrap=True)
        for line in cells:
            table.add_row(*line)
        # wide enough for every cell whole: a report never hides part of a value
        widths = [max([len(c), *(len(line[i]) for line in cells)]) for i, c in enumerate(columns)]
        Console(width=sum(w + 3 for w in widths) + 1).print(table)
