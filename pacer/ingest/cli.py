"""``pacer import contacts|orders FILE``: CSV import, all or nothing."""

import argparse
import csv
import io
import sys
from pathlib import Path

from pacer.core.commands import fail, workspace_named


def import_csv(args: argparse.Namespace) -> int:
    from pacer.core.errors import ValidationFailed
    from pacer.ingest.csv_io import import_contacts, import_orders

    mapping = {}
    for pair in args.map or []:
        column, sep, field = pair.partition("=")
        if not sep:
            return fail(f"--map: '{pair}' must look like column=field")
        mapping[column] = field
    path = Path(args.file)
    if not path.is_file():
        return fail(f"file: '{path}' does not exist")
    text = path.read_text(encoding="utf-8-sig")
    if not mapping:
        header = next(csv.reader(io.StringIO(text)), [])
        mapping = {column: column for column in header}
    workspace = workspace_named(args.workspace)
    try:
        if args.kind == "contacts":
            report = import_contacts(
                workspace, text, mapping, update_rule=args.update_rule, actor=args.actor
            )
        else:
            report = import_orders(workspace, text, mapping, actor=args.actor)
    except ValidationFailed as error:
        return fail(error)
    if report.rejected:
        print(
            f"nothing imported: {len(report.rejected)} of {report.total_rows} rows rejected",
            file=sys.stderr,
        )
        for item in report.rejected:
            print(f"  row {item['row']}: {item['field']}: {item['reason']}", file=sys.stderr)
        return 1
    erased = f", {report.suppressed} of erased people left out" if report.suppressed else ""
    print(
        f"imported {report.total_rows} rows: {report.created} created, "
        f"{report.updated} updated, {report.skipped} unchanged or skipped{erased}"
    )
    return 0


def register(cli) -> None:
    p = cli.command(
        "import",
        import_csv,
        help="import contacts or orders from CSV (all or nothing)",
        permission="contacts.import",
    )
    p.add_argument("kind", choices=["contacts", "orders"])
    p.add_argument("file")
    p.add_argument("--workspace", default="demo")
    p.add_argument(
        "--map",
        action="append",
        metavar="COLUMN=FIELD",
        help="map a CSV column to a field (default: columns named like fields)",
    )
    p.add_argument(
        "--update-rule",
        default="if_not_empty",
        choices=["always", "if_not_empty", "if_existing_empty"],
    )
