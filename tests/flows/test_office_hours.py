"""Office hours: the schedule itself, the settings form, and the chat when the team is away."""

import datetime as dt

import pytest
from django.urls import reverse

from tertulia.conversations.flow_runner import flow_context, live_chat_request, widget_state
from tertulia.conversations.models import Message, Sender
from tertulia.conversations.office_hours import away_email_capture, say_away, team_available
from tertulia.flows.hours import is_open
from tertulia.flows.models import Bot
from tertulia.realtime.presence import presence_beat

WEEKDAYS_9_TO_5 = {
    "days": {str(d): ["09:00", "17:00"] if d < 5 else None for d in range(7)},
    "holidays": ["2026-12-25"],
}
MADRID = "Europe/Madrid"


def at(text: str) -> dt.datetime:
    """A moment in UTC, e.g. "2026-11-25 08:30" (09:30 in Madrid)."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-11-25 08:30", True),  # Wednesday 09:30 in Madrid
        ("2026-11-25 07:59", False),  # 08:59 in Madrid
        ("2026-11-25 16:00", False),  # 17:00 in Madrid: closed from then
        ("2026-11-28 10:00", False),  # Saturday
        ("2026-12-25 10:00", False),  # a holiday, a Friday
    ],
)
def test_the_schedule_is_read_in_the_workspaces_time_zone(moment, expected):
    assert is_open(WEEKDAYS_9_TO_5, at(moment), MADRID) is expected


def test_broken_schedules_mean_closed_never_an_error():
    for hours in (
        {},
        {"days": "x"},
        {"days": {"2": ["9", "x"]}},
        {"days": {"2": ["17:00", "09:00"]}},
    ):
        assert is_open(hours, at("2026-11-25 10:00"), "Not/AZone") is False


def test_away_outside_hours_or_with_nobody_online(bot, owner):
    Bot.objects.filter(pk=bot.pk).update(hours_on=True, hours=WEEKDAYS_9_TO_5)
    bot.refresh_from_db()
    bot.workspace.timezone = MADRID
    inside, outside = at("2026-11-25 10:00"), at("2026-11-25 20:00")
    assert team_available(bot, inside) is False  # nobody online
    presence_beat(member_id=owner.pk)
    assert team_available(bot, inside) is True
    assert team_available(bot, outside) is False


def test_the_hand_off_says_away_and_an_address_typed_becomes_the_email(bot, make_visitor):
    Bot.objects.filter(pk=bot.pk).update(hours_on=True, hours={"days": {}})  # always closed
    visitor = make_visitor(name="Zoe", languages="en-GB")
    visitor.bot.refresh_from_db()
    assert flow_context(visitor)["within_office_hours"] == "no"
    assert widget_state(visitor)["away"] is True
    say_away(visitor=visitor)
    live_chat_request(visitor=visitor)
    said = Message.objects.filter(visitor=visitor, sender=Sender.BOT).last().text
    assert said == "We're away right now. Leave your e-mail address here and we'll reply there."

    assert away_email_capture(visitor=visitor, text="not an address") is False
    assert away_email_capture(visitor=visitor, text="  Zoe@Example.org ") is True
    visitor.refresh_from_db()
    assert visitor.email == "zoe@example.org"
    assert (
        Message.objects.filter(visitor=visitor).last().text
        == "Thanks! We'll reply to zoe@example.org."
    )
    assert away_email_capture(visitor=visitor, text="other@example.org") is False  # known now


def test_the_bot_page_saves_office_hours_and_explains_mistakes(owner_client, agent_client, bot):
    url = reverse("flows:hours", args=[bot.pk])
    data = {"hours_on": "on", "opens_0": "09:00", "closes_0": "14:00", "holidays": "2026-12-25"}
    assert agent_client.post(url, data).status_code == 403
    assert owner_client.post(url, data).status_code == 302
    bot.refresh_from_db()
    assert bot.hours_on is True
    assert bot.hours["days"]["0"] == ["09:00", "14:00"] and bot.hours["days"]["1"] is None
    assert bot.hours["holidays"] == ["2026-12-25"]
    bad = {"hours_on": "on", "opens_1": "18:00", "closes_1": "09:00", "holidays": "25/12"}
    response = owner_client.post(url, bad)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Tuesday: give both times, the closing one after the opening one." in page
    assert "Not a date: 25/12." in page
    bot.refresh_from_db()
    assert bot.hours["days"]["1"] is None  # nothing changed
