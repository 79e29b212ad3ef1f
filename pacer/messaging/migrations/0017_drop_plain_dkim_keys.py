"""The plain DKIM key column goes: 0016 sealed every key into ``dkim_key_sealed``."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("messaging", "0016_seal_dkim_keys")]

    operations = [
        migrations.RemoveField(model_name="sender", name="dkim_private_key"),
    ]
