"""Files kept for a domain on the local disk under ``PACER_DATA_DIR/<area>``: a small
interface (save, read, exists, delete by key), which ``pacer.core.storage_s3`` implements
on an S3-compatible store.
A save is written to a temporary file and renamed, so a reader never sees half a file."""

import os
import tempfile
from pathlib import Path

from django.conf import settings


class LocalStorage:
    def __init__(self, root: Path):
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"key {key!r} leaves the storage root")
        return path

    def save(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def storage(area: str) -> LocalStorage:
    """The storage of one area (e.g. ``"attachments"``) under the data directory, or in
    an S3-compatible bucket when ``PACER_STORAGE_URL`` (a setting, else the environment)
    names one (``pacer.core.storage_s3``)."""
    url = getattr(settings, "PACER_STORAGE_URL", None) or os.environ.get("PACER_STORAGE_URL")
    if url:
        from pacer.core.storage_s3 import S3Storage

        return S3Storage(url, area)
    return LocalStorage(Path(settings.DATA_DIR) / area)
