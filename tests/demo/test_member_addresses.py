"""The demo's members have email addresses (issue 11: without them an @mention in the
demo emailed no one): its admin, each location's lead staff and the boards' colleagues
get ``first.last@<slug>.pacer.test``, once; a member with an address keeps it, a member
the demo did not make gets none, a shared name gets a number; and a mention then queues
its email to the mentioned colleague."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User

from pacer.core import actions as core
from pacer.core import outbox
from pacer.core.models import Role
from pacer.demo.cli import DEMO_USER, ensure_demo_workspace
from pacer.demo.lead_staff import staff_username
from pacer.demo.members import give_addresses, local_part
from pacer.people.actions import upsert_locations
from pacer.work import actions as work
from pacer.work import comments

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 4, 10, tzinfo=UTC)


def _make(workspace, username: str, first: str, last: str, email: str = "") -> User:
    user = core.create_user(workspace, username, "correct-horse-9", Role.MARKETER, email=email)
    User.objects.filter(pk=user.pk).update(first_name=first, last_name=last)
    return user


def _addresses() -> dict[str, str]:
    return dict(User.objects.values_list("username", "email"))


@pytest.fixture
def demo():
    """The demo workspace with its admin, North's three staff (two share a name), a
    colleague with an accent, one with an address of their own, and a member the demo
    did not make."""
    workspace = ensure_demo_workspace()
    upsert_locations(workspace, [{"code": "north", "name": "North"}])
    _make(workspace, staff_username(workspace, "north", "front"), "Maria", "Okafor")
    _make(workspace, staff_username(workspace, "north", "parttime"), "Maria", "Okafor")
    _make(workspace, staff_username(workspace, "north", "manager"), "Tomás", "O'Connor")
    _make(workspace, "mia", "Mia", "Schneider")
    _make(workspace, "noah", "Noah", "Bennett", email="noah@home.test")
    _make(workspace, "visitor", "Vera", "Real")
    return workspace


def test_the_demos_members_get_addresses_once_and_no_one_else(demo):
    assert give_addresses(demo) == 5
    assert _addresses() == {
        DEMO_USER: "jordan.ellis@demo.pacer.test",
        "demo-north-front": "maria.okafor@demo.pacer.test",
        "demo-north-parttime": "maria.okafor.2@demo.pacer.test",
        "demo-north-manager": "tomas.oconnor@demo.pacer.test",
        "mia": "mia.schneider@demo.pacer.test",
        "noah": "noah@home.test",  # kept
        "visitor": "",  # not the demo's: left alone
    }
    assert give_addresses(demo) == 0
    User.objects.filter(username="mia").update(email="mia@studio.test")  # changed since
    assert give_addresses(demo) == 0 and _addresses()["mia"] == "mia@studio.test"


def test_a_member_of_another_workspace_is_not_the_demos(demo):
    other = core.create_workspace("Other", slug="other")
    core.create_user(other, "olivia", "correct-horse-9", Role.MARKETER)  # a demo name
    give_addresses(demo)
    assert _addresses()["olivia"] == ""


def test_names_without_letters_fall_back_to_the_username():
    assert local_part("Łukasz", "Żółć-Nowak", "x") == "ukasz.zocnowak"
    assert local_part("", "", "Demo-North_front") == "demonorthfront"
    assert local_part("李", "", "demo") == "demo"


def test_a_mention_of_a_demo_colleague_queues_their_email(demo):
    give_addresses(demo)
    board = work.create_board(
        demo,
        team="brand",
        slug="brand-board",
        name="Brand board",
        columns=[{"name": "Backlog", "stage": "todo"}, {"name": "Done", "stage": "done"}],
    )
    card = work.create_card(board, title="Poster", now=NOW)
    admin = User.objects.get(username=DEMO_USER)
    comments.add_comment(card, "@mia have a look", now=NOW, actor=admin)
    queued = list(outbox.emails(demo).values_list("to_email", "source"))
    assert queued == [("mia.schneider@demo.pacer.test", "work.mention")]
