"""The protocol's one home: its names reach the docs and the scripts from realtime/events.py."""

import json
import re
from pathlib import Path

from django.test import Client

from tertulia.core import limits
from tertulia.realtime import events

DOCS = Path(__file__).resolve().parents[2] / "docs"
STATIC = Path(__file__).resolve().parents[2] / "tertulia" / "static"


def test_the_docs_show_the_protocol_as_defined():
    for name in ("ARCHITECTURE.md", "WIDGET.md"):
        assert events.table() in (DOCS / name).read_text(), f"docs/{name} is out of date"


def test_every_event_has_a_meaning_and_the_dashboard_refreshes_on_changes():
    dashboard = events.for_dashboard()
    assert events.TYPING not in dashboard["refresh"]
    assert events.NOTIFICATION_CREATED not in dashboard["refresh"]
    assert events.VISITOR_STATUS_CHANGED in dashboard["refresh"]
    assert set(events.FRAMES) == set(events.Frame)
    assert set(events.POST_MESSAGES) == set(events.PostMessage)


def test_scripts_do_not_restate_names_or_limits():
    """Frame types, postMessage names and limits come from the server, not from literals."""
    chat = (STATIC / "widget" / "chat.js").read_text()
    loader = (STATIC / "widget" / "loader.js").read_text()
    app = (STATIC / "tertulia" / "app.js").read_text()
    for script in (chat, loader):
        assert not re.search(r"tertulia: \"", script)
        assert not re.search(r"tertulia === \"", script)
    assert not re.search(r"case \"", chat)
    assert not re.search(r"type: \"", chat)
    form = (STATIC / "widget" / "form.js").read_text()
    bubbles = (STATIC / "widget" / "bubbles.js").read_text()
    assert not re.search(r"type: \"", bubbles)
    for script in (chat, loader, form, bubbles):
        assert not re.search(r"(length > |slice\(0, |maxLength = )\d", script)
    assert "[1-5]" not in app
    assert not re.search(r"\"(visitor|message|live_chat|notification)\.\w+\"", app)


def test_the_chat_and_the_loader_receive_the_names(bot):
    client = Client()
    page = client.get(f"/widget/{bot.public_key}/").content.decode()
    config = json.loads(re.search(r'id="tertulia-config"[^>]*>(.*?)</script>', page).group(1))
    assert config["protocol"] == events.for_chat()
    assert config["limits"] == limits.as_dict()
    assert config["bot_name"] == bot.title
    look = client.get(f"/widget/{bot.public_key}/look").json()
    assert look["messages"] == events.for_loader()


def test_the_dashboard_receives_the_event_names(owner_client):
    page = owner_client.get("/visitors/").content.decode()
    blob = re.search(r'id="tertulia-events"[^>]*>(.*?)</script>', page).group(1)
    assert json.loads(blob) == json.loads(json.dumps(events.for_dashboard()))
