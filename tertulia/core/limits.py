"""How long things may be: one definition for the server, the templates (`limits` in every
template's context) and the chat's script (its config)."""

# A visitor's or an agent's message, in characters.
MESSAGE_MAX = 4000
# One answer in a form the flow asks.
FORM_FIELD_MAX = 500
# The JSON body of a request to the widget's endpoints, in bytes.
REQUEST_BODY_MAX = 64 * 1024
# What the widget reports of a page: its address and its title.
PAGE_URL_MAX = 2000
PAGE_TITLE_MAX = 200
# The id the widget gives each send, so a retry is stored once.
CLIENT_ID_MAX = 64


def as_dict() -> dict[str, int]:
    """The limits by short name, for templates and scripts."""
    return {
        "message": MESSAGE_MAX,
        "form_field": FORM_FIELD_MAX,
        "request_body": REQUEST_BODY_MAX,
        "page_url": PAGE_URL_MAX,
        "page_title": PAGE_TITLE_MAX,
        "client_id": CLIENT_ID_MAX,
    }
