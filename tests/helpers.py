"""Small helpers shared by tests."""

import warnings

# The export columns, in order, as the Visitors page promises them.
EXPORT_HEADERS = [
    "ID",
    "Name",
    "Email",
    "Phone",
    "Status",
    "Country",
    "City",
    "Region",
    "Engaged",
    "Created date",
]


def body(response) -> bytes:
    """The whole body of a response, streamed (async iterator under ASGI) or not."""
    if not response.streaming:
        return response.content
    with warnings.catch_warnings():
        # Exports stream asynchronously for ASGI; the test client reads them synchronously.
        warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume asynchronous")
        return b"".join(response)
