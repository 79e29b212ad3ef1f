"""CLV predictions are written through people's action, workspace-scoped and all or none."""

import math

import pytest

from pacer.core import actions as core_actions
from pacer.core.errors import ValidationFailed
from pacer.core.models import ChangeBatch
from pacer.people.actions import record_predictions
from pacer.people.models import Contact


def contact(workspace, name):
    return Contact.objects.create(workspace=workspace, email=f"{name}@x.test")


def test_predictions_are_stored_on_the_workspaces_contacts_and_published(workspace):
    ada, bob = contact(workspace, "ada"), contact(workspace, "bob")
    other = core_actions.create_workspace("Other", slug="other")
    stranger = contact(other, "eve")
    updated = record_predictions(
        workspace, {ada.pk: (120.5, 0.8, 1.25), stranger.pk: (9.0, 0.1, 0.5), 999_999: (1, 1, 1)}
    )
    assert updated == 1
    ada.refresh_from_db(), bob.refresh_from_db(), stranger.refresh_from_db()
    assert (ada.predicted_clv, ada.p_alive, ada.expected_purchases_90d) == (120.5, 0.8, 1.25)
    assert bob.predicted_clv is None and stranger.predicted_clv is None
    (batch,) = ChangeBatch.objects.filter(source="people.predictions")
    assert batch.workspace_id == workspace.pk and batch.contact_ids == [ada.pk]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_non_finite_prediction_refuses_the_whole_write(workspace, bad):
    ada, bob = contact(workspace, "ada"), contact(workspace, "bob")
    with pytest.raises(ValidationFailed) as refused:
        record_predictions(workspace, {ada.pk: (10.0, 0.5, 1.0), bob.pk: (bad, 0.5, 1.0)})
    assert refused.value.errors == {f"predictions[{bob.pk}]": "must be three finite numbers"}
    assert not Contact.objects.filter(predicted_clv__isnull=False).exists()
    assert not ChangeBatch.objects.exists()
