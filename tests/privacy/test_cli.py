"""``pacer privacy export|erase``."""

import json

import pytest

from pacer.cli import main
from pacer.core import actions
from pacer.people.models import Contact
from pacer.privacy.models import PrivacyRequest
from tests.privacy.conftest import ERIN_EMAIL, ERIN_USER

pytestmark = pytest.mark.django_db


def test_export_to_a_file_and_to_stdout(people_in_db, tmp_path, capsys):
    path = tmp_path / "erin.json"
    assert (
        main(["privacy", "export", "--workspace", "acme", "--email", ERIN_EMAIL, "-o", str(path)])
        == 0
    )
    assert sorted(json.loads(path.read_text())["contact_ids"]) == sorted(people_in_db.erin)
    capsys.readouterr()
    assert main(["privacy", "export", "--workspace", "acme", "--user-id", ERIN_USER]) == 0
    assert json.loads(capsys.readouterr().out)["operational"]["people.order"][0]["total"] == "80.00"


def test_erase_needs_yes_and_an_allowed_actor(workspace, people_in_db, capsys):
    erase = ["privacy", "erase", "--workspace", "acme", "--email", ERIN_EMAIL]
    assert main(erase) == 2
    assert "error: --yes: erasure cannot be undone" in capsys.readouterr().err
    actions.create_user(workspace, "mo", "long-password-1", "marketer")
    assert main([*erase, "--yes", "--as", "mo"]) == 2
    assert "allows privacy.erase" in capsys.readouterr().err
    assert main(["privacy", "erase", "--workspace", "acme", "--yes"]) == 2
    assert "error: identifiers: give at least one of" in capsys.readouterr().err
    assert Contact.objects.filter(id__in=people_in_db.erin).count() == 2
    assert PrivacyRequest.objects.count() == 0

    actions.create_user(workspace, "root", "long-password-1", "admin")
    assert main([*erase, "--yes", "--as", "root"]) == 0
    assert "done: " in capsys.readouterr().out
    assert not Contact.objects.filter(id__in=people_in_db.erin).exists()
    assert PrivacyRequest.objects.get().actor_label == "root"
