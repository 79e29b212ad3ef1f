"""Shared set-up for benchmarks: a throw-away data directory with Django configured."""

import os
import tempfile


def django_in_temp_dir(prefix: str) -> str:
    data_dir = tempfile.mkdtemp(prefix=prefix)
    os.environ["PACER_DATA_DIR"] = data_dir
    if not os.environ.get("PACER_BENCH_DATABASE_URL"):
        os.environ.pop("PACER_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pacer.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return data_dir


BIG = dict(contacts=1_000_000, months=12, pages_per_touch=4.0, email_sends_per_month=4)
