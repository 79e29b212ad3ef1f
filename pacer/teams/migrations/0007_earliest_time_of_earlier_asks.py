"""The earliest time of the waiting asks recorded before teams 0006 (which added
``SurveyAsk.earliest_at``), so that a change of their location's time zone times them
again from it, earlier as well as later, as it does for newer asks (idempotent: a second
run finds nothing to do).

It is computed as ``pacer.teams.triggers`` does for a new ask: the order's time plus its
trigger's delay, and never later than the due time already set (the due time was made
from it; a delay shortened since must not move a waiting ask later). Asks without an
order (sent by hand), asks already sent or skipped (their timing is history), asks whose
order or trigger is gone keep none; the code times those from their due time, as before.

The rule is copied here, not imported: a migration must not run live code that may read
tables or fields added later.
"""

from datetime import timedelta

from django.db import migrations

CHUNK = 500


def fill_earliest_times(apps, schema_editor) -> None:
    Order = apps.get_model("people", "Order")
    SurveyAsk = apps.get_model("teams", "SurveyAsk")
    SurveyTrigger = apps.get_model("teams", "SurveyTrigger")
    delays = dict(SurveyTrigger.objects.values_list("survey_id", "delay_days"))
    missing = SurveyAsk.objects.filter(
        status="waiting", earliest_at__isnull=True, order_id__isnull=False
    )
    last_id = 0
    while True:
        asks = list(missing.filter(pk__gt=last_id).order_by("pk")[:CHUNK])
        if not asks:
            return
        last_id = asks[-1].pk
        placed = {
            (workspace_id, order_id): at
            for order_id, workspace_id, at in Order.objects.filter(
                pk__in={ask.order_id for ask in asks}
            ).values_list("pk", "workspace_id", "placed_at")
        }
        filled = []
        for ask in asks:
            at = placed.get((ask.workspace_id, ask.order_id))
            if at is None or ask.survey_id not in delays:
                continue
            ask.earliest_at = min(at + timedelta(days=delays[ask.survey_id]), ask.due_at)
            filled.append(ask)
        SurveyAsk.objects.bulk_update(filled, ["earliest_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("teams", "0006_survey_after_visit"),
        ("people", "0007_location_time_zone"),
    ]

    operations = [migrations.RunPython(fill_earliest_times, migrations.RunPython.noop)]
