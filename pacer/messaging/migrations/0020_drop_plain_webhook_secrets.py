"""The plain webhook secret column goes: 0019 sealed every secret into ``secret_sealed``.
(Going back, it comes back blank, then 0019 opens the secrets into it.)"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("messaging", "0019_seal_webhook_secrets")]

    operations = [
        migrations.AlterField(
            model_name="webhook",
            name="secret",
            field=models.CharField(max_length=100, blank=True, default=""),
        ),
        migrations.RemoveField(model_name="webhook", name="secret"),
    ]
