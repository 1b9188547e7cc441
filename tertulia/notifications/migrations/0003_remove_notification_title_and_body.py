"""The bell's frozen words are gone: lines are worded when read (see 0002)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_notification_kind_and_params"),
    ]

    operations = [
        migrations.RemoveField(model_name="notification", name="title"),
        migrations.RemoveField(model_name="notification", name="body"),
    ]
