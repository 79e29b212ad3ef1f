"""``pacer import contacts|orders FILE``: CSV import, all or nothing, with its progress."""

import argparse
import csv
import io
import sys
import time
from pathlib import Path

from pacer.core.commands import fail, workspace_named


class ProgressLine:
    """Prints the import's progress on stderr (at most every half second)."""

    def __init__(self, stream=None):
        # the stream is looked up when printing: sys.stderr may be replaced after import
        self.stream, self.started, self.shown = stream, time.monotonic(), 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.shown < 0.5 and done < total:
            return
        self.shown = now
        rate = done / max(now - self.started, 1e-9)
        line = f"{phase}: {done:,} of {total:,} rows ({rate:,.0f} rows/s)"
        print(line, file=self.stream or sys.stderr)


def import_csv(args: argparse.Namespace) -> int:
    from pacer.core.errors import ValidationFailed
    from pacer.ingest.csv_io import guess_mapping, import_text

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
        mapping = guess_mapping(next(csv.reader(io.StringIO(text)), []), args.kind)
    workspace = workspace_named(args.workspace)
    progress = ProgressLine() if args.progress else None
    try:
        report = import_text(
            workspace,
            args.kind,
            text,
            mapping,
            update_rule=args.update_rule,
            actor=args.actor,
            progress=progress,
        )
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
    merged = f", {report.merged} merged" if report.merged else ""
    print(
        f"imported {report.total_rows} rows: {report.created} created, "
        f"{report.updated} updated, {report.skipped} unchanged or skipped{merged}{erased}"
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
        help="map a CSV column to a field (default: guessed from the column names, as the "
        "import page does)",
    )
    p.add_argument(
        "--update-rule",
        default="if_not_empty",
        choices=["always", "if_not_empty", "if_existing_empty"],
    )
    p.add_argument("--progress", action="store_true", help="show progress on stderr")
