"""The roles a member holds in a workspace, and the groups of them that permissions name.

What each role may do is declared by the domains and answered by
``pacer.core.permissions``; this module imports no models, so app configs can use it.
"""

from django.db.models import TextChoices


class Role(TextChoices):
    ADMIN = "admin", "Admin"
    MARKETER = "marketer", "Marketer"
    ANALYST = "analyst", "Analyst"
    STAFF = "staff", "Staff"
    # a partner organisation's login: sees only the partner portal (pacer.content.partners)
    PARTNER = "partner", "Partner"


EVERYONE = (Role.ADMIN, Role.MARKETER, Role.ANALYST, Role.STAFF)  # the workspace's own staff
PARTNERS = (Role.PARTNER,)
ANALYSTS = (Role.ADMIN, Role.MARKETER, Role.ANALYST)  # run reports, experiments, exports
MANAGERS = (Role.ADMIN, Role.MARKETER)  # change campaigns and spend
ADMINS = (Role.ADMIN,)
