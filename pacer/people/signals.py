"""What the people domain tells others that listen (connected in their ``ready``)."""

from django.dispatch import Signal

# Sent inside the transaction that changed a location's time zone, with ``workspace`` and
# ``location_id``: whatever waits for that location's daytime is timed again (teams' survey
# asks), atomically with the change.
location_zone_changed = Signal()
