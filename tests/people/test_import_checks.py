"""The contact import's row checks: the fast email pattern accepts only what Django's
``validate_email`` accepts, and everything else is still judged by ``validate_email``."""

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from pacer.core.errors import FieldError
from pacer.people.imports import PLAIN_EMAIL, check_email


@settings(max_examples=400, deadline=None)
@given(st.from_regex(PLAIN_EMAIL, fullmatch=True))
def test_what_the_fast_pattern_takes_django_takes(email):
    if len(email) <= 320:
        validate_email(email)  # raises if the pattern ever took more than Django does


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="aZ9.-_+@ éß\"'[]:", min_size=1, max_size=40))
def test_check_email_agrees_with_django(email):
    try:
        validate_email(email)
    except ValidationError:
        with pytest.raises(FieldError):
            check_email(email)
    else:
        check_email(email)


@pytest.mark.parametrize(
    "email",
    [
        "a@b",
        "a@-b.com",
        "a@b-.com",
        "a..b@c.com",
        ".a@c.com",
        "a@c.c",
        "a@c.com.",
        "a b@c.com",
        "a@" + "b" * 64 + ".com",
        "a" * 310 + "@example.com",
    ],
)
def test_addresses_django_refuses_are_refused(email):
    with pytest.raises(ValidationError):
        validate_email(email)
    with pytest.raises(FieldError) as refused:
        check_email(email)
    assert refused.value.field == "email"


@pytest.mark.parametrize(
    "email",
    ["ada@example.com", "A.Lovelace+x@Mail.Example.CO.uk", "ada@exämple.com", "a@localhost"],
)
def test_addresses_django_accepts_are_accepted(email):
    validate_email(email)
    check_email(email)
