"""What the loader and the chat page are told about the bot's look: the launcher's names in the
host page's language, and a colour white text is readable on."""

import json

from tertulia.core.colour import WHITE, contrast_ratio


def look(client, bot, **params):
    return client.get(f"/widget/{bot.public_key}/look", params).json()


def test_the_launcher_says_what_it_does_in_the_host_pages_language(client, bot):
    bot.title = "Panadería Luna"
    bot.language = "en"  # the chat's language does not decide the host page's words
    bot.save()
    english = look(client, bot, lang="en-GB")
    assert (english["open_label"], english["close_label"]) == (
        "Open chat: Panadería Luna",
        "Close chat: Panadería Luna",
    )
    spanish = look(client, bot, lang="es")
    assert (spanish["open_label"], spanish["close_label"]) == (
        "Abrir chat: Panadería Luna",
        "Cerrar chat: Panadería Luna",
    )
    # A language we do not speak gets English; no `lang` falls back to the browser's.
    assert look(client, bot, lang="tlh")["open_label"] == "Open chat: Panadería Luna"
    no_lang = client.get(f"/widget/{bot.public_key}/look", headers={"Accept-Language": "es-ES"})
    assert no_lang.json()["open_label"] == "Abrir chat: Panadería Luna"
    assert "Accept-Language" in no_lang["Vary"]


def test_an_untitled_bot_is_a_chat(client, bot):
    bot.title = ""
    bot.save()
    assert look(client, bot, lang="en")["open_label"] == "Open chat: Chat"


def test_a_colour_white_text_is_readable_on_is_handed_over_as_it_is(client, bot):
    bot.colour = "#B45309"
    bot.save()
    assert look(client, bot)["colour"] == "#b45309"
    assert frame_config(client, bot)["colour"] == "#b45309"


def test_a_light_colour_is_handed_over_darker(client, bot):
    bot.colour = "#fbbf24"  # amber: 1.7:1 with white
    bot.save()
    launcher, chat = look(client, bot)["colour"], frame_config(client, bot)["colour"]
    assert launcher == chat
    assert contrast_ratio(WHITE, launcher) >= 4.5
    bot.refresh_from_db()
    assert bot.colour == "#fbbf24"  # what the member chose is kept


def frame_config(client, bot) -> dict:
    html = client.get(f"/widget/{bot.public_key}/").content.decode()
    start = html.index('id="tertulia-config"')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


def test_an_unknown_bot_gets_a_json_404_the_loader_can_read(client, db):
    response = client.get("/widget/no-such-bot/look")
    assert response.status_code == 404
    assert response.json()["error"] == "unknown_bot"
    assert response["Access-Control-Allow-Origin"] == "*"
