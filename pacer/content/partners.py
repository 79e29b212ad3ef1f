"""The partner portal: partner organisations, their logins, the collections shared with
them, what their portal shows, their downloads, and the notices when an asset they
downloaded is withdrawn.

A partner uses assets in one territory on a set of allowed channels (ADR 0011). Its
portal shows the assets of the collections shared with it whose usage rights (and talent
releases) cover that territory and at least one of those channels today — a withdrawn
asset, or one whose rights have not begun or have ended, is not shown and cannot be
downloaded. Each download is for one channel and is logged (who, when, which version,
rendition and channel). When an asset is withdrawn (by hand or at the expiry of its rights), every
partner that downloaded it is told through the staff outbox (``pacer.core.outbox``):
one email per contact and per partner login that downloaded it, once per withdrawal.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from pacer.content.assets import SHARE_KINDS
from pacer.content.models import (
    Asset,
    AssetStatus,
    AssetVersion,
    Collection,
    Partner,
    PartnerDownload,
    PartnerMember,
    PartnerShare,
    Rendition,
)
from pacer.content.rights import rights_problems
from pacer.core import actions as core
from pacer.core import audit, clock, outbox
from pacer.core.channels import CHANNELS
from pacer.core.errors import ValidationFailed, check_text
from pacer.core.models import Workspace
from pacer.core.roles import Role
from pacer.core.selectors import role_of

TERRITORY = re.compile(r"^[A-Z]{2}$")
KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
CONTACT = re.compile(r"^\s*(?P<name>[^<>]*?)\s*<(?P<email>[^<>\s]+)>\s*$")
MAX_CONTACTS = 20
MAX_CHANNELS = 10


def _contacts(value, errors: dict) -> list[dict]:
    """``[{"name", "email"}]`` from a list of them or from lines ``Name <email>``."""
    if isinstance(value, str):
        lines = [line for line in value.splitlines() if line.strip()]
        value = []
        for line in lines:
            match = CONTACT.match(line)
            if match is None:
                errors["contacts"] = f"'{line.strip()[:60]}': write one per line as Name <email>"
                return []
            value.append(match.groupdict())
    if not isinstance(value, list):
        errors["contacts"] = "a list of contacts, each a name and an email address"
        return []
    if len(value) > MAX_CONTACTS:
        errors["contacts"] = f"at most {MAX_CONTACTS} contacts"
        return []
    found = []
    for contact in value:
        name = str(contact.get("name", "")).strip()[:200] if isinstance(contact, dict) else ""
        email = str(contact.get("email", "")).strip() if isinstance(contact, dict) else ""
        try:
            validate_email(email)
        except ValidationError:
            errors["contacts"] = f"'{email[:60]}' is not an email address"
            return []
        found.append({"name": name, "email": email})
    return found


def _channels(value, errors: dict) -> list[str]:
    """1-10 distinct keys of ``CHANNELS``, in ``CHANNELS`` order; refused naming
    ``channels``."""
    if not isinstance(value, list | tuple) or not value:
        errors["channels"] = "choose at least one channel"
        return []
    if len(value) > MAX_CHANNELS:
        errors["channels"] = f"at most {MAX_CHANNELS} channels"
        return []
    for channel in value:
        if channel not in CHANNELS:
            shown = str(channel)[:40]
            errors["channels"] = f"'{shown}' is not a channel: choose from {', '.join(CHANNELS)}"
            return []
    if len(set(value)) != len(value):
        errors["channels"] = "name each channel once"
        return []
    return [channel for channel in CHANNELS if channel in value]


def channel_names(channels: list[str]) -> str:
    """``["print", "local_partner"]`` as people read it: "Print, Local partner"."""
    return ", ".join(CHANNELS.get(channel, channel) for channel in channels)


def _terms(workspace: Workspace, values: dict, errors: dict, *, current: Partner | None) -> dict:
    """The partner fields of ``values`` cleaned (only those given), each refusal under its
    field: ``name``, ``territory``, ``channels``, ``contacts``."""
    cleaned: dict = {}
    if "name" in values:
        cleaned["name"] = check_text(errors, "name", values["name"], 200, required=True)
        taken = partners(workspace).filter(name=cleaned["name"])
        if current is not None:
            taken = taken.exclude(pk=current.pk)
        if "name" not in errors and taken.exists():
            errors["name"] = f"'{cleaned['name']}' is already a partner"
    if "territory" in values:
        territory = values["territory"]
        territory = territory.strip().upper() if isinstance(territory, str) else ""
        if not TERRITORY.match(territory):
            errors["territory"] = "a two-letter country code (ISO 3166), e.g. DE"
        cleaned["territory"] = territory
    if "channels" in values:
        cleaned["channels"] = _channels(values["channels"], errors)
    if "contacts" in values:
        contacts = values["contacts"]
        contacts = list(contacts) if isinstance(contacts, tuple) else contacts
        cleaned["contacts"] = _contacts(contacts, errors)
    return cleaned


def _free_key(workspace: Workspace, name: str) -> str:
    """A key for a partner made on the pages: its name as a slug, numbered if taken."""
    base = (slugify(name)[:50] or "partner").strip("-") or "partner"
    taken = set(partners(workspace).filter(key__startswith=base).values_list("key", flat=True))
    number, key = 1, base
    while key in taken:
        number += 1
        key = f"{base}-{number}"
    return key


def suggested_key(found: Partner) -> str:
    """What the edit form offers a partner made before keys: its name as a free slug."""
    return _free_key(found.workspace, found.name)


@transaction.atomic
def create_partner(
    workspace: Workspace, *, name, territory, channels, contacts=(), key=None, actor=None
) -> Partner:
    """A partner that uses assets in ``territory`` (ISO country code) on ``channels``
    (1-10 of ``CHANNELS``). ``key``: its stable name for other systems (lowercase letters,
    digits and '-'); made from the name when not given."""
    errors: dict[str, str] = {}
    values = {"name": name, "territory": territory, "channels": channels, "contacts": contacts}
    cleaned = _terms(workspace, values, errors, current=None)
    if key is None and "name" not in errors:
        key = _free_key(workspace, cleaned["name"])
    elif key is not None and (not isinstance(key, str) or not KEY.match(key)):
        errors["key"] = "use 1-60 lowercase letters, digits or '-', starting with one"
    elif key is not None and partners(workspace).filter(key=key).exists():
        errors["key"] = f"'{key}' is already a partner's key"
    if errors:
        raise ValidationFailed(errors)
    partner = Partner.objects.create(workspace=workspace, key=key, **cleaned)
    audit.record(workspace, "partner.create", partner, actor=actor, after=audit.snapshot(partner))
    return partner


def _key(found: Partner, key, errors: dict) -> str:
    """The key given for ``found``: a partner made before keys (``""``) is given one
    once; a key, once set, does not change (other systems know the partner by it)."""
    if found.key:
        if key != found.key:
            errors["key"] = f"is '{found.key}' and does not change: other systems use it"
        return found.key
    if not isinstance(key, str) or not KEY.match(key):
        errors["key"] = "use 1-60 lowercase letters, digits or '-', starting with one"
    elif partners(found.workspace).filter(key=key).exists():
        errors["key"] = f"'{key}' is already a partner's key"
    return key


@transaction.atomic
def update_partner(found: Partner, values: dict, *, actor=None) -> Partner:
    """Change a partner's ``name``, ``territory``, ``channels`` and/or ``contacts`` (those
    in ``values``), all or nothing; give a partner made before keys its ``key``. A new
    territory or set of channels changes what its portal shows at once (nothing already
    downloaded is withdrawn: where a file went is not known)."""
    found = Partner.objects.select_for_update().get(pk=found.pk)
    errors: dict[str, str] = {}
    unknown = sorted(set(values) - {"name", "territory", "channels", "contacts", "key"})
    if unknown:
        errors[unknown[0]] = "cannot be changed here"
    cleaned = _terms(found.workspace, values, errors, current=found)
    if "key" in values:
        cleaned["key"] = _key(found, values["key"], errors)
    if errors:
        raise ValidationFailed(errors)
    changed = [f for f, value in cleaned.items() if getattr(found, f) != value]
    if not changed:
        return found
    try:
        with transaction.atomic():
            return audit.save_changes(found, cleaned, changed, "partner.update", actor=actor)
    except IntegrityError:  # another partner took the name or key at the same moment
        field = "key" if "key" in changed else "name"
        taken = f"'{cleaned[field]}' was just taken by another partner"
        raise ValidationFailed({field: taken}) from None


@transaction.atomic
def set_active(found: Partner, active: bool, *, actor=None) -> Partner:
    """Deactivate a partner or reactivate it; no change, no audit entry.

    Deactivated, from this moment: its logins are refused by the permission gate
    (``suspension``: sign-in, their sessions at the next request, their API tokens), its
    portal shows nothing, its share links refuse every request, and the personal API
    tokens of its logins are revoked. A login holding another role (given before a
    partner's login kept its role) is given the partner role back first, so that every
    login of the partner is suspended with it: whoever should stay is taken off the
    partner (``remove_login``) before. Reactivated: its logins and its unexpired share
    links work again; the revoked tokens stay revoked (new ones must be issued)."""
    found = Partner.objects.select_for_update().get(pk=found.pk)
    if found.active == bool(active):
        return found
    if not active:
        for user, _role in other_role_logins(found):
            core.set_role(found.workspace, user, Role.PARTNER, actor=actor)
    found.active = bool(active)
    found.save(update_fields=["active"])
    if not found.active:
        logins = found.members.values_list("user_id", flat=True)
        core.revoke_member_tokens(found.workspace, list(logins), actor=actor)
    action = "partner.reactivate" if found.active else "partner.deactivate"
    audit.record(
        found.workspace,
        action,
        found,
        actor=actor,
        before={"active": not found.active},
        after={"active": found.active},
    )
    return found


def other_role_logins(found: Partner) -> list[tuple[User, str]]:
    """Its logins that hold another role than partner in the workspace, with that role:
    given before a partner's login kept its role (``role_check``); none are made now."""
    logins = found.members.select_related("user").order_by("user__username")
    held = ((member.user, role_of(member.user, found.workspace)) for member in logins)
    return [(user, role) for user, role in held if role not in (None, Role.PARTNER)]


def add_login(partner: Partner, *, username, email, password, actor=None) -> PartnerMember:
    """A login for a person of the partner: a member of the workspace with the
    ``partner`` role, who sees only this partner's portal. The password is hashed before
    the transaction (``core.prepare_login``): the hash holds no write lock."""
    login = core.prepare_login(username or "", password or "", email=email or "")
    with transaction.atomic():
        return _write_login(partner, login, actor)


def _write_login(partner: Partner, login, actor) -> PartnerMember:
    user = core.add_login(partner.workspace, login, Role.PARTNER, actor=actor)
    member = PartnerMember.objects.create(workspace=partner.workspace, partner=partner, user=user)
    audit.record(
        partner.workspace,
        "partner.login",
        partner,
        actor=actor,
        after={"user": user.get_username()},
    )
    return member


@transaction.atomic
def remove_login(partner: Partner, user_id: int, *, actor=None) -> tuple[User, bool]:
    """Take a person off the partner: they are no longer its login, and no longer a member
    of the workspace if the partner role is what they hold there (their API tokens are
    revoked); from then on they may be invited again in any role. Whatever the partner's
    state: this is how a deactivated partner's login becomes, say, staff. Answers the
    person and whether they left the workspace."""
    member = (
        PartnerMember.objects.select_for_update()
        .filter(partner=partner, user_id=user_id)
        .select_related("user")
        .first()
    )
    if member is None:
        raise ValidationFailed({"user": "is not a login of this partner"})
    user = member.user
    member.delete()
    leaves = role_of(user, partner.workspace) == Role.PARTNER
    if leaves:
        core.remove_member(partner.workspace, user, actor=actor)
    audit.record(
        partner.workspace,
        "partner.login_remove",
        partner,
        actor=actor,
        before={"user": user.get_username()},
    )
    return user, leaves


@transaction.atomic
def share(partner: Partner, collection: Collection, *, renditions, actor=None) -> PartnerShare:
    """Share a collection with a partner (or change which renditions it may download)."""
    if collection.workspace_id != partner.workspace_id:
        raise ValidationFailed({"collection": "no such collection in this workspace"})
    if not isinstance(renditions, list) or not renditions:
        raise ValidationFailed({"renditions": f"choose at least one of {', '.join(SHARE_KINDS)}"})
    if any(kind not in SHARE_KINDS for kind in renditions):
        raise ValidationFailed({"renditions": f"choose from {', '.join(SHARE_KINDS)}"})
    kinds = [kind for kind in SHARE_KINDS if kind in renditions]
    found, _ = PartnerShare.objects.update_or_create(
        workspace=partner.workspace,
        partner=partner,
        collection=collection,
        defaults={"renditions": kinds, "created_by": actor if actor and actor.pk else None},
    )
    audit.record(
        partner.workspace,
        "partner.share",
        partner,
        actor=actor,
        after={"collection": collection.pk, "renditions": kinds},
    )
    return found


@transaction.atomic
def unshare(partner: Partner, collection_id: int, *, actor=None) -> None:
    PartnerShare.objects.filter(partner=partner, collection_id=collection_id).delete()
    audit.record(
        partner.workspace,
        "partner.unshare",
        partner,
        actor=actor,
        after={"collection": collection_id},
    )


def suspension(workspace: Workspace, user) -> str:
    """Why a partner login may not come in now ("" when it may): its partner is
    deactivated. Asked by the permission gate for every member with the partner role."""
    member = (
        PartnerMember.objects.filter(workspace=workspace, user=user)
        .select_related("partner")
        .first()
    )
    if member is None or member.partner.active:
        return ""
    return (
        f"{member.partner.name} is deactivated in {workspace.name}, so its logins and "
        "API tokens are refused. Ask your contact there to reactivate it."
    )


def role_check(workspace: Workspace, user, role: str) -> str:
    """Why ``user`` may not be given ``role`` in ``workspace`` now ("" when they may), asked
    by ``core.set_role`` at every role change and joining: the suspension follows the
    partner, not the person's role. A partner's login keeps the partner role, and a login
    of a deactivated partner neither changes role nor joins the workspace again, until it
    is taken off the partner (``remove_login``) or the partner is reactivated; one that
    holds another role (given before this rule) may be given the partner role back."""
    member = (
        PartnerMember.objects.filter(workspace=workspace, user=user)
        .select_related("partner")
        .first()
    )
    if member is None:
        return ""
    who, name = user.get_username(), member.partner.name
    if not member.partner.active and role == Role.PARTNER and role_of(user, workspace):
        return ""  # back to the partner role: suspended with the partner, as the others
    if not member.partner.active:
        return (
            f"{who} is a login of {name}, which is deactivated, so their role does not "
            f"change and they do not join again: reactivate {name}, or take {who} off it "
            "first (the partner's page, Remove login)."
        )
    if role != Role.PARTNER:
        return (
            f"{who} is a login of {name} and keeps the partner role while they are: take "
            f"{who} off {name} first (the partner's page, Remove login)."
        )
    return ""


def partner_of(workspace: Workspace | None, user) -> Partner | None:
    """The partner whose login ``user`` is in ``workspace``, or ``None``."""
    if workspace is None or not getattr(user, "pk", None):
        return None
    member = PartnerMember.objects.filter(workspace=workspace, user=user).first()
    return member.partner if member else None


def partners(workspace: Workspace):
    """The workspace's partners, by name (a removed one is in no list, page or answer)."""
    return Partner.objects.filter(workspace=workspace, removed_at__isnull=True).order_by("name")


def partner_by_key(workspace: Workspace, key: str) -> Partner | None:
    return partners(workspace).filter(key=key).first() if key else None


def partner(workspace: Workspace, partner_id: int) -> Partner | None:
    return partners(workspace).filter(pk=partner_id).first()


@dataclass
class PortalAsset:
    """An asset the portal shows: the renditions the partner may download and the
    partner's channels its rights cover today (each download is for one of them)."""

    asset: Asset
    renditions: list[str]
    collections: list[str] = field(default_factory=list)
    has_thumbnail: bool = False
    channels: list[str] = field(default_factory=list)

    @property
    def channel_names(self) -> str:
        return channel_names(self.channels)

    @property
    def channel_choices(self) -> list[tuple[str, str]]:
        return [(channel, CHANNELS.get(channel, channel)) for channel in self.channels]


def portal(found: Partner, day: date | None = None) -> list[PortalAsset]:
    """What the partner's portal shows on ``day`` (today by default): each asset of its
    shared collections whose rights cover the partner's territory and at least one of its
    channels (``PortalAsset.channels``: those), with the renditions it may download, by
    name; nothing while the partner is deactivated."""
    if not found.active:
        return []
    day = day or clock.now().date()
    shown: dict[int, PortalAsset] = {}
    shares = found.shares.select_related("collection").order_by("collection__name")
    for shared in shares:
        members = shared.collection.assets.filter(status=AssetStatus.ACTIVE).prefetch_related(
            "releases"
        )
        for asset in members:
            if asset.pk not in shown:
                releases = asset.releases.all()
                covered = [
                    channel
                    for channel in found.channels
                    if not rights_problems(
                        asset, day, territory=found.territory, channel=channel, releases=releases
                    )
                ]
                if not covered:
                    continue
                shown[asset.pk] = PortalAsset(asset, [], channels=covered)
            entry = shown[asset.pk]
            entry.collections.append(shared.collection.name)
            entry.renditions = [
                k for k in SHARE_KINDS if k in entry.renditions or k in shared.renditions
            ]
    with_thumbnail = set(
        Rendition.objects.filter(kind="thumbnail", version__asset_id__in=shown).values_list(
            "version__asset_id", flat=True
        )
    )
    for asset_id, entry in shown.items():
        entry.has_thumbnail = asset_id in with_thumbnail
    return sorted(shown.values(), key=lambda entry: (entry.asset.name.lower(), entry.asset.pk))


def thumbnail(found: Partner, asset_id: int):
    """The thumbnail the portal shows for an asset it shows the partner now (not a
    download: not logged), or ``None``."""
    entry = next((e for e in portal(found) if e.asset.pk == asset_id), None)
    version = entry.asset.versions.order_by("-number").first() if entry else None
    return version.renditions.filter(kind="thumbnail").first() if version else None


def _use_channel(found: Partner, entry: PortalAsset, channel: str | None) -> str:
    """The channel a download is for: the one given, or the asset's only one; refused
    naming ``channel`` (a channel the partner may not use, or one the asset's rights do not
    cover today, with the rights' own reason)."""
    if not channel:
        if len(entry.channels) == 1:
            return entry.channels[0]
        names = " or ".join(CHANNELS.get(c, c) for c in entry.channels)
        raise ValidationFailed({"channel": f"choose the channel you will use it on: {names}"})
    if channel not in found.channels:
        name = CHANNELS.get(channel, channel[:40])
        allowed = channel_names(found.channels)
        raise ValidationFailed({"channel": f"{found.name} may use assets on {allowed}; not {name}"})
    if channel not in entry.channels:
        problems = rights_problems(
            entry.asset,
            clock.now().date(),
            territory=found.territory,
            channel=channel,
            releases=entry.asset.releases.all(),
        )
        raise ValidationFailed({"channel": "; ".join(problems) or "not covered by its rights"})
    return channel


@transaction.atomic
def download(
    found: Partner, user, asset_id: int, kind: str, channel: str | None = None
) -> tuple[Asset, AssetVersion]:
    """Log a download, for ``channel`` (default: the asset's only covered one), of the
    latest version of an asset the portal shows the partner now, in a rendition it may
    download. ``LookupError`` for no such asset or rendition, ``ValidationFailed`` naming
    ``channel`` for a channel it may not use it on; nothing logged either way."""
    entry = next((e for e in portal(found) if e.asset.pk == asset_id), None)
    if entry is None or kind not in entry.renditions:
        raise LookupError("no such asset or rendition on this portal")
    channel = _use_channel(found, entry, channel)
    version = entry.asset.versions.order_by("-number").first()
    if version is None:
        raise LookupError("this asset has no file")
    if kind != "original" and not version.renditions.filter(kind=kind).exists():
        raise LookupError("no such rendition (yet)")
    PartnerDownload.objects.create(
        workspace=found.workspace,
        partner=found,
        user=user if getattr(user, "pk", None) else None,
        asset=entry.asset,
        version=version,
        kind=kind,
        channel=channel,
        downloaded_at=clock.now(),
    )
    return entry.asset, version


def downloads(workspace: Workspace, *, partner_id: int | None = None):
    """The portal's download log, newest first."""
    rows = PartnerDownload.objects.filter(workspace=workspace)
    if partner_id is not None:
        rows = rows.filter(partner_id=partner_id)
    return rows.select_related("partner", "user", "asset", "version").order_by(
        "-downloaded_at", "-pk"
    )


def notify_withdrawn(asset: Asset, reason: str) -> int:
    """In the withdrawal's transaction: queue an email to each contact of each partner
    that downloaded ``asset``, and to each of its logins that did, once per withdrawal
    (the outbox key); answers how many were new."""
    stamp = asset.withdrawn_at.isoformat() if asset.withdrawn_at else ""
    queued = 0
    rows = PartnerDownload.objects.filter(asset=asset).select_related("partner", "user")
    by_partner: dict[int, tuple[Partner, set[str]]] = {}
    for row in rows.order_by("partner_id", "pk"):
        found, addresses = by_partner.setdefault(row.partner_id, (row.partner, set()))
        if row.user is not None and row.user.email:
            addresses.add(row.user.email)
    for found, addresses in by_partner.values():
        addresses |= {contact["email"] for contact in found.contacts}
        for address in sorted(addresses):
            queued += outbox.queue(
                asset.workspace,
                key=f"content.partner-withdrawn:{asset.pk}:{stamp}:{found.pk}:{address}"[:200],
                to=address,
                subject=f"Stop using '{asset.name}'",
                body=(
                    f"'{asset.name}', which {found.name} downloaded from the partner portal, "
                    f"was withdrawn ({reason}). Please stop using it and remove it from "
                    "anything not yet printed or published.\n"
                ),
                source="content.partners",
            )
    return queued
