"""Real servers on loopback for the delivery tests: an SMTP sink and a webhook receiver."""

import email
import email.policy
import socket
import socketserver
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class ReceivedMail:
    """One message as the SMTP sink got it: the envelope and the parsed message."""

    mail_from: str
    rcpt_to: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)


def _address(argument: str) -> str:
    """The address inside "FROM:<a@b>" or "TO:<a@b> SIZE=10"."""
    start, end = argument.find("<"), argument.find(">")
    if start == -1 or end < start:
        return argument.split(":", 1)[-1].strip()
    return argument[start + 1 : end]


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough of RFC 5321 for smtplib: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    timeout = 10

    def reply(self, *lines: str) -> None:
        for i, line in enumerate(lines):
            separator = "-" if i < len(lines) - 1 else " "
            self.wfile.write(f"{line[:3]}{separator}{line[4:]}\r\n".encode())
        self.wfile.flush()

    def handle(self) -> None:
        self.reply("220 sink.test ESMTP ready")
        mail_from, rcpt_to = None, []
        while True:
            line = self.rfile.readline(4096)
            if not line:
                return
            command, _, argument = line.decode("utf-8", "replace").rstrip("\r\n").partition(" ")
            verb = command.upper()
            if verb == "EHLO":
                self.reply("250 sink.test", "250 8BITMIME", "250 SMTPUTF8")
            elif verb == "HELO":
                self.reply("250 sink.test")
            elif verb == "MAIL":
                mail_from, rcpt_to = _address(argument), []
                self.reply("250 OK")
            elif verb == "RCPT":
                if mail_from is None:
                    self.reply("503 MAIL first")
                    continue
                rcpt_to.append(_address(argument))
                self.reply("250 OK")
            elif verb == "DATA":
                if not rcpt_to:
                    self.reply("503 RCPT first")
                    continue
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = self._read_data()
                if data is None:
                    return
                self.server.sink.add(ReceivedMail(mail_from, rcpt_to, data))
                mail_from, rcpt_to = None, []
                self.reply("250 OK queued")
            elif verb == "RSET":
                mail_from, rcpt_to = None, []
                self.reply("250 OK")
            elif verb == "NOOP":
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")

    def _read_data(self) -> bytes | None:
        lines = []
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return None
            if line in (b".\r\n", b".\n"):
                return b"".join(lines)
            # Undo the dot-stuffing of RFC 5321 section 4.5.2.
            lines.append(line[1:] if line.startswith(b".") else line)


class _SMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SMTPSink:
    """An SMTP server on 127.0.0.1 that keeps every message it is given."""

    def __init__(self):
        self.messages: list[ReceivedMail] = []
        self._lock = threading.Lock()
        self._server = _SMTPServer(("127.0.0.1", 0), _SMTPHandler)
        self._server.sink = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    def add(self, mail: ReceivedMail) -> None:
        with self._lock:
            self.messages.append(mail)

    def __enter__(self) -> "SMTPSink":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    received_at: float = field(default_factory=time.time)


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 that records each request and answers the next status.

    `statuses` are the answers in order; once they run out, every request gets 200.
    A 3xx answer sends the client to `redirect_to`.
    """

    def __init__(self, statuses=(), redirect_to="/moved"):
        self.requests: list[ReceivedRequest] = []
        self._statuses = list(statuses)
        self._redirect_to = redirect_to
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with receiver._lock:
                    receiver.requests.append(
                        ReceivedRequest(self.command, self.path, dict(self.headers.items()), body)
                    )
                    status = receiver._statuses.pop(0) if receiver._statuses else 200
                answer = HTTPStatus(status).phrase.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                if 300 <= status < 400:
                    self.send_header("Location", receiver._redirect_to)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_POST = _record
            do_GET = _record

            def log_message(self, format, *args):  # Quiet: pytest shows failures anyway.
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> "WebhookReceiver":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


class NotHTTPServer:
    """A loopback server that answers anything with a line that is not HTTP, then hangs up."""

    def __init__(self, answer: bytes = b"HELLO THERE\r\n\r\n"):
        self.answer = answer
        self.connections = 0
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.05)
        self.port = self._socket.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            with connection:
                self.connections += 1
                try:
                    connection.settimeout(5)
                    connection.recv(65536)
                    connection.sendall(self.answer)
                except OSError:
                    pass

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> "NotHTTPServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)
        self._socket.close()


def closed_port() -> int:
    """A loopback port nothing listens on: bound once to get a free number, then closed."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
