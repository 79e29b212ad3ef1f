"""The demo's admin has a name, so pages name them as a person ("Jordan Ellis"), not as
the login "demo"; a demo made before they had one gets it, one given since is kept."""

import pytest
from django.contrib.auth.models import User

from pacer.demo.cli import DEMO_USER, ensure_demo_workspace
from pacer.web.formats import person

pytestmark = pytest.mark.django_db


def test_the_demo_admin_is_named_once_and_keeps_a_name_given_since():
    ensure_demo_workspace()
    admin = User.objects.get(username=DEMO_USER)
    assert person(admin) == "Jordan Ellis"
    User.objects.filter(pk=admin.pk).update(first_name="", last_name="")  # an older demo
    ensure_demo_workspace()
    assert person(User.objects.get(pk=admin.pk)) == "Jordan Ellis"
    User.objects.filter(pk=admin.pk).update(first_name="Sam", last_name="")
    ensure_demo_workspace()
    assert person(User.objects.get(pk=admin.pk)) == "Sam"
    assert User.objects.filter(username=DEMO_USER).count() == 1
