"""The import wizard: upload a CSV of contacts or orders, map its columns, preview the
first rows as they will be imported, run the import in the background and watch its
progress, then read the report and download the rejected rows."""

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from pacer.core.errors import NotFound, ValidationFailed
from pacer.core.permissions import page
from pacer.ingest import csv_io, import_runs
from pacer.ingest.models import ImportRun
from pacer.web.formats import format_value
from pacer.web.tables import Column, Table

Status = ImportRun.Status
IGNORE = ""
KIND_OPTIONS = [("contacts", "Contacts"), ("orders", "Orders (one row per line item)")]
UPDATE_RULE_OPTIONS = [
    ("if_not_empty", "Update a field when the file has a value for it"),
    ("always", "Always take the file's value, blanks included"),
    ("if_existing_empty", "Only fill fields that are empty in Pacer"),
]
FIELD_LABELS = {
    "email": "Email",
    "phone": "Phone",
    "first_name": "First name",
    "last_name": "Last name",
    "user_id": "User id",
    "location": "Location code",
    "lifecycle_stage": "Lifecycle stage",
    "order_id": "Order id",
    "placed_at": "Placed at (ISO date)",
    "total": "Order total",
    "sku": "SKU",
    "quantity": "Quantity",
    "unit_price": "Unit price",
    "currency": "Currency",
}
RUN_COLUMNS = [
    Column("id", "Import", format="count", sortable=True, href=lambda r: _run_url(r)),
    Column("file_name", "File", sortable=True),
    Column("kind", "Kind", labels=dict(ImportRun.Kind.choices)),
    Column("row_count", "Rows", format="count", sortable=True),
    Column("status", "Status", labels=dict(ImportRun.Status.choices)),
    Column("created", "Created", format="count"),
    Column("updated", "Updated", format="count"),
    Column("rejected", "Rejected", format="count"),
    Column("created_at", "Uploaded", format="datetime", sortable=True),
]
REJECTION_COLUMNS = [
    Column("row", "Row", format="count", sortable=True),
    Column("field", "Field", sortable=True),
    Column("reason", "Reason"),
]


def _field_label(field: str) -> str:
    return f"Trait “{field[6:]}”" if field.startswith("trait:") else FIELD_LABELS[field]


def _run_url(row) -> str:
    return reverse("import-run", args=[row["pk"]])


def _run(request, run_id: int) -> ImportRun:
    try:
        return import_runs.get_run(request.workspace, run_id)
    except NotFound as error:
        raise Http404(str(error)) from None


def _steps(number: int, name: str) -> str:
    return f"Step {number} of 4 · {name}"


@page("contacts.import")
def imports(request):
    """Step 1: upload a file; below, the imports so far."""
    errors, form, status = None, {"kind": "contacts"}, 200
    if request.method == "POST":
        form["kind"] = request.POST.get("kind", "")
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ValidationFailed({"file": "choose a CSV file to upload"})
            import_runs.check_size(upload.size)  # before reading it
            run = import_runs.upload(
                request.workspace, form["kind"], upload.name, upload.read(), actor=request.user
            )
        except ValidationFailed as error:
            errors, status = error.errors, 422
        else:
            return HttpResponseRedirect(reverse("import-mapping", args=[run.pk]))
    table = Table(
        request,
        import_runs.runs(request.workspace),
        RUN_COLUMNS,
        default_sort="-id",
        caption="Imports",
        empty_title="No imports yet.",
        empty_hint="Upload a CSV of contacts or orders above to start one.",
        html_id="imports",
    )
    context = {
        "table": table,
        "errors": errors,
        "form": form,
        "kinds": KIND_OPTIONS,
        "max_size": format_value(import_runs.max_bytes() / 1024 / 1024, "count"),
        "contact_fields": csv_io.FIELDS["contacts"],
        "order_fields": csv_io.FIELDS["orders"],
    }
    return render(request, "ingest/imports.html", context, status=status)


def _field_options(kind: str, header: str) -> list[tuple[str, str]]:
    options = [(IGNORE, "Ignore this column")]
    options += [(f, FIELD_LABELS.get(f, f)) for f in csv_io.FIELDS[kind]]
    if kind == "contacts":
        name = "".join(ch if ch.isalnum() else "_" for ch in header.strip().lower())[:64]
        options.append((f"trait:{name}", f"Trait “{name}”"))
    return options


def _columns(run: ImportRun, mapping: dict[str, str]) -> list[dict]:
    columns = []
    for index, header in enumerate(run.headers):
        examples = [r[index] for r in run.sample[:3] if index < len(r) and r[index].strip()]
        options = _field_options(run.kind, header)
        chosen = mapping.get(header, IGNORE)
        if chosen and chosen not in dict(options):
            options.append((chosen, chosen))
        columns.append(
            {
                "name": f"column-{index}",
                "header": header,
                "label": f"Column “{header}”",
                "help": "e.g. " + ", ".join(e[:40] for e in examples) if examples else "empty",
                "value": chosen,
                "options": options,
            }
        )
    return columns


@page("contacts.import")
def mapping(request, run_id: int):
    """Step 2: a Pacer field (or nothing) for each column, guessed from its name."""
    run = _run(request, run_id)
    if run.status != Status.UPLOADED:
        return HttpResponseRedirect(reverse("import-run", args=[run.pk]))
    chosen, rule, errors, status = run.mapping, run.update_rule, None, 200
    if request.method == "POST":
        chosen = {}
        for index, header in enumerate(run.headers):
            target = request.POST.get(f"column-{index}", IGNORE)[:80]
            if target != IGNORE:
                chosen[header] = target
        rule = request.POST.get("update_rule", "")
        try:
            import_runs.set_mapping(run, chosen, rule)
        except ValidationFailed as error:
            index_of = {h: i for i, h in enumerate(run.headers)}
            errors, status = {}, 422
            for path, reason in error.errors.items():
                column = path.removeprefix("mapping.")
                name = f"column-{index_of[column]}" if column in index_of else path
                errors[name] = reason
        else:
            return HttpResponseRedirect(reverse("import-preview", args=[run.pk]))
    context = {
        "run": run,
        "columns": _columns(run, chosen),
        "update_rule": rule,
        "update_rules": UPDATE_RULE_OPTIONS,
        "errors": errors,
        "step": _steps(2, "Map columns"),
        "required": "at least one of email, user id or phone"
        if run.kind == "contacts"
        else "order id and placed at; email or user id on every row",
    }
    return render(request, "ingest/import_mapping.html", context, status=status)


@page("contacts.import")
def preview(request, run_id: int):
    """Step 3: the first rows as they will be imported, each with what the import says."""
    run = _run(request, run_id)
    if run.status != Status.UPLOADED:
        return HttpResponseRedirect(reverse("import-run", args=[run.pk]))
    rows = import_runs.preview(run)
    fields = list(run.mapping.values())
    listed = [
        {
            "row": item["row"],
            **{f"f{i}": item["values"].get(f, "") for i, f in enumerate(fields)},
            "result": f"{item['error'].field}: {item['error'].reason}" if item["error"] else "OK",
        }
        for item in rows
    ]
    columns = [Column("row", "Row", format="count", sortable=True), Column("result", "Check")]
    columns += [Column(f"f{i}", _field_label(f)) for i, f in enumerate(fields)]
    table = Table(
        request,
        listed,
        columns,
        default_sort="row",
        per_page=import_runs.SAMPLE_ROWS,
        caption="The first rows as they will be imported",
        html_id="preview",
    )
    context = {
        "run": run,
        "table": table,
        "bad": sum(1 for item in rows if item["error"]),
        "shown": len(rows),
        "ignored": [h for h in run.headers if h not in run.mapping],
        "step": _steps(3, "Preview"),
    }
    return render(request, "ingest/import_preview.html", context)


@require_POST
@page("contacts.import")
def start(request, run_id: int):
    """Step 4: queue the import (once) and show its progress."""
    run = _run(request, run_id)
    try:
        import_runs.start(run, actor=request.user)
    except ValidationFailed:
        return HttpResponseRedirect(reverse("import-mapping", args=[run.pk]))
    return HttpResponseRedirect(reverse("import-run", args=[run.pk]))


def _progress_context(request, run: ImportRun) -> dict:
    finished = run.status in (Status.DONE, Status.REFUSED, Status.FAILED)
    table = None
    if run.rejected:
        table = Table(
            request,
            import_runs.rejections(run),
            REJECTION_COLUMNS,
            default_sort="row",
            csv_url=reverse("import-rejected", args=[run.pk]),
            caption="Rejected rows",
            html_id="rejected",
        )
    return {
        "run": run,
        "finished": finished,
        "rate": import_runs.rate(run),
        "table": table,
        "percent": round(100 * run.rows_done / run.row_count) if run.row_count else 0,
    }


@page("contacts.import")
def run_page(request, run_id: int):
    """The run: its progress while it runs, then its report."""
    run = _run(request, run_id)
    if run.status == Status.UPLOADED:
        return HttpResponseRedirect(reverse("import-mapping", args=[run.pk]))
    context = _progress_context(request, run)
    context["step"] = _steps(4, "Import")
    return render(request, "ingest/import_run.html", context)


@page("contacts.import")
def progress(request, run_id: int):
    """The progress part of the run page (polled by HTMX until the run finishes)."""
    run = _run(request, run_id)
    return render(request, "ingest/_import_progress.html", _progress_context(request, run))


@page("contacts.import")
def rejected_csv(request, run_id: int):
    """The rejected rows as CSV: row number, field and reason."""
    run = _run(request, run_id)
    table = Table(request, import_runs.rejections(run), REJECTION_COLUMNS, default_sort="row")
    return table.csv_response(f"import-{run.pk}-rejected-rows.csv")
