"""The ``pacer`` command: clear errors for bad arguments, real work for good ones."""

import json

import pytest

from pacer.cli import main
from pacer.ingest.models import Event
from pacer.people.models import Contact

pytestmark = pytest.mark.django_db


def test_import_reports_a_missing_file_and_bad_mapping(workspace, tmp_path, capsys):
    assert main(["import", "contacts", str(tmp_path / "nope.csv"), "--workspace", "acme"]) == 2
    assert "error: file: " in capsys.readouterr().err
    path = tmp_path / "people.csv"
    path.write_text("mail,name\nann@x.com,Ann\n")
    assert main(["import", "contacts", str(path), "--workspace", "acme", "--map", "mail"]) == 2
    assert "error: --map: 'mail' must look like column=field" in capsys.readouterr().err
    assert Contact.objects.count() == 0


def test_import_contacts_with_mapping_and_rejected_rows(workspace, tmp_path, capsys):
    path = tmp_path / "people.csv"
    path.write_text("mail,name\nann@x.com,Ann\nbroken,Bob\n")
    args = [
        "import",
        "contacts",
        str(path),
        "--workspace",
        "acme",
        "--map",
        "mail=email",
        "--map",
        "name=first_name",
    ]
    assert main(args) == 1
    assert "row 3: email: 'broken' is not a valid email address" in capsys.readouterr().err
    assert Contact.objects.count() == 0
    path.write_text("mail,name\nann@x.com,Ann\n")
    assert main(args) == 0
    assert "1 created" in capsys.readouterr().out
    assert Contact.objects.get().first_name == "Ann"


def test_simulate_validates_arguments_and_ingests_with_ground_truth(db, tmp_path, capsys):
    assert main(["simulate", "--contacts", "0"]) == 2
    assert "error: --contacts: must be at least 1" in capsys.readouterr().err
    truth = tmp_path / "truth.json"
    code = main(["simulate", "--contacts", "200", "--months", "2", "--truth", str(truth)])
    assert code == 0
    realised = json.loads(truth.read_text())["realised"]
    assert Event.objects.count() == realised["events"]
    assert Contact.objects.filter(merged_into__isnull=True).count() == realised["contacts"]
