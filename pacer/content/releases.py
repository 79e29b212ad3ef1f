"""Talent releases: a person shown in an asset signs a release for some territories,
channels and days; from then on every use of the asset must be covered by a release of
each person in it (``pacer.content.rights``)."""

from django.db import transaction

from pacer.content.assets import clean_rights
from pacer.content.models import Asset, TalentRelease
from pacer.core import audit
from pacer.core.errors import ValidationFailed, check_text


def _release_terms(asset: Asset, values: dict) -> dict:
    """A release's person, document and terms, cleaned, or ``ValidationFailed`` naming
    each bad field (``person``, ``document``, ``territories``, ``channels``, ``starts_on``,
    ``ends_on``)."""
    errors: dict[str, str] = {}
    person = check_text(errors, "person", values.get("person"), 200, required=True)
    terms = clean_rights(
        {
            "territories": values.get("territories") or "",
            "channels": values.get("channels") or "",
            "rights_start": values.get("starts_on"),
            "rights_end": values.get("ends_on"),
        },
        errors,
    )
    for old, new in (("rights_start", "starts_on"), ("rights_end", "ends_on")):
        if old in errors:
            errors[new] = errors.pop(old)
    document = None
    document_id = values.get("document_id")
    if document_id not in (None, ""):
        wanted = str(document_id).strip()
        if wanted.isdecimal() and len(wanted) < 19:
            document = Asset.objects.filter(workspace_id=asset.workspace_id, pk=wanted).first()
        if document is None:
            errors["document"] = "no such asset in this workspace"
        elif document.pk == asset.pk:
            errors["document"] = "the release document must be another asset"
    if errors:
        raise ValidationFailed(errors)
    return {
        "person": person,
        "document": document,
        "territories": terms["territories"],
        "channels": terms["channels"],
        "starts_on": terms["rights_start"],
        "ends_on": terms["rights_end"],
    }


@transaction.atomic
def add_release(
    asset: Asset,
    *,
    person,
    document_id=None,
    territories="",
    channels="",
    starts_on=None,
    ends_on=None,
    actor=None,
) -> TalentRelease:
    """Record a person's talent release for ``asset``: from then on every use of the asset
    must be covered by a release of each person in it (``pacer.content.rights``)."""
    terms = _release_terms(
        asset,
        {
            "person": person,
            "document_id": document_id,
            "territories": territories,
            "channels": channels,
            "starts_on": starts_on,
            "ends_on": ends_on,
        },
    )
    release = TalentRelease.objects.create(workspace_id=asset.workspace_id, asset=asset, **terms)
    audit.record(
        asset.workspace,
        "asset.release",
        release,
        actor=actor,
        after={"asset": asset.pk, "person": terms["person"], "ends_on": str(terms["ends_on"])},
    )
    return release


RELEASE_FIELDS = ("person", "document_id", "territories", "channels", "starts_on", "ends_on")


@transaction.atomic
def update_release(release: TalentRelease, values: dict, *, actor=None) -> TalentRelease:
    """Change a release's person, document or terms (``values`` holds ``RELEASE_FIELDS``;
    a field left out keeps its value). Uses already recorded are not re-checked: the
    rights are checked again when an item next enters a state that needs approval."""
    current = {
        "person": release.person,
        "document_id": release.document_id,
        "territories": release.territories,
        "channels": release.channels,
        "starts_on": release.starts_on,
        "ends_on": release.ends_on,
    }
    terms = _release_terms(release.asset, {**current, **values})
    release = TalentRelease.objects.select_for_update().get(pk=release.pk)
    before = audit.snapshot(release, ["person", "territories", "channels", "ends_on"])
    for field, value in terms.items():
        setattr(release, field, value)
    release.save()
    audit.record(
        release.workspace,
        "asset.release.update",
        release,
        actor=actor,
        before=before,
        after=audit.snapshot(release, list(before)),
    )
    return release


@transaction.atomic
def remove_release(release: TalentRelease, *, actor=None) -> None:
    """Delete a release (recorded by mistake, or revoked): the person in the asset is then
    covered only by their other releases, if any."""
    audit.record(
        release.workspace,
        "asset.release.remove",
        release,
        actor=actor,
        before={"asset": release.asset_id, "person": release.person},
    )
    release.delete()
