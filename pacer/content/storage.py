"""Where asset files live: the ``assets`` area of the shared file storage
(``pacer.core.storage``: on the local disk under ``PACER_DATA_DIR/assets``, or in the
S3-compatible bucket that ``PACER_STORAGE_URL`` names)."""

from pacer.core.storage import storage as area_storage


def storage():
    return area_storage("assets")
