"""A partner agency's login in a workspace: a member whose role (Partner) sees only the
partner portal, for the tests that check it is never handed the staff's work."""

from django.contrib.auth.models import User

from pacer.content import partners

USERNAME = "agency-pat"


def partner_login(workspace) -> User:
    """The login 'agency-pat' of a new partner 'Agency' in ``workspace``."""
    partner = partners.create_partner(workspace, name="Agency", territory="DE", channels=["print"])
    partners.add_login(
        partner, username=USERNAME, email="pat@agency.test", password="long-horse-battery-7"
    )
    return User.objects.get(username=USERNAME)
