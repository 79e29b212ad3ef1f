"""The import wizard through Django's test client: upload, map, preview, run (the queued
task processed as the db_worker does), progress and report, rejected-row CSV."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from pacer.core import actions
from pacer.core.models import Role
from pacer.ingest import import_runs
from pacer.ingest.models import ImportFile, ImportRejection, ImportRun
from pacer.people.actions import upsert_locations
from pacer.people.models import Contact, Identity, Order, OrderLine

pytestmark = pytest.mark.django_db

CONTACTS = (
    "E-mail,First Name,Store,Tier,Notes\n"
    "ann@x.com,Ann,AUS,gold,likes tea\n"
    "BOB@x.com,Bob,,silver,\n"
    "ann@x.com,,AUS,,repeat\n"
    "cy@x.com,Cy,AUS,,\n"
)
BAD_CONTACTS = (
    "email,first_name,location\n"
    "good@x.com,G,\n"
    "not-an-email,B,\n"
    "ok@x.com,O,NOPE\n"
    ",Nobody,\n"
    "fine@x.com,F,AUS\n"
)


def run_queued_tasks() -> int:
    """Run every ready task the way ``db_worker`` does (claim, then ``run_task``)."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    ran = 0
    while (result := DBTaskResult.objects.ready().order_by("enqueued_at").first()) is not None:
        result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1
    return ran


@pytest.fixture
def client(workspace, admin):
    upsert_locations(workspace, [{"code": "AUS", "name": "Austin"}])
    client = Client()
    client.login(username="ada", password="correct-horse-1")
    return client


def upload(client, text: str, kind: str = "contacts", name: str = "people.csv"):
    file = SimpleUploadedFile(name, text.encode(), content_type="text/csv")
    return client.post("/imports/", {"kind": kind, "file": file})


def test_the_wizard_imports_contacts_with_the_guessed_and_edited_mapping(client, workspace):
    response = upload(client, CONTACTS)
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{run.pk}/mapping/"
    assert (run.kind, run.row_count, run.status) == ("contacts", 4, "uploaded")
    assert run.headers == ["E-mail", "First Name", "Store", "Tier", "Notes"]
    # guessed from the names: Tier and Notes are not fields, so they are ignored
    assert run.mapping == {"E-mail": "email", "First Name": "first_name", "Store": "location"}
    assert ImportFile.objects.get(run=run).text == CONTACTS
    assert Contact.objects.count() == 0

    page = client.get(f"/imports/{run.pk}/mapping/").content.decode()
    assert 'name="column-3"' in page and "e.g. gold, silver" in page
    response = client.post(
        f"/imports/{run.pk}/mapping/",
        {
            "column-0": "email",
            "column-1": "first_name",
            "column-2": "location",
            "column-3": "trait:tier",
            "column-4": "",
            "update_rule": "if_not_empty",
        },
    )
    assert response["Location"] == f"/imports/{run.pk}/preview/"
    run.refresh_from_db()
    assert run.mapping == {
        "E-mail": "email",
        "First Name": "first_name",
        "Store": "location",
        "Tier": "trait:tier",
    }

    page = client.get(f"/imports/{run.pk}/preview/").content.decode()
    assert "The first 4 rows pass every check" in page
    assert "bob@x.com" not in page and "BOB@x.com" in page  # as in the file, checked
    assert Contact.objects.count() == 0  # a preview writes nothing

    response = client.post(f"/imports/{run.pk}/start/")
    assert response["Location"] == f"/imports/{run.pk}/"
    run.refresh_from_db()
    assert run.status == "queued"
    progress = client.get(f"/imports/{run.pk}/progress/").content.decode()
    assert 'hx-trigger="every 1s"' in progress and "Waiting for a worker" in progress

    assert run_queued_tasks() == 1
    run.refresh_from_db()
    assert (run.status, run.rows_done, run.created, run.updated, run.skipped) == (
        "done",
        4,
        3,
        0,
        1,
    )
    assert (run.merged, run.suppressed, run.rejected) == (0, 0, 0)
    ann = Contact.objects.get(email="ann@x.com")
    assert (ann.first_name, ann.location.code, ann.traits) == ("Ann", "AUS", {"tier": "gold"})
    assert sorted(Contact.objects.values_list("email", flat=True)) == [
        "ann@x.com",
        "bob@x.com",
        "cy@x.com",
    ]
    assert Identity.objects.filter(kind="email").count() == 3

    progress = client.get(f"/imports/{run.pk}/progress/").content.decode()
    assert "hx-trigger" not in progress  # finished: the page stops polling
    assert 'id="kpi-created"' in progress and 'data-value="3"' in progress
    page = client.get(f"/imports/{run.pk}/").content.decode()
    assert "Imported 4 rows" in page


def test_a_rerun_of_the_task_or_of_the_same_file_never_doubles_rows(client, workspace):
    upload(client, CONTACTS)
    run = ImportRun.objects.get()
    client.post(f"/imports/{run.pk}/start/")
    client.post(f"/imports/{run.pk}/start/")  # a second click queues nothing
    assert DBTaskResult.objects.count() == 1
    from pacer.ingest.tasks import run_import

    run_import.enqueue(run.pk)  # the same task twice (a retry, a second worker)
    assert run_queued_tasks() == 2
    run.refresh_from_db()
    assert (run.status, run.created, run.skipped) == ("done", 3, 1)
    assert Contact.objects.count() == 3 and Identity.objects.count() == 3

    upload(client, CONTACTS)  # the same file again, through the whole wizard
    again = ImportRun.objects.latest("id")
    client.post(f"/imports/{again.pk}/start/")
    run_queued_tasks()
    again.refresh_from_db()
    assert (again.status, again.created, again.updated, again.skipped) == ("done", 0, 0, 4)
    assert Contact.objects.count() == 3 and Identity.objects.count() == 3


def test_orders_import_once_even_when_the_file_is_imported_twice(client, workspace):
    text = (
        "order_id,email,placed_at,sku,qty,price\n"
        "A1,ann@x.com,2026-01-05,TEA,2,4.50\n"
        "A1,ann@x.com,2026-01-05,CUP,1,12\n"
        "B2,bob@x.com,2026-01-06T10:00:00,TEA,1,4.50\n"
    )
    for _ in range(2):
        upload(client, text, kind="orders", name="orders.csv")
        run = ImportRun.objects.latest("id")
        assert run.mapping == {
            "order_id": "order_id",
            "email": "email",
            "placed_at": "placed_at",
            "sku": "sku",
            "qty": "quantity",
            "price": "unit_price",
        }
        client.post(f"/imports/{run.pk}/start/")
        run_queued_tasks()
    first, second = ImportRun.objects.order_by("id")
    assert (first.status, first.created, first.skipped) == ("done", 2, 0)
    assert (second.status, second.created, second.skipped) == ("done", 0, 2)
    assert Order.objects.count() == 2 and OrderLine.objects.count() == 3
    assert str(Order.objects.get(external_id="A1").total) == "21.00"


def test_rejected_rows_write_nothing_and_are_reported_exactly(client, workspace):
    upload(client, BAD_CONTACTS)
    run = ImportRun.objects.get()
    page = client.get(f"/imports/{run.pk}/preview/").content.decode()
    assert "3 of the first 5 rows would be rejected" in page
    assert "email: &#x27;not-an-email&#x27; is not a valid email address" in page
    client.post(f"/imports/{run.pk}/start/")
    run_queued_tasks()
    run.refresh_from_db()
    assert (run.status, run.rejected, run.created) == ("refused", 3, 0)
    assert Contact.objects.count() == 0 and Identity.objects.count() == 0
    response = client.get(f"/imports/{run.pk}/rejected.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows == [
        ["row", "field", "reason"],
        ["3", "email", "'not-an-email' is not a valid email address"],
        ["4", "location", "no location with code 'NOPE'"],
        ["5", "email", "the row has no identifier (email, user_id or phone)"],
    ]
    page = client.get(f"/imports/{run.pk}/").content.decode()
    assert "Nothing was imported: 3 of 5 rows were rejected" in page
    assert f'href="/imports/{run.pk}/rejected.csv?' in page


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "is empty"),
        (b"email\n", "has a header but no rows"),
        (b"\xff\xfeemail\n", "is not UTF-8 text (byte 0); save it as CSV UTF-8"),
        (b"email,email\na@x.com,b@x.com\n", "has two columns &#x27;email&#x27;"),
        (b"email,\na@x.com,1\n", "column 2 has no name in the header"),
        (b"email\na\x00@x.com\n", "is not a text file"),
    ],
)
def test_a_refused_file_writes_nothing_and_says_why(client, data, reason):
    file = SimpleUploadedFile("people.csv", data, content_type="text/csv")
    response = client.post("/imports/", {"kind": "contacts", "file": file})
    assert response.status_code == 422
    assert reason in response.content.decode()
    assert ImportRun.objects.count() == 0 and ImportFile.objects.count() == 0


def test_a_file_over_the_size_bound_is_refused_before_it_is_read(client, settings):
    settings.IMPORT_MAX_BYTES = 1000
    response = upload(client, "email\n" + "a@x.com\n" * 200)
    assert response.status_code == 422
    assert "is 1,606 bytes; an import takes at most 1,000 bytes" in response.content.decode()
    assert ImportRun.objects.count() == 0


def test_the_mapping_refuses_what_the_import_cannot_take_inline(client):
    upload(client, "mail,name,tier\na@x.com,A,gold\n")
    run = ImportRun.objects.get()
    assert run.mapping == {"mail": "email"}
    response = client.post(
        f"/imports/{run.pk}/mapping/",
        {"column-0": "", "column-1": "first_name", "column-2": "first_name"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "&#x27;first_name&#x27; is already the column &#x27;name&#x27;" in page
    assert 'id="field-column-2-error"' in page
    assert "People already in Pacer: must be one of" in page
    response = client.post(
        f"/imports/{run.pk}/mapping/",
        {"column-0": "", "column-1": "first_name", "update_rule": "always"},
    )
    assert "map at least one identifier: email, user_id or phone" in response.content.decode()
    run.refresh_from_db()
    assert run.mapping == {"mail": "email"} and run.update_rule == "if_not_empty"
    # the run cannot start with a mapping that lacks an identifier either
    ImportRun.objects.filter(pk=run.pk).update(mapping={"name": "first_name"})
    response = client.post(f"/imports/{run.pk}/start/")
    assert response["Location"] == f"/imports/{run.pk}/mapping/"
    assert ImportRun.objects.get().status == "uploaded" and DBTaskResult.objects.count() == 0


def test_runs_belong_to_their_workspace_and_need_the_import_permission(client, workspace):
    upload(client, CONTACTS)
    run = ImportRun.objects.get()
    other = actions.create_workspace("Other", slug="other")
    actions.create_user(other, "olga", "correct-horse-1", Role.ADMIN)
    stranger = Client()
    stranger.login(username="olga", password="correct-horse-1")
    for path in ("", "mapping/", "preview/", "progress/", "rejected.csv"):
        assert stranger.get(f"/imports/{run.pk}/{path}").status_code == 404
    assert stranger.post(f"/imports/{run.pk}/start/").status_code == 404
    assert ImportRun.objects.get().status == "uploaded"
    actions.create_user(workspace, "sam", "correct-horse-1", Role.STAFF)
    staff = Client()
    staff.login(username="sam", password="correct-horse-1")
    assert staff.get("/imports/").status_code == 403
    assert staff.post(f"/imports/{run.pk}/start/").status_code == 403
    assert ImportRun.objects.get().status == "uploaded"


def test_progress_is_recorded_while_rows_are_checked(client, workspace, monkeypatch):
    seen = []
    original = import_runs.ProgressRecorder.__call__

    def spy(self, phase, done, total):
        original(self, phase, done, total)
        seen.append((phase, ImportRun.objects.get(pk=self.run_id).rows_done))

    monkeypatch.setattr(import_runs.ProgressRecorder, "__call__", spy)
    monkeypatch.setattr("pacer.people.imports.PROGRESS_EVERY", 2)
    upload(client, "email\n" + "".join(f"p{i}@x.com\n" for i in range(5)))
    run = ImportRun.objects.get()
    client.post(f"/imports/{run.pk}/start/")
    run_queued_tasks()
    assert seen[0] == ("checking", 0)  # row 2 of the file (nothing checked yet)
    assert seen[-2:] == [("checking", 5), ("writing", 5)]
    run.refresh_from_db()
    assert (run.status, run.rows_done, run.created, run.phase) == ("done", 5, 5, "")
    assert ImportRejection.objects.count() == 0


def test_the_cli_guesses_the_mapping_as_the_wizard_does_and_shows_progress(
    workspace, tmp_path, capsys
):
    from pacer.cli import main

    path = tmp_path / "people.csv"
    path.write_text("E-mail,First Name,Notes\nann@x.com,Ann,hi\nbob@x.com,Bob,\n")
    assert main(["import", "contacts", str(path), "--workspace", "acme", "--progress"]) == 0
    out, err = capsys.readouterr()
    assert "imported 2 rows: 2 created, 0 updated, 0 unchanged or skipped" in out
    lines = err.splitlines()
    assert lines[0].startswith("checking: 2 of 2 rows (")
    assert lines[1].startswith("writing: 2 of 2 rows (")
    assert Contact.objects.get(email="ann@x.com").first_name == "Ann"
