"""Where asset files live: the ``assets`` area of the shared file storage
(``pacer.core.storage``, on the local disk under ``PACER_DATA_DIR/assets``)."""

from pacer.core.storage import LocalStorage
from pacer.core.storage import storage as area_storage


def storage() -> LocalStorage:
    return area_storage("assets")
