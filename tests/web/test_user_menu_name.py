"""The user menu names the signed-in member as every page names people (the full name,
else the username)."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_user_menu_shows_the_full_name_else_the_username(admin):
    client = Client()
    assert client.login(username="ada", password="correct-horse-1")
    assert '<p class="user-name">ada <span class="user-role">' in client.get("/").content.decode()
    User.objects.filter(pk=admin.pk).update(first_name="Ada", last_name="Lovelace")
    page = client.get("/").content.decode()
    assert '<p class="user-name">Ada Lovelace <span class="user-role">' in page
