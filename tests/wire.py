"""Raw HTTP to a live test server: exactly the headers given (no Accept-Encoding unless asked),
and the body as it came over the wire, not decoded."""

import http.client
from dataclasses import dataclass
from urllib.parse import urlsplit

# What Chromium 156 sends.
BROWSER_ENCODINGS = "gzip, deflate, br, zstd"


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str:
        return self.headers.get(name, "")

    @property
    def vary(self) -> set[str]:
        return {v.strip().lower() for v in self.header("Vary").split(",") if v.strip()}


def fetch(url: str, headers: dict | None = None, method: str = "GET", body: bytes | None = None):
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.putrequest(
            method,
            parts.path + (f"?{parts.query}" if parts.query else ""),
            skip_accept_encoding=True,
        )
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()
