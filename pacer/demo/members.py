"""The demo's members' email addresses, so what emails a member (an @mention's email,
an escalation to a named member) has someone to write to in the demo.

Every member the demo makes (its admin, the lead staff of each location, the colleagues
on the boards) gets ``first.last@<workspace slug>.pacer.test`` (``.test`` is reserved: no
real mailbox is ever written to; without ``PACER_SMTP_HOST`` the mails are files under
``$PACER_DATA_DIR/outbox``). A member who has an address keeps it; a name two members
share gets a number (``maria.okafor.2@``). Giving them again gives nothing.
"""

import re
import unicodedata

from django.contrib.auth import get_user_model

from pacer.core.models import Workspace
from pacer.core.selectors import members
from pacer.demo.cli import DEMO_USER, DEMO_WORKSPACE
from pacer.demo.lead_staff import ROLES, staff_username
from pacer.demo.work import PEOPLE
from pacer.people.selectors import locations

DOMAIN = "pacer.test"


def local_part(first: str, last: str, fallback: str) -> str:
    """``Tomás`` ``O'Connor`` → ``tomas.oconnor`` (ASCII letters and digits, a dot
    between the names); ``fallback`` (the username) when the names leave nothing."""
    words = []
    for name in (first, last):
        ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        word = re.sub(r"[^a-z0-9]", "", ascii_name.lower())
        if word:
            words.append(word)
    return ".".join(words) or re.sub(r"[^a-z0-9.]", "", fallback.lower()) or "member"


def demo_usernames(workspace: Workspace) -> set[str]:
    """The logins the demo makes in ``workspace``: its admin, each location's staff and
    the boards' colleagues."""
    staff = {
        staff_username(workspace, location.code, role)
        for location in locations(workspace)
        for role, *_ in ROLES
    }
    colleagues = {username for people in PEOPLE.values() for username, *_ in people}
    admin = {DEMO_USER} if workspace.slug == DEMO_WORKSPACE else set()
    return staff | colleagues | admin


def give_addresses(workspace: Workspace) -> int:
    """Give the demo's members of ``workspace`` without an address one; answers how
    many were given."""
    users = get_user_model().objects
    domain = f"{workspace.slug}.{DOMAIN}"
    everyone = [m.user for m in members(workspace)]
    taken = {u.email.lower() for u in everyone if u.email}
    found = [u for u in everyone if u.username in demo_usernames(workspace)]
    given = 0
    for user in sorted(found, key=lambda u: u.pk):
        if user.email:
            continue
        local = local_part(user.first_name, user.last_name, user.username)
        address, number = f"{local}@{domain}", 1
        while address in taken:
            number += 1
            address = f"{local}.{number}@{domain}"
        given += users.filter(pk=user.pk, email="").update(email=address)
        taken.add(address)
    return given
