"""Leads from a CSV file, uploaded on a page (``/leads/import/``): the same
all-or-nothing capture as ``pacer import-leads`` (``actions.capture_rows``): every row
checked first, any refusal listed by row and field with nothing written; a file
imported again adds no second lead."""

import re

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from pacer.core import clock
from pacer.core.errors import ValidationFailed
from pacer.core.permissions import page
from pacer.leads.actions import capture_rows
from pacer.leads.lead_csv import COLUMNS, MAX_BYTES, MAX_ROWS, read_rows, too_big

ROW_ERROR = re.compile(r"rows\[(\d+)\]\.(.+)")


def _rows(upload) -> list[dict]:
    """The file's rows under its header; ValidationFailed naming ``file`` otherwise."""
    if upload is None:
        raise ValidationFailed({"file": "choose a CSV file"})
    if upload.size > MAX_BYTES:
        raise too_big(upload.size)
    return read_rows(upload.read())


def _row_problems(errors: dict) -> list[str]:
    """``rows[i].field`` refusals as "Row 3 (line 4): email: …", in row order."""
    found = []
    for key, reason in errors.items():
        match = ROW_ERROR.fullmatch(key)
        if match:
            index = int(match[1])
            found.append((index, f"Row {index + 1} (line {index + 2}): {match[2]}: {reason}"))
        else:
            found.append((-1, f"{key}: {reason}"))
    return [text for _, text in sorted(found, key=lambda pair: pair[0])]


@page("leads.configure")
def import_leads(request):
    errors, problems = {}, []
    if request.method == "POST":
        try:
            rows = _rows(request.FILES.get("file"))
            captured = capture_rows(request.workspace, rows, source="csv", received_at=clock.now())
        except ValidationFailed as error:
            if "file" in error.errors:
                errors = {"file": error.errors["file"]}
            else:
                problems = _row_problems(error.errors)
                count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
                errors = {"file": f"nothing was imported: {count}, below"}
        else:
            new = sum(c.status == "accepted" for c in captured)
            messages.success(
                request,
                f"{len(captured)} rows: {new} new leads, {len(captured) - new} already imported.",
            )
            return HttpResponseRedirect(reverse("lead-import"))
    context = {"errors": errors, "problems": problems, "columns": COLUMNS, "max_rows": MAX_ROWS}
    return render(request, "leads/import.html", context, status=422 if errors else 200)
