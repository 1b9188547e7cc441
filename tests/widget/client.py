"""A visitor's side of the widget protocol, spoken over real HTTP and WebSocket on loopback."""

import json
import time
import urllib.error
import urllib.request
import uuid

from websockets.sync.client import connect


def http(server, method, path, body=None, token="", headers=None):
    """(status, JSON body, headers) of one request to the live server."""
    data = (
        None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    )
    request = urllib.request.Request(
        server.url + path,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", "X-Tertulia-Token": token, **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return response.status, json.loads(raw or b"{}"), response.headers
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, json.loads(raw or b"{}"), error.headers


def open_chat(server, key, token="", origin=None, page=None):
    body = {"token": token, "page": page or {"url": "https://shop.example/prices"}}
    if origin:
        body["origin"] = origin
    return http(server, "POST", f"/widget/{key}/open", body)


def socket(server, key, token, after=0, lang="en", version=None):
    """The chat's socket; `version`: the protocol it says it speaks (`v`; none: 1)."""
    speaks = "" if version is None else f"&v={version}"
    return connect(
        f"{server.ws_url}/ws/widget/{key}/?token={token}&after={after}&lang={lang}{speaks}",
        origin=server.url,
        open_timeout=5,
    )


def action(kind, **fields):
    return {"type": kind, "client_id": str(uuid.uuid4()), **fields}


def receive_until(ws, done, timeout=5.0):
    """Frames received until `done(frame)` is true (included); fails after `timeout` seconds."""
    frames = []
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"Timed out; received {frames!r}")
        frame = json.loads(ws.recv(timeout=left))
        frames.append(frame)
        if done(frame):
            return frames


def reply_to(client_id):
    return lambda f: f.get("client_id") == client_id and f["type"] in ("ack", "error")


def member_post(server, user, path, data):
    """A logged-in member's form POST to the live server (session and CSRF cookies, as a browser)."""
    import secrets
    import urllib.parse

    from django.test import Client

    client = Client()
    client.force_login(user)
    csrf = secrets.token_hex(16)
    request = urllib.request.Request(
        server.url + path,
        data=urllib.parse.urlencode(data).encode(),
        method="POST",
        headers={
            "Cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
            "HX-Request": "true",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status
