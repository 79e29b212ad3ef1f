"""Withdrawing an asset, at the expiry of its rights (the worker loop) or by hand, and
what follows for the content that uses it (where-used tracking):

- an item waiting in a state that needs approval but not yet published (approved,
  scheduled by default) goes back to a state that does not (draft by default), so it is
  not published with the asset;
- a published item stays published and is flagged;
- any other item that uses the asset (idea, draft, in review) is flagged;

each with a ``ContentFlag`` that records the reason, an audit entry and an email to the
item's owner. The asset's owner is alerted too, so are the partners who downloaded it
from the partner portal (``pacer.content.partners``), and downstream systems get a signed
``asset.withdrawn`` webhook. A withdrawal happens once: withdrawing a withdrawn asset, or
running the loop again, changes nothing. The emails are queued in the withdrawal's
transaction in the staff outbox (``pacer.core.outbox``), which sends them after COMMIT
and retries them until the server takes them.
"""

from collections import defaultdict
from datetime import date

from django.db import IntegrityError, transaction

from pacer.content import partners, selectors
from pacer.content.models import (
    Asset,
    AssetNotice,
    AssetStatus,
    ContentFlag,
    ContentItem,
    FlagKind,
)
from pacer.content.workflow import PUBLISHED
from pacer.core import audit, clock, faults, outbox
from pacer.core.errors import ValidationFailed, check_text
from pacer.messaging import webhooks

ALERT_DAYS = 14
IDLE_STATES = ("archived",)  # items there are left alone


def _notice(asset: Asset, kind: str) -> bool:
    """Record a notice once per (asset, kind, rights end); whether it is new."""
    try:
        with transaction.atomic():
            AssetNotice.objects.create(asset=asset, kind=kind, rights_end=asset.rights_end)
    except IntegrityError:
        return False
    return True


def _mail(workspace, user, key: str, subject: str, body: str) -> None:
    """Queue an email to ``user`` (if they have an address) in the caller's transaction:
    the staff outbox sends it after COMMIT, once per ``key``."""
    if user is not None and user.email:
        outbox.queue(
            workspace,
            key=f"content.{key}",
            to=user.email,
            subject=subject,
            body=body,
            source="content.assets",
        )


def _fallback_state(flow, state: str) -> str:
    """Where an item goes when an asset it waits to publish with is withdrawn: the first
    state it may move to that needs no approval, else the workflow's first such state."""
    for target in flow.allowed(state):
        if not flow.needs_approval(target) and target not in IDLE_STATES:
            return target
    return next(s["key"] for s in flow.states if not s["needs_approval"])


def _effect(flow, state: str) -> tuple[str, str] | None:
    """What a withdrawal does to an item in ``state``: (flag kind, state after), or
    ``None`` when the item is left alone (archived)."""
    if state in IDLE_STATES:
        return None
    if state == PUBLISHED:
        return FlagKind.PUBLISHED, state
    if flow.needs_approval(state):
        return FlagKind.UNSCHEDULED, _fallback_state(flow, state)
    return FlagKind.IN_PROGRESS, state


def effects(asset: Asset) -> list[dict]:
    """What withdrawing ``asset`` would do now, item by item, for the confirmation:
    ``{"item", "kind", "kind_label", "state_before", "state_after"}`` (state labels),
    archived items left out; in the order the withdrawal takes them."""
    flow = selectors.workflow(asset.workspace)
    item_ids = asset.uses.values_list("item_id", flat=True)
    found = []
    for item in ContentItem.objects.filter(pk__in=item_ids).order_by("pk"):
        effect = _effect(flow, item.state)
        if effect is None:
            continue
        kind, after = effect
        found.append(
            {
                "item": item,
                "kind": kind,
                "kind_label": FlagKind(kind).label,
                "state_before": flow.label(item.state),
                "state_after": flow.label(after),
            }
        )
    return found


def _flag_items(asset: Asset, reason: str) -> list[ContentFlag]:
    """Take the items that use ``asset`` off the schedule or flag them (see the module)."""
    now = clock.now()
    flow = selectors.workflow(asset.workspace)
    item_ids = list(asset.uses.values_list("item_id", flat=True))
    users = ContentItem.objects.select_for_update(of=("self",)).filter(pk__in=item_ids)
    flags = []
    for item in users.select_related("owner").order_by("pk"):
        effect = _effect(flow, item.state)
        if effect is None:
            continue
        before = item.state
        kind, after = effect
        if after != before:
            item.state = after
            item.save(update_fields=["state"])
        flag, created = ContentFlag.objects.get_or_create(
            item=item,
            asset=asset,
            withdrawn_at=asset.withdrawn_at,
            defaults={
                "workspace": asset.workspace,
                "kind": kind,
                "reason": f"'{asset.name}' was withdrawn: {reason}",
                "state_before": before,
                "created_at": now,
            },
        )
        if not created:
            continue
        flags.append(flag)
        audit.record(
            item.workspace,
            "content.flag",
            item,
            actor_label="asset withdrawal",
            before={"state": before},
            after={"state": item.state, "flag": kind, "asset": asset.pk},
        )
    by_owner = defaultdict(list)
    for flag in flags:
        by_owner[flag.item.owner].append(flag)
    for owner, owned in by_owner.items():  # one email per owner
        if owner is None:
            continue
        lines = "\n".join(f"- {f.item.title}: {f.get_kind_display().lower()}" for f in owned)
        _mail(
            asset.workspace,
            owner,
            f"withdrawn:{asset.pk}:{asset.withdrawn_at.isoformat()}:items-of:{owner.pk}",
            f"'{asset.name}' was withdrawn: {len(owned)} of your items need attention",
            f"'{asset.name}' was withdrawn ({reason}). Replace it in:\n{lines}",
        )
    return flags


def _withdraw(asset: Asset, *, reason: str, key: str, actor=None, actor_label="") -> list:
    """Withdraw a locked active asset and deal with where it is used."""
    asset.status, asset.withdrawn_at = AssetStatus.WITHDRAWN, clock.now()
    asset.withdrawn_reason = reason
    asset.save(update_fields=["status", "withdrawn_at", "withdrawn_reason"])
    flags = _flag_items(asset, reason)
    used_in = sorted(asset.uses.values_list("item_id", flat=True))
    webhooks.emit(
        asset.workspace_id,
        "asset.withdrawn",
        key,
        {
            "id": asset.pk,
            "name": asset.name,
            "reason": reason,
            "rights_end": str(asset.rights_end) if asset.rights_end else None,
            "used_in_content": used_in,
            "unscheduled": sorted(f.item_id for f in flags if f.kind == FlagKind.UNSCHEDULED),
        },
    )
    _mail(
        asset.workspace,
        asset.owner,
        f"withdrawn:{asset.pk}:{asset.withdrawn_at.isoformat()}:asset",
        f"'{asset.name}' was withdrawn",
        f"'{asset.name}' was withdrawn ({reason}); it is used in {len(used_in)} content "
        f"item(s), {len(flags)} of which now need attention.",
    )
    partners.notify_withdrawn(asset, reason)
    audit.record(
        asset.workspace,
        "asset.withdraw",
        asset,
        actor=actor,
        actor_label=actor_label,
        after={"reason": reason, "flagged": [f.item_id for f in flags]},
    )
    return flags


@transaction.atomic
def withdraw_asset(asset: Asset, *, reason, actor=None) -> list[ContentFlag]:
    """Withdraw an asset by hand (a licence revoked, a complaint): it may be used nowhere
    until its rights are edited; the items that use it follow (see the module). Returns
    the new flags; an asset already withdrawn is left as it is (no flags)."""
    errors: dict[str, str] = {}
    reason = check_text(errors, "reason", reason, 500, required=True)
    if errors:
        raise ValidationFailed(errors)
    locked = Asset.objects.select_for_update(of=("self",)).select_related("owner").get(pk=asset.pk)
    if locked.status == AssetStatus.WITHDRAWN:
        return []
    key = f"{locked.pk}:manual:{clock.now().isoformat()}"
    return _withdraw(locked, reason=reason, key=key, actor=actor)


def expire_assets(today: date | None = None) -> int:
    """Alert owners of assets whose rights end within ``ALERT_DAYS`` days, and withdraw
    active assets whose rights ended before ``today`` (emitting ``asset.withdrawn``).
    Each alert and withdrawal happens once however often this runs; returns how many."""
    today = today or clock.now().date()
    done = 0
    soon = Asset.objects.filter(
        status=AssetStatus.ACTIVE,
        rights_end__gte=today,
        rights_end__lte=today.fromordinal(today.toordinal() + ALERT_DAYS),
    ).select_related("owner")
    for asset in soon:
        with transaction.atomic():
            if _notice(asset, "expiring"):
                _mail(
                    asset.workspace,
                    asset.owner,
                    f"expiring:{asset.pk}:{asset.rights_end}",
                    f"Rights for '{asset.name}' end on {asset.rights_end}",
                    f"The usage rights of '{asset.name}' end on {asset.rights_end}; "
                    "renew them or replace the asset where it is used.",
                )
                faults.point("content.expiry.alerted")  # notice and email written, before COMMIT
                done += 1
    ended = Asset.objects.filter(status=AssetStatus.ACTIVE, rights_end__lt=today)
    for asset_id in ended.values_list("pk", flat=True):
        with transaction.atomic():
            asset = (
                Asset.objects.select_for_update(of=("self",))
                .select_related("owner")
                .filter(pk=asset_id, status=AssetStatus.ACTIVE)
                .first()
            )
            if asset is None:
                continue  # withdrawn by a concurrent run
            _notice(asset, "withdrawn")
            _withdraw(
                asset,
                reason=f"its rights ended {asset.rights_end}",
                key=f"{asset.pk}:{asset.rights_end}",
                actor_label="expiry",
            )
            faults.point("content.expiry.withdrawn")  # all of it written, before COMMIT
            done += 1
    return done


@transaction.atomic
def clear_flag(flag: ContentFlag, *, note, actor) -> ContentFlag:
    """Mark a flag dealt with (the asset replaced, or the use judged fine), with a note of
    what was done; clearing a cleared flag changes nothing."""
    errors: dict[str, str] = {}
    note = check_text(errors, "note", note, 500, required=True)
    if errors:
        raise ValidationFailed(errors)
    flag = ContentFlag.objects.select_for_update().select_related("item").get(pk=flag.pk)
    if flag.resolved_at is not None:
        return flag
    flag.resolved_at, flag.resolved_by, flag.resolution = clock.now(), actor, note
    flag.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    audit.record(
        flag.workspace,
        "content.flag.clear",
        flag.item,
        actor=actor,
        after={"flag": flag.pk, "asset": flag.asset_id, "note": note},
    )
    return flag
