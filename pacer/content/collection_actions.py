"""A collection of assets renamed or described, an asset taken out of it, and the
collection deleted.

Deleting a collection deletes no asset. The partners it is shared with stop seeing it on
their portal (the shares end with it; their download log stays, it names the assets).
A collection that has share links, in any state, is not deleted: a link's download
counts and refused downloads belong to it, and its holders are told "revoked", not
"not found" — revoke its links and keep it, or empty it."""

from django.db import transaction

from pacer.content.assets import DESCRIPTION_LIMIT
from pacer.content.models import Asset, Collection, PartnerShare, ShareLink
from pacer.core import audit
from pacer.core.errors import ValidationFailed, check_text


@transaction.atomic
def edit(collection: Collection, name=None, description=None, *, actor=None) -> Collection:
    """A new name (unique in the workspace) and/or description (up to
    ``assets.DESCRIPTION_LIMIT`` characters); None keeps the field. Every refusal at
    once, naming its field; an edit that changes nothing writes nothing."""
    errors: dict[str, str] = {}
    changes = {}
    if name is not None:
        changes["name"] = check_text(errors, "name", name, 200, required=True)
    if description is not None:
        changes["description"] = check_text(errors, "description", description, DESCRIPTION_LIMIT)
    locked = Collection.objects.select_for_update().get(pk=collection.pk)
    taken = Collection.objects.filter(workspace_id=locked.workspace_id, name=changes.get("name"))
    if "name" not in errors and taken.exclude(pk=locked.pk).exists():
        errors["name"] = f"'{changes['name']}' is already a collection"
    if errors:
        raise ValidationFailed(errors)
    changed = [field for field, value in changes.items() if value != getattr(locked, field)]
    if not changed:
        return locked
    before = audit.snapshot(locked, changed)
    for field in changed:
        setattr(locked, field, changes[field])
    locked.save(update_fields=changed)
    audit.record(
        locked.workspace,
        "asset.collection_edit",
        locked,
        actor=actor,
        before=before,
        after=audit.snapshot(locked, changed),
    )
    return locked


@transaction.atomic
def uncollect(collection: Collection, asset: Asset, *, actor=None) -> None:
    """Take an asset out of the collection (the asset stays in the library); one that is
    not in it is refused naming ``asset``."""
    locked = Collection.objects.select_for_update().get(pk=collection.pk)
    if not locked.assets.filter(pk=asset.pk).exists():
        raise ValidationFailed({"asset": f"{asset.name} is not in {locked.name}"})
    locked.assets.remove(asset)
    audit.record(
        locked.workspace, "asset.uncollect", locked, actor=actor, before={"asset": asset.pk}
    )


def deletion(collection: Collection) -> dict:
    """What deleting the collection would do, or why it cannot: ``links`` (its share
    links: any refuses it), ``partners`` (names of the partners it is shared with, who
    stop seeing it) and ``assets`` (how many it holds; none is deleted)."""
    return {
        "links": ShareLink.objects.filter(collection=collection).count(),
        "partners": list(
            PartnerShare.objects.filter(collection=collection)
            .order_by("partner__name")
            .values_list("partner__name", flat=True)
        ),
        "assets": collection.assets.count(),
    }


@transaction.atomic
def delete(collection: Collection, *, actor=None) -> dict:
    """Delete the collection (its assets stay in the library; its partner shares end);
    refused naming ``collection`` while it has a share link. Returns ``deletion``'s
    account of what it did."""
    locked = Collection.objects.select_for_update().get(pk=collection.pk)
    effects = deletion(locked)
    if effects["links"]:
        count = effects["links"]
        raise ValidationFailed(
            {
                "collection": f"it has {count} share link{'' if count == 1 else 's'} "
                "(with their downloads): revoke them and keep the collection, or take "
                "its assets out"
            }
        )
    audit.record(
        locked.workspace,
        "asset.collection_delete",
        locked,
        actor=actor,
        before={
            "name": locked.name,
            "assets": sorted(locked.assets.values_list("pk", flat=True)),
            "partners": sorted(
                PartnerShare.objects.filter(collection=locked).values_list("partner_id", flat=True)
            ),
        },
    )
    locked.delete()
    return effects
