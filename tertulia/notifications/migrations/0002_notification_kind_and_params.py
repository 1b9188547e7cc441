"""Bell lines stored as a kind plus parameters, worded when read in the reader's language
(0003 then drops the frozen words; apart, so PostgreSQL alters no table it has just updated).

Old lines had their words frozen at creation. A line with no body whose title reads "… is waiting
for a person" (English) or "… espera a una persona" (Spanish) and that names a visitor becomes a
`live_chat_requested` line; every other line was a flow's Notification node, whose label and text
were the bot author's own words, and becomes a `flow_notification` line with them as parameters.
"""

import re

from django.db import migrations, models

WAITING = re.compile(r".+ (is waiting for a person|espera a una persona)", re.DOTALL)
BATCH = 1000


def to_kinds(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    changed = []
    for line in Notification.objects.order_by("pk").iterator(chunk_size=BATCH):
        if line.visitor_id and not line.body and WAITING.fullmatch(line.title):
            line.kind, line.params = "live_chat_requested", {}
        else:
            line.kind, line.params = "flow_notification", {"label": line.title, "text": line.body}
        changed.append(line)
        if len(changed) == BATCH:
            Notification.objects.bulk_update(changed, ["kind", "params"])
            changed = []
    Notification.objects.bulk_update(changed, ["kind", "params"])


def to_words(apps, schema_editor):
    """Back to frozen words, in English."""
    Notification = apps.get_model("notifications", "Notification")
    rows = Notification.objects.order_by("pk").values(
        "pk", "kind", "params", "visitor_id", "visitor__name", "visitor__number"
    )
    changed = []
    for row in rows.iterator(chunk_size=BATCH):
        line, params = Notification(pk=row["pk"]), row["params"] or {}
        if row["kind"] == "live_chat_requested":
            name = row["visitor__name"] or (
                f"Visitor #{row['visitor__number']}" if row["visitor_id"] else "A visitor"
            )
            line.title, line.body = f"{name} is waiting for a person"[:200], ""
        else:
            line.title = str(params.get("label") or "")[:200]
            line.body = str(params.get("text") or "")
        changed.append(line)
        if len(changed) == BATCH:
            Notification.objects.bulk_update(changed, ["title", "body"])
            changed = []
    Notification.objects.bulk_update(changed, ["title", "body"])


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("live_chat_requested", "A visitor is waiting for a person"),
                    ("flow_notification", "A flow's notification"),
                ],
                default="flow_notification",
                max_length=40,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="notification",
            name="params",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AlterField(
            model_name="notification",
            name="title",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.RunPython(to_kinds, to_words, elidable=False),
    ]
