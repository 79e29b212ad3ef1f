"""Background work: renditions of uploaded images, the asset expiry loop and the loop that
turns editorial deadlines into board tasks."""

import io

from django.db import IntegrityError, transaction
from django_tasks import task
from PIL import Image, ImageOps

from pacer.content.deadlines import make_deadline_tasks
from pacer.content.models import AssetVersion, Rendition
from pacer.content.storage import storage
from pacer.content.withdrawal import expire_assets as _expire

# kind -> the longest side in pixels
RENDITIONS = {"thumbnail": 240, "medium": 1200}


def render(version_id: int) -> int:
    """Make the missing renditions of an image version (PNG for images with transparency,
    JPEG otherwise); safe to run twice. Returns how many it made."""
    version = AssetVersion.objects.filter(pk=version_id).first()
    if version is None or not version.content_type.startswith("image/"):
        return 0
    missing = set(RENDITIONS) - set(version.renditions.values_list("kind", flat=True))
    if not missing:
        return 0
    store = storage()
    made = 0
    with Image.open(io.BytesIO(store.read(version.storage_key))) as original:
        original = ImageOps.exif_transpose(original)
        alpha = original.mode in ("RGBA", "LA", "P")
        for kind in sorted(missing):
            image = original.convert("RGBA" if alpha else "RGB")
            image.thumbnail((RENDITIONS[kind], RENDITIONS[kind]))
            buffer = io.BytesIO()
            image.save(buffer, "PNG" if alpha else "JPEG", quality=85)
            key = f"{version.storage_key}.{kind}.{'png' if alpha else 'jpg'}"
            store.save(key, buffer.getvalue())
            try:
                with transaction.atomic():
                    Rendition.objects.create(
                        version=version,
                        kind=kind,
                        storage_key=key,
                        width=image.width,
                        height=image.height,
                        size=len(buffer.getvalue()),
                    )
            except IntegrityError:
                continue  # made by a concurrent run (same key, same bytes)
            made += 1
    return made


@task()
def make_renditions(version_id: int) -> int:
    return render(version_id)


def expire_assets() -> int:
    """The worker loop: expiry alerts and withdrawals (``pacer.content.withdrawal``)."""
    return _expire()


def deadline_tasks() -> int:
    """The worker loop: board tasks for editorial deadlines (``pacer.content.deadlines``)."""
    return make_deadline_tasks()
