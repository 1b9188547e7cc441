"""The flow a new bot starts with, in the language of the member who creates it."""

from django.utils.translation import gettext as _


def starter_flow() -> dict:
    """Welcome, Sales / Support / Other, a contact form, a Notification node (Sales sets Lead),
    then live chat."""
    return {
        "fallback": "fallback",
        "nodes": [
            {"id": "start", "type": "start", "next": "welcome", "x": 40, "y": 40},
            {
                "id": "welcome",
                "type": "message",
                "label": _("Welcome"),
                "text": _("Hi! Welcome. We usually answer within a few minutes."),
                "delay_ms": 600,
                "next": "topic",
            },
            {
                "id": "topic",
                "type": "options",
                "label": _("Topic"),
                "text": _("What can we help you with?"),
                "options": [
                    {"id": "sales", "label": _("Sales"), "next": "contact"},
                    {"id": "support", "label": _("Support"), "next": "contact"},
                    {"id": "other", "label": _("Other"), "next": "contact"},
                ],
            },
            {
                "id": "contact",
                "type": "form",
                "label": _("Contact form"),
                "text": _("So we can get back to you, please leave your details."),
                "submit_label": _("Send"),
                "fields": [
                    {"name": "name", "label": _("Name"), "type": "name", "required": True},
                    {"name": "email", "label": _("E-mail"), "type": "email", "required": True},
                    {"name": "phone", "label": _("Phone"), "type": "phone", "required": False},
                ],
                "next": "is_sales",
            },
            {
                "id": "is_sales",
                "type": "condition",
                "label": _("Sales?"),
                "subject": "answer",
                "node": "topic",
                "field": "",
                "op": "equals",
                "value": "sales",
                "next": "notify_lead",
                "else": "notify_team",
            },
            {
                "id": "notify_lead",
                "type": "notification",
                "label": _("New sales lead"),
                "status": "lead",
                "message": _("{name} ({email}) asked about sales."),
                "in_app": True,
                "email_members": [],
                "email_to": "",
                "webhook_url": "",
                "next": "handoff",
            },
            {
                "id": "notify_team",
                "type": "notification",
                "label": _("New request"),
                "status": "",
                "message": _("{name} ({email}) is waiting for an answer."),
                "in_app": True,
                "email_members": [],
                "email_to": "",
                "webhook_url": "",
                "next": "handoff",
            },
            {
                "id": "handoff",
                "type": "live_chat",
                "label": _("Live chat"),
                "text": _("Thanks, {name}! A member of our team will join this chat shortly."),
                "next": "goodbye",
            },
            {
                "id": "goodbye",
                "type": "end",
                "label": _("Goodbye"),
                "text": _("Thanks for chatting with us. Write again any time."),
            },
            {
                "id": "fallback",
                "type": "message",
                "label": _("Fallback"),
                "text": _("Thanks! We have your message and a person will read it."),
            },
        ],
    }
