"""Import runs: a CSV file uploaded from the import page, its columns mapped, previewed,
then imported in the background (``pacer.ingest.tasks.run_import``) through the same
path as ``pacer import`` (``pacer.ingest.csv_io.import_text``), with its progress and
report kept on the run.

A run is claimed by the task that moves it from queued to running (a conditional
update), so a task run twice imports once; and an import itself never doubles rows
(contacts are deduped on their identifiers, orders on ``order_id``), so uploading the
same file again updates nothing and creates nothing.
"""

import csv
import io
import time

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from pacer.core import audit
from pacer.core.errors import NotFound, ValidationFailed, require
from pacer.core.models import Workspace
from pacer.ingest import csv_io
from pacer.ingest.models import ImportFile, ImportRejection, ImportRun
from pacer.people.imports import UPDATE_RULES, check_rows

MAX_BYTES = 128 * 1024 * 1024
MAX_COLUMNS = 200
SAMPLE_ROWS = 10
PROGRESS_SECONDS = 0.5
Status = ImportRun.Status


def max_bytes() -> int:
    """The largest file an import takes (the ``IMPORT_MAX_BYTES`` setting)."""
    return getattr(settings, "IMPORT_MAX_BYTES", MAX_BYTES)


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:,.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


# -- reads -------------------------------------------------------------------------------
def runs(workspace: Workspace) -> QuerySet:
    """The workspace's import runs, newest first."""
    return ImportRun.objects.filter(workspace=workspace).order_by("-id")


def get_run(workspace: Workspace, run_id: int) -> ImportRun:
    run = ImportRun.objects.filter(workspace=workspace, pk=run_id).first()
    if run is None:
        raise NotFound("run", f"no import {run_id} in this workspace")
    return run


def rejections(run: ImportRun) -> QuerySet:
    return ImportRejection.objects.filter(run=run)


def preview(run: ImportRun, mapping: dict[str, str] | None = None) -> list[dict]:
    """The first rows as the import will read them: ``{"row", "values", "error"}`` with
    ``values`` by field and ``error`` (a ``FieldError``) or None."""
    mapping = run.mapping if mapping is None else mapping
    rows = list(csv_io.mapped_rows(run.sample, run.headers, mapping))
    checked = check_rows(run.workspace, run.kind, rows)
    return [
        {"row": number, "values": values, "error": error}
        for number, (values, error) in enumerate(zip(rows, checked, strict=True), start=2)
    ]


def rate(run: ImportRun) -> float | None:
    """Rows per second so far (or over the whole run once it is finished)."""
    if run.started_at is None or not run.rows_done:
        return None
    end = run.finished_at or timezone.now()
    return run.rows_done / max((end - run.started_at).total_seconds(), 1e-3)


# -- writes ------------------------------------------------------------------------------
def check_size(size: int) -> None:
    """Refuse a file of ``size`` bytes that is empty or larger than ``max_bytes()``."""
    require(size > 0, "file", "is empty")
    require(
        size <= max_bytes(),
        "file",
        f"is {_size(size)}; an import takes at most {_size(max_bytes())} "
        "(split the file and import the parts)",
    )


def _read(data: bytes) -> tuple[str, list[str], list[list[str]], int]:
    """The text, header, first records and row count of a CSV file, or the reason not."""
    check_size(len(data))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationFailed(
            {"file": f"is not UTF-8 text (byte {error.start}); save it as CSV UTF-8"}
        ) from None
    require("\x00" not in text, "file", "is not a text file")
    reader = csv.reader(io.StringIO(text))
    try:
        headers = next(reader, [])
        require(any(h.strip() for h in headers), "file", "has no header row")
        require(len(headers) <= MAX_COLUMNS, "file", f"has more than {MAX_COLUMNS} columns")
        for number, header in enumerate(headers, start=1):
            require(header.strip() != "", "file", f"column {number} has no name in the header")
            require(headers.index(header) == number - 1, "file", f"has two columns '{header}'")
        sample, count = [], 0
        for record in reader:
            if record:
                count += 1
                if len(sample) < SAMPLE_ROWS:
                    sample.append(record)
    except csv.Error as error:
        raise ValidationFailed({"file": f"line {reader.line_num}: {error}"}) from None
    require(count > 0, "file", "has a header but no rows")
    return text, headers, sample, count


def upload(
    workspace: Workspace, kind: str, file_name: str, data: bytes, *, actor=None
) -> ImportRun:
    """Keep an uploaded CSV file as a new run, its columns mapped by their names."""
    require(kind in csv_io.KINDS, "kind", f"must be one of {', '.join(csv_io.KINDS)}")
    text, headers, sample, count = _read(data)
    with transaction.atomic():
        run = ImportRun.objects.create(
            workspace=workspace,
            kind=kind,
            file_name=(file_name or "upload.csv")[:200],
            size_bytes=len(data),
            headers=headers,
            sample=sample,
            row_count=count,
            mapping=csv_io.guess_mapping(headers, kind),
            created_by=actor,
        )
        ImportFile.objects.create(run=run, text=text)
    return run


def set_mapping(run: ImportRun, mapping: dict[str, str], update_rule: str) -> ImportRun:
    """Save the mapping (column → field; columns left out are ignored)."""
    require(run.status == Status.UPLOADED, "run", "has already been started")
    errors = {}
    if update_rule not in UPDATE_RULES:
        errors["update_rule"] = f"must be one of {', '.join(UPDATE_RULES)}"
    try:
        csv_io.check_mapping(run.kind, run.headers, mapping)
    except ValidationFailed as error:
        errors.update(error.errors)
    if errors:
        raise ValidationFailed(errors)
    run.mapping, run.update_rule = mapping, update_rule
    run.save(update_fields=["mapping", "update_rule"])
    return run


def start(run: ImportRun, *, actor=None) -> bool:
    """Queue the run's import (once: False when it was already queued or started)."""
    from pacer.ingest.tasks import run_import

    csv_io.check_mapping(run.kind, run.headers, run.mapping)
    with transaction.atomic():
        queued = ImportRun.objects.filter(pk=run.pk, status=Status.UPLOADED).update(
            status=Status.QUEUED
        )
        if queued:
            # in the same transaction: the run is queued exactly when its task is
            run_import.enqueue(run.pk)
            audit.record(
                run.workspace,
                f"{run.kind}.import.start",
                run.workspace,
                actor=actor,
                after={"run": run.pk, "file": run.file_name, "rows": run.row_count},
            )
    run.refresh_from_db()
    return bool(queued)


class ProgressRecorder:
    """Writes an import's progress on its run, at most every ``PROGRESS_SECONDS``."""

    def __init__(self, run_id: int):
        self.run_id, self.written = run_id, 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.written < PROGRESS_SECONDS and phase == "checking" and done < total:
            return
        self.written = now
        ImportRun.objects.filter(pk=self.run_id).update(phase=phase, rows_done=done)


def execute(run_id: int) -> dict:
    """The import of a queued run (the task's body); a run not queued is left alone."""
    claimed = ImportRun.objects.filter(pk=run_id, status=Status.QUEUED).update(
        status=Status.RUNNING, started_at=timezone.now(), phase="checking", rows_done=0
    )
    if not claimed:
        return {"run": run_id, "claimed": False}
    run = ImportRun.objects.select_related("workspace", "created_by").get(pk=run_id)
    text = ImportFile.objects.values_list("text", flat=True).get(run=run)
    try:
        report = csv_io.import_text(
            run.workspace,
            run.kind,
            text,
            run.mapping,
            update_rule=run.update_rule,
            actor=run.created_by,
            progress=ProgressRecorder(run.pk),
        )
    except ValidationFailed as error:
        _finish(run, Status.FAILED, error=str(error))
        return {"run": run_id, "status": Status.FAILED}
    except Exception as error:
        _finish(run, Status.FAILED, error=f"the import stopped: {error}")
        raise
    ImportRejection.objects.bulk_create(
        [ImportRejection(run=run, **item) for item in report.rejected],
        batch_size=2000,
        ignore_conflicts=True,
    )
    _finish(
        run,
        Status.REFUSED if report.rejected else Status.DONE,
        rows_done=report.total_rows,
        created=report.created,
        updated=report.updated,
        merged=report.merged,
        skipped=report.skipped,
        suppressed=report.suppressed,
        rejected=len(report.rejected),
    )
    return {"run": run_id, "status": run.status, "created": report.created}


def _finish(run: ImportRun, status: str, **values) -> None:
    values.update(status=status, phase="", finished_at=timezone.now())
    ImportRun.objects.filter(pk=run.pk).update(**values)
    for name, value in values.items():
        setattr(run, name, value)
