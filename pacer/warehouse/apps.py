from pacer.core.domains import DomainConfig, Loop
from pacer.core.roles import ANALYSTS


class WarehouseConfig(DomainConfig):
    name = "pacer.warehouse"
    label = "warehouse"
    urls = "pacer.warehouse.urls"
    cli = "pacer.warehouse.cli"
    permissions = {"warehouse.sync": ANALYSTS}
    loops = (
        Loop("warehouse-sync", "pacer.warehouse.tasks.schedule_sync", "WAREHOUSE_SYNC_SECONDS"),
    )
