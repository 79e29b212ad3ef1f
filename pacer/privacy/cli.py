"""``pacer privacy export|erase``: a person's data by any of their identifiers."""

import argparse
import sys

from pacer.core.commands import fail, workspace_named
from pacer.privacy.identifiers import KINDS


def _identifiers(args: argparse.Namespace) -> dict[str, str]:
    return {kind: getattr(args, kind) or "" for kind in KINDS}


def export(args: argparse.Namespace) -> int:
    from pacer.core.errors import ValidationFailed
    from pacer.privacy.actions import as_json, export_person

    workspace = workspace_named(args.workspace)
    try:
        document = export_person(workspace, _identifiers(args), actor=args.actor)
    except ValidationFailed as error:
        return fail(error)
    data = as_json(document)
    if args.output:
        with open(args.output, "wb") as handle:
            handle.write(data)
        print(f"wrote {args.output} ({len(document['contact_ids'])} contacts)")
    else:
        sys.stdout.buffer.write(data + b"\n")
    return 0


def erase(args: argparse.Namespace) -> int:
    from pacer.core.errors import ValidationFailed
    from pacer.privacy.actions import WarehouseBusy, erase_person

    workspace = workspace_named(args.workspace)
    if not args.yes:
        return fail("--yes: erasure cannot be undone; add --yes to confirm")
    try:
        done = erase_person(workspace, _identifiers(args), actor=args.actor)
    except (ValidationFailed, WarehouseBusy) as error:
        return fail(error)
    removed = ", ".join(f"{name} {n}" for name, n in done.counts.items() if n) or "nothing"
    print(f"erasure {done.pk} {done.status}: {removed}")
    return 0 if done.status == "done" else 1


def _person_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workspace", required=True, help="workspace slug")
    for kind in KINDS:
        parser.add_argument(f"--{kind.replace('_', '-')}", dest=kind, metavar="VALUE")


def register(cli) -> None:
    parser = cli.command(
        "privacy export",
        export,
        help="export everything Pacer holds about a person as JSON",
        permission="privacy.export",
    )
    _person_options(parser)
    parser.add_argument("--output", "-o", help="write to this file instead of stdout")
    parser = cli.command(
        "privacy erase",
        erase,
        help="erase a person from the database and the warehouse and suppress them",
        permission="privacy.erase",
    )
    _person_options(parser)
    parser.add_argument("--yes", action="store_true", help="confirm the erasure")
