"""Writes for the asset library: upload (validated by content, not by name), versions,
metadata and rights, collections, use in content (checked against the rights) and share
links to collections and single assets (withdrawal and expiry: ``pacer.content.withdrawal``).

An upload is checked in full before anything is written; its file is saved before the
rows and removed again if the transaction fails, so nothing is left half-written.
"""

import hashlib
import io
import re
import secrets
import uuid
from datetime import date, timedelta

from django.db import transaction
from PIL import Image, UnidentifiedImageError

from pacer.content import share_links
from pacer.content.models import (
    Asset,
    AssetStatus,
    AssetUse,
    AssetVersion,
    Collection,
    ContentItem,
    ShareDownload,
    ShareLink,
)
from pacer.content.rights import lapsed, rights_problem, rights_problems
from pacer.content.search import fold
from pacer.content.storage import storage
from pacer.core import audit, clock
from pacer.core.actions import digest_secret
from pacer.core.channels import CHANNELS
from pacer.core.errors import ValidationFailed, check_text, read_day
from pacer.core.models import Workspace

MAX_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 60_000_000
# the types accepted, by their first bytes (the file's name and stated type are ignored)
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
TAG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
TERRITORY = re.compile(r"^[A-Z]{2}$")
ALERT_DAYS = 14
DESCRIPTION_LIMIT = 5000  # characters of an asset's or a collection's description
RIGHTS_FIELDS = ("licence", "territories", "channels", "rights_start", "rights_end")


def sniff(data: bytes) -> str | None:
    """The content type the bytes are, by signature, or ``None``."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in SIGNATURES if data.startswith(magic)), None)


def _check_file(filename: str, data: bytes) -> dict:
    """The file's facts, or ``ValidationFailed`` naming ``file``."""
    if not data:
        raise ValidationFailed({"file": "is empty"})
    if len(data) > MAX_BYTES:
        raise ValidationFailed({"file": f"is {len(data):,} bytes; the limit is {MAX_BYTES:,}"})
    kind = sniff(data)
    if kind is None:
        raise ValidationFailed(
            {"file": "is not a PNG, JPEG, GIF, WebP or PDF file (judged by its content)"}
        )
    facts = {"content_type": kind, "width": None, "height": None}
    if kind in IMAGE_TYPES:
        try:
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise ValidationFailed({"file": f"has {width}x{height} pixels; too large"})
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise ValidationFailed({"file": f"is not a readable {kind} image"}) from None
        facts.update(width=width, height=height)
    name = (filename or "upload").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200]
    facts["filename"] = name or "upload"
    return facts


def _clean_tags(tags, errors: dict) -> list[str]:
    if isinstance(tags, str):
        tags = [t for t in re.split(r"[,\s]+", tags) if t]
    if not isinstance(tags, list) or len(tags) > 30:
        errors["tags"] = "at most 30 tags"
        return []
    tags = [t.lower() for t in tags if isinstance(t, str)]
    if any(not TAG.match(t) for t in tags):
        errors["tags"] = "each tag: 1-40 lowercase letters, digits, '-' or '_'"
    return sorted(set(tags))


def _search_text(asset: Asset) -> str:
    tags = " ".join(f"#{t}" for t in asset.tags)
    return fold(f"{asset.name} {asset.description} {tags}")


def _store(asset: Asset, number: int, facts: dict, data: bytes, user) -> AssetVersion:
    """The version's row, then its file (the last step: a failed write undoes the rows)."""
    key = f"{asset.workspace_id}/{asset.pk}/v{number}-{uuid.uuid4().hex[:12]}"
    version = AssetVersion.objects.create(
        asset=asset,
        number=number,
        storage_key=key,
        filename=facts["filename"],
        content_type=facts["content_type"],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        width=facts["width"],
        height=facts["height"],
        uploaded_by=user if getattr(user, "is_authenticated", False) else None,
    )
    storage().save(key, data)
    if facts["content_type"] in IMAGE_TYPES:
        from pacer.content.tasks import make_renditions

        transaction.on_commit(lambda: make_renditions.enqueue(version.pk))
    return version


def clean_rights(values: dict, errors: dict) -> dict:
    """Licence, territories, channels and the rights' days, cleaned."""
    found: dict = {}
    licence = values.get("licence", "")
    if not isinstance(licence, str) or len(licence) > 200:
        errors["licence"] = "at most 200 characters"
    found["licence"] = licence.strip() if isinstance(licence, str) else ""
    territories = values.get("territories", [])
    if isinstance(territories, str):
        territories = [t for t in re.split(r"[,\s]+", territories.upper()) if t]
    if not isinstance(territories, list) or not all(
        isinstance(t, str) and TERRITORY.match(t) for t in territories
    ):
        errors["territories"] = "two-letter country codes (ISO 3166), or none for worldwide"
        territories = []
    found["territories"] = sorted(set(territories))[:250]
    channels = values.get("channels", [])
    if isinstance(channels, str):
        channels = [c for c in re.split(r"[,\s]+", channels) if c]
    if not isinstance(channels, list) or any(c not in CHANNELS for c in channels):
        errors["channels"] = "channel keys (e.g. email, paid_social), or none for any"
        channels = []
    found["channels"] = sorted(set(channels))
    for field in ("rights_start", "rights_end"):
        value = values.get(field)
        if value in (None, ""):
            found[field] = None
            continue
        if (day := read_day(errors, field, value)) is not None:
            found[field] = day
    start, end = found.get("rights_start"), found.get("rights_end")
    if start and end and "rights_end" not in errors and end < start:
        errors["rights_end"] = "must not be before the start"
    return found


@transaction.atomic
def upload_asset(
    workspace: Workspace,
    *,
    name,
    filename: str,
    data: bytes,
    description="",
    tags=(),
    metadata=None,
    rights=None,
    owner=None,
) -> Asset:
    """A new asset from an uploaded file, as version 1 (renditions follow in the worker)."""
    errors: dict[str, str] = {}
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 200:
        errors["name"] = "must be 1-200 characters"
    if not isinstance(description, str) or len(description) > DESCRIPTION_LIMIT:
        errors["description"] = f"at most {DESCRIPTION_LIMIT} characters"
    tag_list = _clean_tags(list(tags) if not isinstance(tags, str) else tags, errors)
    metadata = metadata or {}
    if (
        not isinstance(metadata, dict)
        or len(metadata) > 50
        or not all(
            isinstance(k, str) and len(k) <= 60 and isinstance(v, str) and len(v) <= 500
            for k, v in metadata.items()
        )
    ):
        errors["metadata"] = "at most 50 text keys (60 chars) and values (500 chars)"
    found = clean_rights(rights or {}, errors)
    try:
        facts = _check_file(filename, data)
    except ValidationFailed as refused:
        errors.update(refused.errors)
    if errors:
        raise ValidationFailed(errors)
    asset = Asset(
        workspace=workspace,
        name=name.strip(),
        description=description.strip(),
        tags=tag_list,
        metadata=metadata,
        owner=owner if getattr(owner, "is_authenticated", False) else None,
        **found,
    )
    asset.search_text = _search_text(asset)
    asset.save()
    _store(asset, 1, facts, data, owner)
    audit.record(workspace, "asset.upload", asset, actor=owner, after={"name": asset.name})
    return asset


@transaction.atomic
def add_version(asset: Asset, *, filename: str, data: bytes, user=None) -> AssetVersion:
    """Upload a new file as the asset's next version."""
    facts = _check_file(filename, data)
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    latest = asset.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = _store(asset, latest + 1, facts, data, user)
    audit.record(asset.workspace, "asset.version", asset, actor=user, after={"n": latest + 1})
    return version


@transaction.atomic
def update_asset(asset: Asset, values: dict, *, actor=None) -> Asset:
    """Change the metadata, tags and rights. Changing the rights of a withdrawn asset so
    that they reach today or later makes it active again (other edits leave it withdrawn)."""
    errors: dict[str, str] = {}
    name = values.get("name", asset.name)
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 200:
        errors["name"] = "must be 1-200 characters"
    description = values.get("description", asset.description)
    if not isinstance(description, str) or len(description) > DESCRIPTION_LIMIT:
        errors["description"] = f"at most {DESCRIPTION_LIMIT} characters"
    tags = _clean_tags(values.get("tags", asset.tags), errors)
    merged = {
        field: values.get(field, getattr(asset, field))
        for field in ("licence", "territories", "channels", "rights_start", "rights_end")
    }
    found = clean_rights(merged, errors)
    if errors:
        raise ValidationFailed(errors)
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    before = audit.snapshot(asset, ["name", "licence", "territories", "channels", "rights_end"])
    rights_changed = any(getattr(asset, field) != value for field, value in found.items())
    asset.name, asset.description, asset.tags = name.strip(), description.strip(), tags
    for field, value in found.items():
        setattr(asset, field, value)
    today = clock.now().date()
    if (
        asset.status == AssetStatus.WITHDRAWN
        and rights_changed
        and (not asset.rights_end or asset.rights_end >= today)
    ):
        asset.status, asset.withdrawn_at, asset.withdrawn_reason = AssetStatus.ACTIVE, None, ""
    asset.search_text = _search_text(asset)
    asset.save()
    audit.record(
        asset.workspace,
        "asset.update",
        asset,
        actor=actor,
        before=before,
        after=audit.snapshot(asset, list(before)),
    )
    return asset


@transaction.atomic
def create_collection(workspace: Workspace, name, description="", *, actor=None) -> Collection:
    """A new, empty collection: a name unique in the workspace and an optional
    description; every refusal at once, naming its field."""
    errors: dict[str, str] = {}
    name = check_text(errors, "name", name, 200, required=True)
    description = check_text(errors, "description", description, DESCRIPTION_LIMIT)
    if "name" not in errors and Collection.objects.filter(workspace=workspace, name=name).exists():
        errors["name"] = f"'{name}' is already a collection"
    if errors:
        raise ValidationFailed(errors)
    collection = Collection.objects.create(workspace=workspace, name=name, description=description)
    audit.record(workspace, "asset.collection", collection, actor=actor)
    return collection


@transaction.atomic
def collect(collection: Collection, asset: Asset, *, actor=None) -> None:
    if asset.workspace_id != collection.workspace_id:
        raise ValidationFailed({"asset": "not in this workspace"})
    collection.assets.add(asset)
    audit.record(
        collection.workspace, "asset.collect", collection, actor=actor, after={"asset": asset.pk}
    )


@transaction.atomic
def use_asset(item: ContentItem, asset: Asset, *, territory: str = "", actor=None) -> AssetUse:
    """Record that ``item`` uses ``asset``; refused outside the asset's rights (on the
    item's scheduled day, or today when unscheduled, for its channel and territory)."""
    if asset.workspace_id != item.workspace_id:
        raise ValidationFailed({"asset": "not in this workspace"})
    territory = (territory or "").strip().upper()
    if territory and not TERRITORY.match(territory):
        raise ValidationFailed({"territory": "a two-letter country code"})
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    day = (item.scheduled_for or clock.now()).date()
    problem = rights_problem(asset, day, territory=territory, channel=item.channel)
    if problem:
        raise ValidationFailed({"asset": problem})
    use, _ = AssetUse.objects.update_or_create(
        asset=asset,
        item=item,
        defaults={"workspace": item.workspace, "territory": territory, "from_body": False},
    )
    audit.record(
        item.workspace, "asset.use", use, actor=actor, after={"asset": asset.pk, "item": item.pk}
    )
    return use


SHARE_KINDS = ("original", "medium", "thumbnail")
MAX_SHARE_DAYS = 365


def share_collection(collection: Collection, **terms) -> tuple[ShareLink, str]:
    """An expiring link to a collection for a partner (``partner``: one of the workspace's
    partners, if named; its deactivation stops the link) and the ``channels`` it is for
    (each one of the partner's; none: all of them). Returns the link and its token,
    which is stored only as a digest: show the address now, it cannot be shown again.
    ``terms``: ``label``, ``days``, ``can_download``, ``renditions``, ``partner``,
    ``channels``, ``actor``."""
    return _share(collection.workspace, {"collection": collection}, **terms)


def share_asset(asset: Asset, **terms) -> tuple[ShareLink, str]:
    """An expiring link to one asset, on the same terms as ``share_collection``; refused
    naming ``asset`` while the asset may be used nowhere (withdrawn, its rights or a talent
    release ended or not begun). Later, the link is withdrawn while that is so."""
    problem = lapsed(asset, clock.now().date())
    if problem:
        raise ValidationFailed({"asset": f"may not be shared: {problem}"})
    return _share(asset.workspace, {"asset": asset}, **terms)


@transaction.atomic
def _share(
    workspace: Workspace,
    target: dict,
    *,
    label,
    days,
    can_download: bool,
    renditions,
    partner=None,
    channels=(),
    actor=None,
) -> tuple[ShareLink, str]:
    errors: dict[str, str] = {}
    if partner is not None and (partner.workspace_id != workspace.pk or partner.removed_at):
        errors["partner"] = "no such partner in this workspace"
    elif partner is not None and not partner.active:
        errors["partner"] = f"{partner.name} is deactivated: reactivate it first"
    channels = _link_channels(channels, partner if "partner" not in errors else None, errors)
    if not isinstance(label, str) or not 1 <= len(label.strip()) <= 200:
        errors["label"] = "name who it is for in 1-200 characters"
    try:
        days = int(days)
        if not 1 <= days <= MAX_SHARE_DAYS:
            raise ValueError
    except (TypeError, ValueError):
        errors["days"] = f"a whole number of days from 1 to {MAX_SHARE_DAYS}"
    if not isinstance(renditions, list) or any(r not in SHARE_KINDS for r in renditions):
        errors["renditions"] = f"choose from {', '.join(SHARE_KINDS)}"
    elif can_download and not renditions:
        errors["renditions"] = "choose at least one to allow downloads"
    if errors:
        raise ValidationFailed(errors)
    token = secrets.token_urlsafe(32)
    link = ShareLink.objects.create(
        workspace=workspace,
        **target,
        partner=partner,
        label=label.strip(),
        digest=digest_secret(token),
        prefix=token[:6],
        can_download=bool(can_download),
        renditions=sorted(set(renditions)),
        channels=channels,
        expires_at=clock.now() + timedelta(days=days),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        workspace,
        "asset.share",
        link,
        actor=actor,
        after={
            **{key: found.pk for key, found in target.items()},
            "days": days,
            "partner": getattr(partner, "pk", None),
            "channels": channels,
        },
    )
    return link, token


def _link_channels(value, partner, errors: dict) -> list[str]:
    """The channels a link is for, in ``CHANNELS`` order: each a channel, and one the
    partner may use when the link is made for one; refused naming ``channels``."""
    value = [value] if isinstance(value, str) else list(value or ())
    unknown = [c for c in value if c not in CHANNELS]
    if unknown:
        errors["channels"] = f"'{str(unknown[0])[:40]}' is not a channel"
        return []
    if partner is not None:
        other = [c for c in CHANNELS if c in value and c not in partner.channels]
        if other:
            allowed = ", ".join(CHANNELS[c] for c in partner.channels)
            errors["channels"] = (
                f"{partner.name} may use assets on {allowed}; not {CHANNELS[other[0]]}"
            )
            return []
    return [c for c in CHANNELS if c in value]


def link_use(link: ShareLink) -> tuple[str | None, list[str]]:
    """(territory, channels) a link's assets must be licensed for: its partner's territory
    and the link's channels that the partner still may use (all the partner's when the
    link names none); for a link made for no partner, no territory (``None``) and its own
    channels (none: only the asset's dates, withdrawal and releases are checked)."""
    if link.partner is None:
        return None, list(link.channels)
    allowed = link.partner.channels
    return link.partner.territory, [c for c in (link.channels or allowed) if c in allowed]


def covered_channels(link: ShareLink, asset: Asset, day: date) -> list[str] | None:
    """The link's channels the asset's rights cover on ``day`` (in the link's territory);
    ``None`` when the link checks no channel."""
    territory, channels = link_use(link)
    if territory is None and not channels:
        return None
    releases = asset.releases.all()
    return [
        channel
        for channel in channels
        if not rights_problems(asset, day, territory=territory, channel=channel, releases=releases)
    ]


def share_problem(
    link: ShareLink | None, asset: Asset | None = None, kind: str = "", channel: str = ""
) -> str | None:
    """Why a share link (or a download through it, for ``channel``) is refused, or
    ``None``: the link does not exist or is not open (``share_links.refusal``: revoked,
    expired or withdrawn, by its one rule), the asset is not its, the asset lapsed, or its
    rights do not cover what the link is for today (``rights_refusal``)."""
    if link is None:
        return "this link does not exist"
    refused = share_links.refusal(link)
    if refused:
        return f"this link is {refused}"
    if asset is None:
        return None
    if not link_assets(link).filter(pk=asset.pk).exists():
        return "this asset is not shared by this link"
    if kind and (not link.can_download or kind not in link.renditions):
        return "this link does not allow that download"
    return rights_refusal(link, asset, channel)


def link_assets(link: ShareLink):
    """The assets a link shares: its one asset, or its collection's."""
    if link.asset_id is not None:
        return Asset.objects.filter(workspace_id=link.workspace_id, pk=link.asset_id)
    return link.collection.assets.all()


def rights_refusal(link: ShareLink, asset: Asset, channel: str = "") -> str | None:
    """Why the asset's rights refuse it through ``link`` today (``channel``: the one a
    download is for; "" asks for any of the link's), or ``None``."""
    day = clock.now().date()
    problem = lapsed(asset, day)
    if problem:
        return problem
    covered = covered_channels(link, asset, day)
    if covered is None:
        return None
    territory, channels = link_use(link)
    if not channels:
        return f"{link.partner.name} may no longer use assets on this link's channels"
    if channel and channel not in channels:
        return f"this link is for {', '.join(CHANNELS[c] for c in channels)}; not {channel[:40]}"
    if channel and channel not in covered:
        return "; ".join(rights_problems(asset, day, territory=territory, channel=channel))
    if not covered:  # none of them: the reasons, each once
        reasons = [
            reason
            for wanted in channels
            for reason in rights_problems(asset, day, territory=territory, channel=wanted)
        ]
        return "; ".join(dict.fromkeys(reasons))
    return None


@transaction.atomic
def record_download(link: ShareLink, asset: Asset, kind: str, channel: str = "") -> ShareDownload:
    return ShareDownload.objects.create(link=link, asset=asset, kind=kind, channel=channel)
