"""The bot settings say when the widget will show the bot's colour darker than chosen."""

from django.utils import translation

from tertulia.flows.forms import BotForm

DARKER = "White text is hard to read on this colour, so the widget shows it darker"


def test_a_colour_too_light_for_white_text_is_explained_under_the_field(owner_client, bot):
    bot.colour = "#FBBF24"
    bot.save()
    page = owner_client.get(f"/bots/{bot.pk}/").content.decode()
    assert f"{DARKER}: #957115." in page
    # Tied to the field: the input's description is that line.
    assert 'aria-describedby="id_colour_helptext"' in page
    assert '<p class="field__help" id="id_colour_helptext">' in page


def test_a_readable_colour_needs_no_word(owner_client, bot):
    bot.colour = "#2563eb"
    bot.save()
    assert DARKER not in owner_client.get(f"/bots/{bot.pk}/").content.decode()


def test_the_line_follows_the_colour_being_submitted_and_the_language(bot):
    data = {"name": "Shop", "colour": "#ffffff", "position": "right", "language": ""}
    with translation.override("es"):
        form = BotForm(data, instance=bot)
        assert form["colour"].help_text == (
            "El texto blanco se lee mal sobre este color, así que el widget lo muestra más "
            "oscuro: #767676."
        )
    assert not BotForm({**data, "colour": "not a colour"}, instance=bot)["colour"].help_text
