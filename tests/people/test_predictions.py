"""CLV predictions are written through people's action, workspace-scoped and all or none."""

import math

import pytest

from pacer.core import actions as core_actions
from pacer.core.errors import ValidationFailed
from pacer.core.models import ChangeBatch
from pacer.people.actions import record_predictions, record_rfm
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


def test_rfm_scores_are_stored_cleared_for_those_left_out_and_published(workspace):
    ada, bob, cy = contact(workspace, "ada"), contact(workspace, "bob"), contact(workspace, "cy")
    other = core_actions.create_workspace("Other", slug="other")
    stranger = contact(other, "eve")
    Contact.objects.filter(pk=bob.pk).update(rfm_code="111", rfm_segment="Lost")
    scored = record_rfm(
        workspace, {ada.pk: ("545", "Champions"), cy.pk: ("311", "New"), stranger.pk: ("111", "X")}
    )
    assert scored == 2
    stored = dict(Contact.objects.values_list("pk", "rfm_code"))
    assert stored == {ada.pk: "545", bob.pk: "", cy.pk: "311", stranger.pk: ""}
    assert Contact.objects.get(pk=ada.pk).rfm_segment == "Champions"
    assert Contact.objects.get(pk=bob.pk).rfm_segment == ""  # no longer a customer: cleared
    (batch,) = ChangeBatch.objects.filter(source="people.rfm")
    assert sorted(batch.contact_ids) == sorted([ada.pk, bob.pk, cy.pk])


@pytest.mark.parametrize("bad", [("54", "Champions"), ("505", "Champions"), ("545", ""), ("545",)])
def test_a_malformed_rfm_score_refuses_the_whole_write(workspace, bad):
    ada, bob = contact(workspace, "ada"), contact(workspace, "bob")
    Contact.objects.filter(pk=bob.pk).update(rfm_code="111", rfm_segment="Lost")
    with pytest.raises(ValidationFailed) as refused:
        record_rfm(workspace, {ada.pk: ("545", "Champions"), bob.pk: bad})
    assert list(refused.value.errors) == [f"scores[{bob.pk}]"]
    assert dict(Contact.objects.values_list("pk", "rfm_code")) == {ada.pk: "", bob.pk: "111"}
    assert not ChangeBatch.objects.exists()
