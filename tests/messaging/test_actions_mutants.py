"""Rules of ``pacer.messaging.actions`` that its seeded mutant sample (stop 39, ``10:3912``)
showed no test of the sample's selection pinned: each test here fails on the mutants
named in docs/testing.md."""

import itertools
from datetime import UTC, datetime

import pytest

from pacer.core.errors import ValidationFailed
from pacer.messaging import actions
from pacer.messaging.models import Broadcast

pytestmark = pytest.mark.django_db
NUMBERS = itertools.count()
PURPOSE_REASON = "must be text of 1 to 60 characters"


def _draft(workspace, **fields) -> Broadcast:
    template = actions.save_template(
        workspace, name=f"T{next(NUMBERS)}", subject="Hi", html="<p>Hi</p>"
    )
    sender = actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    return actions.create_broadcast(
        workspace,
        name="Spring",
        template_id=template.pk,
        sender_id=sender.pk,
        audience={"all": True},
        **fields,
    )


def test_a_purpose_of_one_to_sixty_characters_is_kept_and_any_other_refused(workspace):
    assert _draft(workspace, purpose="x").purpose == "x"
    assert _draft(workspace, purpose="p" * 60).purpose == "p" * 60
    for bad in ("", "p" * 61, 7):
        with pytest.raises(ValidationFailed) as refused:
            _draft(workspace, purpose=bad)
        assert refused.value.errors == {"purpose": PURPOSE_REASON}
    assert sorted(Broadcast.objects.values_list("purpose", flat=True)) == ["p" * 60, "x"]


def test_a_broadcast_keeps_only_the_time_its_schedule_uses(workspace):
    at = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    now = _draft(workspace, schedule="now", send_at=at, send_local="2026-06-01T09:00")
    timed = _draft(workspace, schedule="at", send_at=at, send_local="2026-06-01T09:00")
    local = _draft(workspace, schedule="local", send_at=at, send_local="2026-06-01T09:00")
    stored = {
        b.pk: (b.schedule, b.send_at, b.send_local)
        for b in Broadcast.objects.filter(pk__in=[now.pk, timed.pk, local.pk])
    }
    assert stored == {
        now.pk: ("now", None, ""),
        timed.pk: ("at", at, ""),
        local.pk: ("local", None, "2026-06-01T09:00"),
    }
